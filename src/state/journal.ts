/**
 * The crash-safe journal: an append-only JSONL file in the state directory. Every append is
 * written and fsynced before its promise resolves, and only then applied to the in-memory view,
 * so the view never runs ahead of the disk. Appends are serialised: callers may append from
 * concurrent tasks (webhook deliveries) and lines never interleave.
 *
 * Opening replays the file. A torn last line (a crash mid-write: no trailing newline, or not JSON,
 * e.g. the zero bytes some filesystems leave after a power cut) is dropped with a warning and
 * truncated away, so the next append starts on a clean line; see journal-entries.ts for why losing
 * it is safe. Damage anywhere else is an error naming the line: guessing past it could lose or
 * repeat a write.
 *
 * One file although long: appending, fsyncing, replaying, repairing a torn line and compacting
 * must agree on one file format, so they are read and changed together.
 */
import { randomUUID } from "node:crypto";
import { type FileHandle, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { dateNow, systemClock } from "../util/clock.js";
import { DialwindowError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";
import type { ChangeRecord, WriteIntent } from "./change-record.js";
import {
  type AbandonedEntry,
  type AttemptFailedEntry,
  type AuditedEntry,
  type DeadEntry,
  type DeliveredEntry,
  type EntryBody,
  entryProblem,
  type IntentEntry,
  JOURNAL_FORMAT_VERSION,
  type JournalEntry,
  type RequeuedEntry,
  upgradeEntry,
  type WrittenEntry,
} from "./journal-entries.js";
import { JournalView } from "./journal-view.js";
import { NO_FOLLOW, openNoFollow, readNoFollow, writeSynced } from "./no-follow.js";
import { syncDir } from "./sync-dir.js";

export class JournalError extends DialwindowError {
  readonly path: string;
  /** 1-based line of the journal the problem is on, when it is about one line. */
  readonly line: number | undefined;

  constructor(code: string, path: string, message: string, line?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
    this.line = line;
  }
}

export interface JournalOptions {
  logger: Logger;
  now?: () => Date;
  /** Makes intent ids; default "int_" + a random UUID. */
  newIntentId?: () => string;
  /**
   * Read without the state-dir lock (e.g. `webhooks list` while the daemon runs): appends throw,
   * and a partial last line is ignored but left alone, since the writer may be mid-append.
   */
  readOnly?: boolean;
}

/** `intentId`: default a fresh id from `newIntentId`. */
export type IntentInput = WriteIntent & { intentId?: string };

export interface WrittenOptions {
  /** Webhook targets that must each receive this change once (their config names). */
  targets: readonly string[];
  /** Whether the change goes into the git audit trail; default true. */
  audit?: boolean;
}

export interface CompactionResult {
  bytesBefore: number;
  bytesAfter: number;
  entriesKept: number;
}

/** Compaction is worth it past this size; small journals replay in no time. */
export const DEFAULT_COMPACT_THRESHOLD_BYTES = 4 * 1024 * 1024;

export class Journal {
  readonly path: string;
  readonly readOnly: boolean;
  #view: JournalView;
  #size: number;
  #fh: FileHandle | undefined;
  /** Serialises appends and compaction; always settled-ok so one failure does not block the next. */
  readonly #serial = new SerialQueue();
  #broken: Error | undefined;
  #closed = false;
  #sizeAfterCompaction = 0;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #newIntentId: () => string;

  private constructor(
    path: string,
    view: JournalView,
    size: number,
    fh: FileHandle | undefined,
    options: JournalOptions,
  ) {
    this.path = path;
    this.readOnly = options.readOnly === true;
    this.#view = view;
    this.#size = size;
    this.#fh = fh;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => dateNow(systemClock));
    this.#newIntentId = options.newIntentId ?? (() => `int_${randomUUID()}`);
  }

  /** Opens (creating when missing, unless read-only) and replays the journal at `path`. */
  static async open(path: string, options: JournalOptions): Promise<Journal> {
    const readOnly = options.readOnly === true;
    // Never through a link: the state directory may sit in a checkout a pull request wrote.
    const data = (await readNoFollow(path)) ?? Buffer.alloc(0);
    const { view, validBytes, torn } = replay(path, data, options.logger);
    if (torn !== undefined) {
      if (readOnly) {
        options.logger.debug({ path, line: torn.line }, "ignoring an incomplete last journal line");
      } else {
        options.logger.warn(
          { path, line: torn.line, bytes: data.length - validBytes },
          "dropped a torn last line from the journal (the process stopped mid-write); truncated it away",
        );
      }
    }
    if (readOnly) return new Journal(path, view, validBytes, undefined, options);

    const fh = await openNoFollow(path, NO_FOLLOW.append);
    try {
      if (torn !== undefined) {
        await fh.truncate(validBytes);
        await fh.sync();
      }
      if (data.length === 0) await syncDir(dirname(path));
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new Journal(path, view, validBytes, fh, options);
  }

  /** What the journal says is unfinished. Reflects every append that has resolved. */
  get view(): JournalView {
    return this.#view;
  }

  get sizeBytes(): number {
    return this.#size;
  }

  /** Before a PATCH: what is about to change. The PATCH must not start until this resolves. */
  async recordIntent(input: IntentInput): Promise<IntentEntry> {
    const base = {
      type: "intent" as const,
      intentId: input.intentId ?? this.#newIntentId(),
      campaignId: input.campaignId,
      name: input.name,
      file: input.file,
      revision: input.revision,
    };
    return this.#append(
      input.part === "curfews"
        ? {
            ...base,
            part: "curfews",
            before: input.before,
            after: input.after,
            versionBefore: input.versionBefore,
          }
        : { ...base, before: input.before, after: input.after, versionBefore: input.versionBefore },
    );
  }

  /** After a successful PATCH: the change, now pending for every target and for the audit. */
  async recordWritten(
    intentId: string,
    change: ChangeRecord,
    options: WrittenOptions,
  ): Promise<WrittenEntry> {
    return this.#append({
      type: "written",
      intentId,
      change,
      targets: [...options.targets],
      audit: options.audit ?? true,
    });
  }

  /** The PATCH did not happen or failed (or recovery found live state unchanged). */
  async recordAbandoned(intentId: string, reason: string): Promise<AbandonedEntry> {
    return this.#append({ type: "abandoned", intentId, reason });
  }

  /** A delivery attempt failed in a way worth retrying; `retryAt` is when the next one is due. */
  async recordAttemptFailed(
    changeId: string,
    target: string,
    attempt: number,
    error: string,
    status: number | null,
    retryAt?: Date,
  ): Promise<AttemptFailedEntry> {
    return this.#append({
      type: "attempt-failed",
      changeId,
      target,
      attempt,
      error,
      status,
      ...(retryAt === undefined ? {} : { retryAt: retryAt.toISOString() }),
    });
  }

  async recordDelivered(
    changeId: string,
    target: string,
    attempt: number,
    status: number,
  ): Promise<DeliveredEntry> {
    return this.#append({ type: "delivered", changeId, target, attempt, status });
  }

  async recordDead(
    changeId: string,
    target: string,
    attempts: number,
    reason: string,
    status: number | null,
  ): Promise<DeadEntry> {
    return this.#append({ type: "dead", changeId, target, attempts, reason, status });
  }

  /** Moves a dead letter back to pending, with a fresh retry budget. */
  async recordRequeued(changeId: string, target: string): Promise<RequeuedEntry> {
    return this.#append({ type: "requeued", changeId, target });
  }

  /** The changes are in audit commit `commit`. */
  async recordAudited(changeIds: readonly string[], commit: string): Promise<AuditedEntry> {
    return this.#append({ type: "audited", changeIds: [...changeIds], commit });
  }

  /**
   * Rewrites the file atomically with only unfinished work and dead letters (temp file, fsync,
   * rename over, fsync the directory): a crash leaves either the old file or the new one.
   */
  async compact(): Promise<CompactionResult> {
    return this.#serial.run(() => this.#compactNow());
  }

  /**
   * Compacts when the file is past `thresholdBytes` and has at least doubled since the last
   * compaction (so a journal whose unfinished work alone is large is not rewritten on every call).
   * Meant for quiet moments, e.g. after a drain and an audit commit.
   */
  async maybeCompact(
    thresholdBytes = DEFAULT_COMPACT_THRESHOLD_BYTES,
  ): Promise<CompactionResult | undefined> {
    return this.#serial.run(async () => {
      if (this.#size <= thresholdBytes || this.#size < 2 * this.#sizeAfterCompaction) return undefined;
      return this.#compactNow();
    });
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#serial.idle();
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }

  async #append<E extends JournalEntry>(body: EntryBody<E>): Promise<E> {
    return this.#serial.run(async () => {
      const fh = this.#writable();
      const entry = { v: JOURNAL_FORMAT_VERSION, ts: this.#now().toISOString(), ...body } as unknown as E;
      // Checked before writing, applied only after the fsync: the view never runs ahead of the disk.
      const problem = entryProblem(entry) ?? this.#view.problemWith(entry, "append");
      if (problem !== undefined) {
        throw new JournalError("DW_JOURNAL_REJECTED", this.path, `journal entry rejected: ${problem}`);
      }
      const line = Buffer.from(`${JSON.stringify(entry)}\n`, "utf8");
      try {
        await fh.appendFile(line);
        await fh.datasync();
      } catch (err) {
        await this.#rollBack(fh, err);
        throw new JournalError(
          "DW_JOURNAL_WRITE",
          this.path,
          `could not write the journal ${this.path}`,
          undefined,
          {
            cause: err,
          },
        );
      }
      this.#size += line.length;
      this.#view.apply(entry, "append");
      return entry;
    });
  }

  /** A failed write may have left part of a line; cut the file back to its last good length. */
  async #rollBack(fh: FileHandle, cause: unknown): Promise<void> {
    try {
      await fh.truncate(this.#size);
      await fh.datasync();
    } catch {
      this.#broken = new JournalError(
        "DW_JOURNAL_BROKEN",
        this.path,
        `the journal ${this.path} could not be written or repaired; restart to replay it`,
        undefined,
        { cause },
      );
    }
  }

  #writable(): FileHandle {
    if (this.readOnly) {
      throw new JournalError("DW_JOURNAL_READ_ONLY", this.path, `the journal ${this.path} is open read-only`);
    }
    if (this.#broken !== undefined) throw this.#broken;
    if (this.#closed || this.#fh === undefined) {
      throw new JournalError("DW_JOURNAL_CLOSED", this.path, `the journal ${this.path} is closed`);
    }
    return this.#fh;
  }

  async #compactNow(): Promise<CompactionResult> {
    const fh = this.#writable();
    const entries = this.#view.compactedEntries();
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join("");
    const data = Buffer.from(text, "utf8");
    // The rebuilt view must equal the old one; replaying the new file proves it before it replaces
    // the old, and drops the memory of closed intents the old view kept.
    const rebuilt = replay(this.path, data, this.#logger).view;
    const tmp = `${this.path}.compact-${process.pid}.tmp`;
    await writeSynced(tmp, data, NO_FOLLOW.truncate);
    // rename replaces whatever has the name (a link included) rather than following it.
    await rename(tmp, this.path);
    await syncDir(dirname(this.path));
    const bytesBefore = this.#size;
    // The old handle points at the replaced inode; appends must go to the new file.
    await fh.close();
    this.#fh = await openNoFollow(this.path, NO_FOLLOW.append);
    this.#size = (await this.#fh.stat()).size;
    this.#sizeAfterCompaction = this.#size;
    this.#view = rebuilt;
    this.#logger.info(
      { path: this.path, bytesBefore, bytesAfter: this.#size, entriesKept: entries.length },
      "journal compacted",
    );
    return { bytesBefore, bytesAfter: this.#size, entriesKept: entries.length };
  }
}

interface ReplayResult {
  view: JournalView;
  /** Length of the prefix holding whole, valid lines. */
  validBytes: number;
  torn: { line: number } | undefined;
}

function replay(path: string, data: Buffer, logger: Logger): ReplayResult {
  const view = new JournalView();
  const lines: { start: number; end: number; terminated: boolean }[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    if (nl === -1) {
      lines.push({ start, end: data.length, terminated: false });
      break;
    }
    lines.push({ start, end: nl, terminated: true });
    start = nl + 1;
  }
  let validBytes = 0;
  for (const [index, { start: s, end, terminated }] of lines.entries()) {
    const lineNo = index + 1;
    const isLast = index === lines.length - 1;
    const text = data.subarray(s, end).toString("utf8");
    if (text.trim() === "") {
      if (isLast && !terminated) return { view, validBytes, torn: { line: lineNo } };
      validBytes = end + 1;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (isLast) return { view, validBytes, torn: { line: lineNo } };
      throw new JournalError(
        "DW_JOURNAL_CORRUPT",
        path,
        `the journal ${path} is damaged at line ${lineNo} (not valid JSON). It is not the last line, so it ` +
          "is not a crash mid-write; inspect and repair the file by hand (keep a copy) before starting again.",
        lineNo,
        { cause: err },
      );
    }
    if (!terminated) return { view, validBytes, torn: { line: lineNo } };
    value = upgradeEntry(value);
    const problem = entryProblem(value);
    if (problem !== undefined) {
      throw new JournalError(
        "DW_JOURNAL_CORRUPT",
        path,
        `the journal ${path} has an invalid entry at line ${lineNo}: ${problem}`,
        lineNo,
      );
    }
    const inconsistency = view.apply(value as JournalEntry, "replay");
    if (inconsistency !== undefined) {
      // The entry is well formed but does not fit what came before (a hand edit, or a bug); the
      // rest of the journal is still trustworthy, so skip it loudly rather than refuse to start.
      logger.warn({ path, line: lineNo, problem: inconsistency }, "skipped an inconsistent journal entry");
    }
    validBytes = end + 1;
  }
  return { view, validBytes, torn: undefined };
}
