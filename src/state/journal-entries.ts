/**
 * The lines of the journal. Every entry is one JSON object on one line, with `v` (format version),
 * `type` and `ts` (when it was journalled). The journal's protocol around a write:
 *
 *   intent   written before the PATCH: what is about to change
 *   written  the PATCH succeeded: the ChangeRecord, and who must hear of it (webhook targets, audit)
 *   abandoned  the PATCH did not happen or failed
 *
 * and then, per change: `attempt-failed` / `delivered` / `dead` per webhook target, `requeued`
 * when a dead letter is sent again, and `audited` once it is in a commit. An `attempt-failed`
 * says when the next attempt is due (`retryAt`), so retry timing survives restarts; lines from
 * before that field existed replay as due at once.
 *
 * Losing the last entry (a crash before its fsync) is always safe by construction: a lost
 * `written` leaves its intent open, and open intents are recovered by reading live state; a lost
 * `delivered` means one more delivery with the same webhook-id, which receivers de-duplicate; a
 * lost `audited` is recovered by the audit writer finding the record already in the trail.
 *
 * Nothing here holds a secret: ChangeRecords carry none, and error texts are scrubbed by the
 * code that produces them. Headers are never journalled.
 */
import type { ChangeRecord, WriteIntent } from "./change-record.js";
import { withCurrentVersionNames } from "./legacy-names.js";

/**
 * 2: the version guards of intents and changes are `versionBefore` / `versionAfter` (in 1 they
 * were named after the tutorial profile's ETags). Version 1 lines are read as version 2
 * (`upgradeEntry`), so a journal left by an older dialwindow is replayed, not refused; an older
 * dialwindow refuses a version 2 journal as written by a newer one.
 */
export const JOURNAL_FORMAT_VERSION = 2;

interface EntryBase {
  v: typeof JOURNAL_FORMAT_VERSION;
  /** ISO-8601 instant the entry was journalled. */
  ts: string;
}

export type IntentEntry = EntryBase & WriteIntent & { type: "intent"; intentId: string };

export interface WrittenEntry extends EntryBase {
  type: "written";
  intentId: string;
  change: ChangeRecord;
  /** Names of the webhook targets configured when the change was made: each gets one delivery. */
  targets: string[];
  /** Whether the change goes into the git audit trail. */
  audit: boolean;
}

export interface AbandonedEntry extends EntryBase {
  type: "abandoned";
  intentId: string;
  reason: string;
}

export interface AttemptFailedEntry extends EntryBase {
  type: "attempt-failed";
  changeId: string;
  target: string;
  /** 1-based, counted since the delivery was (re)queued. */
  attempt: number;
  error: string;
  status: number | null;
  /** ISO-8601 instant the next attempt is due. Absent in older journals: due at once. */
  retryAt?: string;
}

export interface DeliveredEntry extends EntryBase {
  type: "delivered";
  changeId: string;
  target: string;
  attempt: number;
  status: number;
}

export interface DeadEntry extends EntryBase {
  type: "dead";
  changeId: string;
  target: string;
  attempts: number;
  reason: string;
  status: number | null;
}

export interface RequeuedEntry extends EntryBase {
  type: "requeued";
  changeId: string;
  target: string;
}

export interface AuditedEntry extends EntryBase {
  type: "audited";
  changeIds: string[];
  /** The audit commit's sha. */
  commit: string;
}

export type JournalEntry =
  | IntentEntry
  | WrittenEntry
  | AbandonedEntry
  | AttemptFailedEntry
  | DeliveredEntry
  | DeadEntry
  | RequeuedEntry
  | AuditedEntry;

/** Distributes Omit over the union so each member keeps its own fields. */
export type EntryBody<E extends JournalEntry = JournalEntry> = E extends JournalEntry
  ? Omit<E, "v" | "ts">
  : never;

/** A parsed line of an older format as the current one; anything else as it is. */
export function upgradeEntry(value: unknown): unknown {
  if (!isObject(value) || value.v !== 1) return value;
  const out: Record<string, unknown> = { ...withCurrentVersionNames(value), v: JOURNAL_FORMAT_VERSION };
  if (isObject(value.change)) out.change = withCurrentVersionNames(value.change);
  return out;
}

/**
 * Checks a parsed line. Returns the problem in words, or undefined when the entry is well formed.
 * Shallow on purpose: the journal is our own file, so this catches truncation, hand edits and
 * files from a newer version, not adversaries.
 */
export function entryProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not a JSON object";
  if (value.v !== JOURNAL_FORMAT_VERSION) {
    return typeof value.v === "number" && value.v > JOURNAL_FORMAT_VERSION
      ? `format version ${value.v} was written by a newer dialwindow`
      : `unknown format version ${JSON.stringify(value.v)}`;
  }
  if (!isString(value.ts)) return "missing ts";
  const missing = (fields: Record<string, (x: unknown) => boolean>) => {
    const bad = Object.entries(fields).find(([key, ok]) => !ok(value[key]));
    return bad === undefined
      ? undefined
      : `${String(value.type)} entry has a missing or malformed "${bad[0]}"`;
  };
  switch (value.type) {
    case "intent":
      return missing({ intentId: isString, ...writeFields(value.part) });
    case "written":
      return (
        missing({ intentId: isString, change: isObject, targets: isStringArray, audit: isBoolean }) ??
        changeProblem(value.change)
      );
    case "abandoned":
      return missing({ intentId: isString, reason: isString });
    case "attempt-failed":
      return missing({
        changeId: isString,
        target: isString,
        attempt: isPositiveInt,
        error: isString,
        status: isIntOrNull,
        retryAt: (x) => x === undefined || isInstant(x),
      });
    case "delivered":
      return missing({
        changeId: isString,
        target: isString,
        attempt: isPositiveInt,
        status: Number.isInteger,
      });
    case "dead":
      return missing({
        changeId: isString,
        target: isString,
        attempts: Number.isInteger,
        reason: isString,
        status: isIntOrNull,
      });
    case "requeued":
      return missing({ changeId: isString, target: isString });
    case "audited":
      return missing({ changeIds: isStringArray, commit: isString });
    default:
      return `unknown entry type ${JSON.stringify(value.type)}`;
  }
}

function changeProblem(change: unknown): string | undefined {
  const c = change as Record<string, unknown>;
  const fields: Record<string, (x: unknown) => boolean> = {
    changeId: isString,
    ...writeFields(c.part),
    versionAfter: isString,
    actor: isString,
    at: isString,
  };
  const bad = Object.entries(fields).find(([key, ok]) => !ok(c[key]));
  return bad === undefined ? undefined : `written entry's change has a missing or malformed "${bad[0]}"`;
}

/** What an intent and the change it becomes both hold: the write, before it is made. */
function writeFields(part: unknown): Record<string, (x: unknown) => boolean> {
  const value = part === "curfews" ? isCurfews : isSchedule;
  return {
    campaignId: isString,
    name: isString,
    file: isString,
    revision: isStringOrNull,
    part: isPart,
    before: value,
    after: value,
    versionBefore: isString,
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
function isString(x: unknown): x is string {
  return typeof x === "string";
}
function isInstant(x: unknown): boolean {
  return typeof x === "string" && !Number.isNaN(Date.parse(x));
}
function isStringOrNull(x: unknown): boolean {
  return x === null || typeof x === "string";
}
function isBoolean(x: unknown): boolean {
  return typeof x === "boolean";
}
function isStringArray(x: unknown): boolean {
  return Array.isArray(x) && x.every(isString);
}
function isPositiveInt(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 1;
}
function isIntOrNull(x: unknown): boolean {
  return x === null || Number.isInteger(x);
}
/** Absent (the schedule, as in every journal before curfews) or "curfews". */
function isPart(x: unknown): boolean {
  return x === undefined || x === "curfews";
}
function isCurfews(x: unknown): boolean {
  return Array.isArray(x) && x.every((b) => isObject(b) && isString(b.zone));
}
function isSchedule(x: unknown): boolean {
  return (
    isObject(x) && isString(x.timezone) && Array.isArray(x.dialingHours) && Array.isArray(x.pauseConditions)
  );
}
