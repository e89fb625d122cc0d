/**
 * The state directory: where the commands that write (`apply`, `reconcile`, `webhooks retry`)
 * keep their journal and webhook outbox. Like Terraform's `.terraform/`, it defaults to a
 * directory inside the desired-state checkout and carries its own `.gitignore`, so it never lands
 * in a commit. One process at a time: opening it takes an exclusive lock (see lock.ts); a
 * command that finds it locked can still leave the holder a retry request (retry-requests.ts).
 */
import { mkdir, readdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { DialwindowError, UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { acquireLock, type LockHolder } from "./lock.js";
import { directoryNoFollow, NO_FOLLOW, openNoFollow, StateLinkError, showPath } from "./no-follow.js";
import { firstTrackedFile } from "./tracked.js";

export const STATE_DIR_ENV = "DIALWINDOW_STATE_DIR";
export const DEFAULT_STATE_DIR_NAME = ".dialwindow";

/** What a state directory holds. These names are written here and nowhere else. */
const STATE_ENTRIES = {
  journal: "journal.jsonl",
  lock: "lock",
  /** `webhooks retry` requests for the daemon holding the lock (retry-requests.ts). */
  requests: "requests",
  /** The audit trail's private bare repository. */
  auditRepo: "audit-repo",
  /** `reconcile --repo`: the daemon's private checkout. */
  checkout: "checkout",
  gitignore: ".gitignore",
} as const;

/** Where `entry` lives in the state directory `stateDir`. */
export function statePath(stateDir: string, entry: keyof typeof STATE_ENTRIES): string {
  return join(stateDir, STATE_ENTRIES[entry]);
}

export interface ResolveStateDirInput {
  /** The `--state-dir` value, when given. */
  flag?: string | undefined;
  /** The environment to read DIALWINDOW_STATE_DIR from (passed in, never read here). */
  env: Readonly<Record<string, string | undefined>>;
  /** The `--dir` desired-state directory. */
  desiredDir: string;
  /** What relative paths are relative to; default: the process's working directory. */
  cwd?: string;
}

export interface ResolvedStateDir {
  /** Absolute. */
  path: string;
  source: "flag" | "env" | "default";
}

/** `--state-dir` > env DIALWINDOW_STATE_DIR > `<desired-state dir>/.dialwindow`. */
export function resolveStateDir(input: ResolveStateDirInput): ResolvedStateDir {
  const cwd = input.cwd ?? process.cwd();
  const absolute = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(cwd, p));
  if (input.flag !== undefined) {
    if (input.flag.trim() === "") throw new UsageError("--state-dir needs a directory path");
    return { path: absolute(input.flag), source: "flag" };
  }
  const fromEnv = input.env[STATE_DIR_ENV];
  // An empty variable is how people unset things in CI files and compose files.
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { path: absolute(fromEnv), source: "env" };
  return { path: absolute(join(input.desiredDir, DEFAULT_STATE_DIR_NAME)), source: "default" };
}

export interface OpenStateDirOptions {
  logger: Logger;
  /** Recorded in the lock for whoever finds it taken, e.g. "dialwindow reconcile". */
  command?: string;
  now?: () => Date;
}

export interface StateDir {
  readonly path: string;
  readonly journalPath: string;
  readonly lockPath: string;
  readonly holder: LockHolder;
  /** Releases the lock. Close the journal first. */
  close(): Promise<void>;
}

/**
 * Refuses a state directory a commit could have planted: one that is a symbolic link, holds a
 * link (where the journal, lock, .gitignore, requests/, audit-repo/ or checkout/ go, or anywhere
 * else at its top), or holds files git tracks. Nothing is created or written. Called before
 * anything else touches the directory; every file in it is then also opened with O_NOFOLLOW.
 */
export async function checkStateDir(path: string, options: { logger?: Logger } = {}): Promise<void> {
  if ((await directoryNoFollow(path, "The state directory ")) === undefined) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) throw new StateLinkError(join(path, entry.name));
  }
  const tracked = await firstTrackedFile(path);
  if (tracked === undefined) {
    options.logger?.debug({ path }, "could not ask git whether the state directory is tracked");
  } else if (tracked !== null) {
    throw new DialwindowError(
      "DW_STATE_TRACKED",
      `${showPath(join(path, tracked))} is tracked by git: the state directory ${path} must never come from a commit ` +
        "(a pull request could plant a journal or links in it). Remove it from git with " +
        `git rm -r --cached ${path} and commit that (its .gitignore keeps it out from then on), or point ` +
        "--state-dir (or DIALWINDOW_STATE_DIR) outside the repository.",
    );
  }
}

/**
 * Checks the directory (checkStateDir), creates it (and its `.gitignore`) when missing and
 * takes the lock. Throws StateDirLockedError (code DW_STATE_LOCKED) naming the holder when
 * another live process has it; a lock left by a process that died is taken over with a warning.
 */
export async function openStateDir(path: string, options: OpenStateDirOptions): Promise<StateDir> {
  await checkStateDir(path, { logger: options.logger });
  await mkdir(path, { recursive: true });
  // `*` ignores everything in here, the .gitignore included, wherever the directory sits.
  const ignore = await openNoFollow(statePath(path, "gitignore"), NO_FOLLOW.truncate, 0o644);
  try {
    await ignore.writeFile("*\n");
  } finally {
    await ignore.close();
  }
  const lockPath = statePath(path, "lock");
  const lock = await acquireLock(lockPath, {
    logger: options.logger,
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    path,
    journalPath: statePath(path, "journal"),
    lockPath,
    holder: lock.holder,
    close: () => lock.release(),
  };
}
