export type * from "./change-record.js";
export * from "./journal.js";
export * from "./journal-entries.js";
export * from "./journal-view.js";
export * from "./lock.js";
export * from "./no-follow.js";
export * from "./retry-requests.js";
export * from "./state-dir.js";
