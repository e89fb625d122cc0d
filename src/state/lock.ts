/**
 * An exclusive lock on a state directory, so two dialwindow processes never append to one journal
 * or deliver one outbox at the same time.
 *
 * Why not proper-lockfile: it decides staleness by the lock's mtime (it must keep touching the
 * file, and a lock is stale only after `stale` ms without a touch). After `kill -9` the next start
 * would wait out that interval, or, with a short interval, a live holder stalled by a long GC or a
 * suspended VM would lose its lock. Here the holder writes who it is (pid, host, process start
 * time) and a lock is stale exactly when that process is gone, which is known immediately on the
 * same host. The whole mechanism is `acquireLock` + `LockHandle.release`, so swapping in a library
 * later touches only this file.
 *
 * The lock file is created complete or not at all: the record is written to a private temp file
 * and hard-linked into place (link fails with EEXIST if the lock exists), so a reader never sees a
 * half-written holder.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, unlink } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { basename } from "node:path";
import { dateNow, systemClock } from "../util/clock.js";
import { DialwindowError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { NO_FOLLOW, readNoFollow, writeSynced } from "./no-follow.js";

/** Who holds a lock; this is the lock file's content. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The command line to show a person, e.g. "dialwindow reconcile --dir repo". */
  command: string;
  /** ISO-8601 instant the lock was taken. */
  startedAt: string;
  /**
   * Linux only: the process start time from /proc/<pid>/stat (clock ticks since boot). With the
   * pid it identifies the process exactly, so a pid reused after a crash (common in containers,
   * where the restarted process is pid 1 again) is not mistaken for the holder.
   */
  procStart: string | null;
  /** Random; tells this acquisition apart from any other by the same pid. */
  token: string;
}

export class StateDirLockedError extends DialwindowError {
  readonly holder: LockHolder;
  readonly lockPath: string;

  constructor(lockPath: string, holder: LockHolder, message: string) {
    super("DW_STATE_LOCKED", message);
    this.holder = holder;
    this.lockPath = lockPath;
  }
}

export interface AcquireLockOptions {
  logger: Logger;
  /** Shown to whoever finds the lock taken; default: this process's argv. */
  command?: string;
  now?: () => Date;
}

export interface LockHandle {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

/** Enough for a takeover race between a few starting processes; beyond that something is wrong. */
const MAX_ROUNDS = 5;

type Liveness = "alive" | "dead" | "this-process" | "other-host";

export async function acquireLock(lockPath: string, options: AcquireLockOptions): Promise<LockHandle> {
  const now = options.now ?? (() => dateNow(systemClock));
  const self: LockHolder = {
    pid: process.pid,
    host: osHostname(),
    command: options.command ?? defaultCommand(),
    startedAt: now().toISOString(),
    procStart: await readProcStart(process.pid),
    token: randomBytes(12).toString("hex"),
  };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (await createExclusive(lockPath, self)) return handleFor(lockPath, self, options.logger);

    const existing = await readHolder(lockPath);
    if (existing === undefined) continue; // released between our attempt and the read
    if (existing === null) {
      throw new DialwindowError(
        "DW_STATE_LOCK_UNREADABLE",
        `The state-directory lock ${lockPath} exists but is not a dialwindow lock record. ` +
          "If no dialwindow process is using this state directory, delete that file and start again.",
      );
    }
    const liveness = await livenessOf(existing, self);
    if (liveness !== "dead") throw lockedError(lockPath, existing, liveness);

    if (await breakStaleLock(lockPath, existing)) {
      options.logger.warn(
        {
          lockPath,
          holder: {
            pid: existing.pid,
            host: existing.host,
            command: existing.command,
            startedAt: existing.startedAt,
          },
        },
        "took over a state-directory lock left by a process that is gone",
      );
    }
  }
  throw new DialwindowError(
    "DW_STATE_LOCK_CONTENDED",
    `Could not take the state-directory lock ${lockPath}: other processes keep taking it. ` +
      "Make sure only one dialwindow process uses this state directory.",
  );
}

function handleFor(lockPath: string, holder: LockHolder, logger: Logger): LockHandle {
  let released = false;
  return {
    path: lockPath,
    holder,
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(lockPath);
      if (current?.token === holder.token) {
        await unlinkIfExists(lockPath);
      } else {
        // Someone judged us dead and took over; deleting their lock would let a third process in.
        logger.warn({ lockPath }, "state-directory lock was no longer ours at release; left it in place");
      }
    },
  };
}

/** True when our record is now the lock; false when a lock already exists. */
async function createExclusive(lockPath: string, holder: LockHolder): Promise<boolean> {
  const tmp = `${lockPath}.${holder.pid}.${holder.token}.tmp`;
  await writeSynced(tmp, `${JSON.stringify(holder)}\n`, NO_FOLLOW.create, 0o644);
  try {
    await link(tmp, lockPath);
    return true;
  } catch (err) {
    if (errCode(err) === "EEXIST") return false;
    throw err;
  } finally {
    await unlinkIfExists(tmp);
  }
}

/**
 * Moves a dead holder's lock aside. Two processes may both judge the same lock stale; the one that
 * renames second would move the winner's fresh lock instead, so after renaming we check whose lock
 * we moved and put a live one back (link fails rather than overwrite if yet another appeared).
 */
async function breakStaleLock(lockPath: string, stale: LockHolder): Promise<boolean> {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(6).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (errCode(err) === "ENOENT") return false;
    throw err;
  }
  const moved = await readHolder(aside);
  if (moved?.token === stale.token) {
    await unlinkIfExists(aside);
    return true;
  }
  try {
    await link(aside, lockPath);
  } catch (err) {
    if (errCode(err) !== "EEXIST") throw err;
  }
  await unlinkIfExists(aside);
  return false;
}

/** The holder, null when the file is not a lock record, undefined when there is no lock. */
async function readHolder(path: string): Promise<LockHolder | null | undefined> {
  // A link where the lock goes is refused, not read: it could point at anything.
  const bytes = await readNoFollow(path);
  if (bytes === undefined) return undefined;
  const text = bytes.toString("utf8");
  try {
    const value: unknown = JSON.parse(text);
    return isLockHolder(value) ? value : null;
  } catch {
    return null;
  }
}

function isLockHolder(value: unknown): value is LockHolder {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isInteger(v.pid) &&
    typeof v.host === "string" &&
    typeof v.command === "string" &&
    typeof v.startedAt === "string" &&
    (v.procStart === null || typeof v.procStart === "string") &&
    typeof v.token === "string"
  );
}

async function livenessOf(holder: LockHolder, self: LockHolder): Promise<Liveness> {
  if (holder.host !== self.host) return "other-host";
  if (holder.procStart !== null && self.procStart !== null) {
    // Linux: the (pid, start time) pair names one process, whatever happened to the pid since.
    if (holder.pid === self.pid && holder.procStart === self.procStart) return "this-process";
    const current = await readProcStat(holder.pid);
    if (current === undefined || current.zombie) return "dead";
    return current.start === holder.procStart ? "alive" : "dead";
  }
  if (holder.pid === self.pid) return "this-process";
  return pidExists(holder.pid) ? "alive" : "dead";
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return errCode(err) === "EPERM";
  }
}

async function readProcStart(pid: number): Promise<string | null> {
  return (await readProcStat(pid))?.start ?? null;
}

/** Fields of /proc/<pid>/stat; undefined when there is no such process or no procfs. */
async function readProcStat(pid: number): Promise<{ start: string; zombie: boolean } | undefined> {
  if (process.platform !== "linux") return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19]; // field 22, starttime
  if (state === undefined || start === undefined) return undefined;
  return { start, zombie: state === "Z" || state === "X" };
}

function lockedError(lockPath: string, holder: LockHolder, liveness: Liveness): StateDirLockedError {
  const who =
    `pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt}, ` +
    `command ${JSON.stringify(holder.command)}`;
  const dir = lockPath.replace(/[/\\][^/\\]+$/, "");
  switch (liveness) {
    case "this-process":
      return new StateDirLockedError(
        lockPath,
        holder,
        `The state directory ${dir} is already open in this process (${who}); open it once and share it.`,
      );
    case "other-host":
      return new StateDirLockedError(
        lockPath,
        holder,
        `The state directory ${dir} is locked by a dialwindow process on another host (${who}). ` +
          "dialwindow cannot check whether a process on another host is still running. Stop it, or give " +
          `this process its own --state-dir (or DIALWINDOW_STATE_DIR); if you are sure it is gone, delete ${lockPath}.`,
      );
    default:
      return new StateDirLockedError(
        lockPath,
        holder,
        `The state directory ${dir} is in use by another dialwindow process (${who}). ` +
          "Two processes must not share one journal and outbox. Wait for it to finish or stop it, or give " +
          "this process its own --state-dir (or DIALWINDOW_STATE_DIR).",
      );
  }
}

function defaultCommand(): string {
  const script = process.argv[1];
  return [script === undefined ? "node" : basename(script), ...process.argv.slice(2)].join(" ");
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errCode(err) !== "ENOENT") throw err;
  }
}

function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
