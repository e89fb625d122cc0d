export * from "./attempt.js";
export * from "./outbox.js";
export * from "./payload.js";
export * from "./retry-policy.js";
export * from "./targets.js";
