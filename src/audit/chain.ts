/**
 * The hash chain, as pure functions: how a change record becomes a JSON line, which day file
 * it goes to, and how a sequence of day files is checked. No git and no clock in here, so the
 * writer and `audit verify` cannot disagree about what a valid line is.
 *
 * A line is the canonical JSON of the record plus `prevHash`, with `hash` appended last:
 * `hash = sha256(canonical JSON of the line without "hash")`. The first line of the trail has
 * `prevHash` = 64 zeros and the chain runs on across day files in file (= date) order.
 */
import type { ChangeRecord } from "../state/change-record.js";
import { withCurrentVersionNames } from "../state/legacy-names.js";
import { canonicalJson, sha256Hex } from "../util/canonical-json.js";
import { AuditError } from "./errors.js";

// Shared with saved plans (plan/saved-plan.ts), whose digest is computed the same way.
export { canonicalJson, sha256Hex } from "../util/canonical-json.js";

export const GENESIS_HASH = "0".repeat(64);

/** One line of the trail, parsed, with where it was found. */
export interface AuditEntry {
  record: ChangeRecord;
  prevHash: string;
  hash: string;
  /** `file` is the day file's path in the repository; `line` is 1-based. */
  location: { file: string; line: number };
}

/** The end of the chain: what the next line links to and the newest day file. */
export interface ChainTail {
  lastHash: string;
  /** "YYYY/MM/DD" of the newest day file, or null for an empty trail. */
  lastDay: string | null;
}

export type AuditBreakReason =
  /** The line's content no longer hashes to its `hash`: it was altered. */
  | "hash-mismatch"
  /** The line is intact but does not follow the previous one: a line before it was removed, inserted or moved. */
  | "prev-hash-mismatch"
  /** The line is not JSON, or not an audit line (no `hash`/`prevHash`/`changeId`/`at`). */
  | "invalid-json"
  /** The newest head an audit commit recorded is no longer in the chain: lines were cut off the end. */
  | "truncated";

export interface AuditBreak {
  file: string;
  line: number;
  reason: AuditBreakReason;
  message: string;
}

export interface ChainWalk {
  /** Every parseable line, in chain order, including any after the first break. */
  entries: AuditEntry[];
  /** Lines that verified before the first break (all of them when intact). */
  intact: number;
  firstBroken?: AuditBreak;
  tail: ChainTail;
  files: number;
}

export interface DayFile {
  /** Path in the repository, e.g. "audit/2026/03/14.jsonl". */
  path: string;
  /** "YYYY/MM/DD". */
  day: string;
  text: string;
}

/**
 * Copies exactly the ChangeRecord fields, so whatever else a caller's object carries (and
 * anything taken from the environment) never reaches the published trail.
 */
export function pickRecord(record: ChangeRecord): ChangeRecord {
  const rest = {
    versionBefore: record.versionBefore,
    versionAfter: record.versionAfter,
    actor: record.actor,
    at: record.at,
  };
  const head = {
    changeId: record.changeId,
    campaignId: record.campaignId,
    name: record.name,
    file: record.file,
    revision: record.revision,
  };
  // A record of the boundings says so; a schedule's has no `part`, as every record before it.
  return record.part === "curfews"
    ? { ...head, part: "curfews", before: record.before, after: record.after, ...rest }
    : { ...head, before: record.before, after: record.after, ...rest };
}

/** The JSON line for `record` linked to `prevHash`, and its hash. */
export function formatLine(record: ChangeRecord, prevHash: string): { line: string; hash: string } {
  const body = canonicalJson({ ...pickRecord(record), prevHash });
  const hash = sha256Hex(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** "YYYY/MM/DD" of the UTC date of an ISO-8601 instant. */
export function dayOf(at: string): string {
  const date = new Date(at);
  if (!ISO_INSTANT.test(at) || Number.isNaN(date.getTime())) {
    throw new AuditError(
      "DW_AUDIT_RECORD",
      `change record time ${JSON.stringify(at)} is not an ISO-8601 instant`,
    );
  }
  return date.toISOString().slice(0, 10).replaceAll("-", "/");
}

export function dayFilePath(auditPath: string, day: string): string {
  return `${auditPath}/${day}.jsonl`;
}

/** The "YYYY/MM/DD" of a day file under `auditPath`, or null for any other path. */
export function dayOfFile(auditPath: string, file: string): string | null {
  const prefix = `${auditPath}/`;
  if (!file.startsWith(prefix)) return null;
  const match = /^(\d{4}\/\d{2}\/\d{2})\.jsonl$/.exec(file.slice(prefix.length));
  return match?.[1] ?? null;
}

/**
 * A record as it is read today: lines written before version guards were profile-neutral
 * name them differently (legacy-names.ts). The line itself, and so its hash, stays as
 * written; only a record replayed onto a new tip is written anew.
 */
function currentRecord(line: Record<string, unknown>): ChangeRecord {
  return withCurrentVersionNames(line) as unknown as ChangeRecord;
}

export function checkRecord(record: ChangeRecord): void {
  if (typeof record.changeId !== "string" || record.changeId.trim() === "") {
    throw new AuditError("DW_AUDIT_RECORD", "change record has no changeId");
  }
  dayOf(record.at);
}

export interface AppendPlan {
  /** New lines per day file, in the order they are to be appended. */
  files: Map<string, string[]>;
  hashes: string[];
  tail: ChainTail;
}

/**
 * Links `records` onto `tail`. A record goes to the day file of its `at`, except that the
 * chain never steps back to an older file: a record older than the newest day already in the
 * trail (a journal replayed after midnight, a writer with a slow clock) goes to the newest
 * day file, where it still says when it happened in `at`. Verifying in file order then
 * always follows the chain.
 */
export function planAppend(tail: ChainTail, records: readonly ChangeRecord[], auditPath: string): AppendPlan {
  const files = new Map<string, string[]>();
  const hashes: string[] = [];
  let { lastHash, lastDay } = tail;
  for (const record of records) {
    const recordDay = dayOf(record.at);
    const day = lastDay !== null && lastDay > recordDay ? lastDay : recordDay;
    const file = dayFilePath(auditPath, day);
    const { line, hash } = formatLine(record, lastHash);
    const lines = files.get(file) ?? [];
    lines.push(line);
    files.set(file, lines);
    hashes.push(hash);
    lastHash = hash;
    lastDay = day;
  }
  return { files, hashes, tail: { lastHash, lastDay } };
}

const HEX64 = /^[0-9a-f]{64}$/;

type ParsedLine =
  | { ok: true; object: Record<string, unknown>; prevHash: string; hash: string }
  | { ok: false; why: string };

function parseLine(raw: string): ParsedLine {
  if (raw.trim() === "") return { ok: false, why: "blank line" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, why: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, why: "not a JSON object" };
  }
  const object = value as Record<string, unknown>;
  const { hash, prevHash } = object;
  if (typeof hash !== "string" || !HEX64.test(hash)) return { ok: false, why: "no valid hash" };
  if (typeof prevHash !== "string" || !HEX64.test(prevHash)) return { ok: false, why: "no valid prevHash" };
  if (typeof object.changeId !== "string" || typeof object.at !== "string") {
    return { ok: false, why: "not a change record (no changeId or at)" };
  }
  return { ok: true, object, prevHash, hash };
}

/**
 * Walks day files in path order (= date order, the names being fixed-width dates) and every
 * line in them. A line's own hash is checked before its link, so an edited line reads as
 * "altered" while an intact line in the wrong place reads as "removed or reordered".
 */
export function walkChain(dayFiles: readonly DayFile[]): ChainWalk {
  const sorted = [...dayFiles].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const entries: AuditEntry[] = [];
  let expected = GENESIS_HASH;
  let intact = 0;
  let firstBroken: AuditBreak | undefined;
  for (const dayFile of sorted) {
    const lines = dayFile.text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    for (const [index, raw] of lines.entries()) {
      const where = { file: dayFile.path, line: index + 1 };
      const parsed = parseLine(raw);
      if (!parsed.ok) {
        firstBroken ??= { ...where, reason: "invalid-json", message: `unreadable line: ${parsed.why}` };
        continue;
      }
      const { hash: _stored, ...body } = parsed.object;
      if (firstBroken === undefined) {
        if (sha256Hex(canonicalJson(body)) !== parsed.hash) {
          firstBroken = {
            ...where,
            reason: "hash-mismatch",
            message: "line was altered: its content does not match its hash",
          };
        } else if (parsed.prevHash !== expected) {
          firstBroken = {
            ...where,
            reason: "prev-hash-mismatch",
            message:
              "line does not follow the previous one: a line before it was removed, inserted or reordered",
          };
        } else {
          intact++;
        }
      }
      const { prevHash: _prev, ...record } = body;
      entries.push({
        record: currentRecord(record),
        prevHash: parsed.prevHash,
        hash: parsed.hash,
        location: where,
      });
      expected = parsed.hash;
    }
  }
  const lastDay = sorted.at(-1)?.day ?? null;
  const walk: ChainWalk = { entries, intact, tail: { lastHash: expected, lastDay }, files: sorted.length };
  if (firstBroken !== undefined) walk.firstBroken = firstBroken;
  return walk;
}
