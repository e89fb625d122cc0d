/**
 * The git revision of a desired-state directory, for plans, change records and the audit
 * trail: the HEAD commit, with "-dirty" when the directory has uncommitted changes (so an
 * audit record never claims a commit that does not contain what was applied). Null outside
 * git, with a note saying why.
 */

import { access, realpath } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DEFAULT_STATE_DIR_NAME } from "../state/state-dir.js";
import { gitAttempt } from "../util/git.js";

/** The note for a directory git does not know as a checkout. */
export const NOT_A_CHECKOUT = "not a git checkout";

export type DesiredRevision =
  | { revision: string }
  /** `note` says what to show instead: outside git, or before the repository's first commit. */
  | { revision: null; note: string };

/**
 * One `git status` answers all of it: the HEAD commit (or that there is none yet), whether the
 * directory is a checkout at all, and what is uncommitted. `--no-ahead-behind`: counting the
 * commits between HEAD and its upstream is work nothing here reads.
 */
export async function readDesiredRevision(dir: string): Promise<DesiredRevision> {
  if (await noGitAbove(dir)) return { revision: null, note: NOT_A_CHECKOUT };
  const status = await gitAttempt(["status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--", "."], {
    cwd: dir,
  }).catch(() => undefined);
  if (status === undefined || !status.ok) return { revision: null, note: NOT_A_CHECKOUT };
  const lines = status.stdout.split("\n");
  const head = lines.find((line) => line.startsWith("# branch.oid "))?.slice("# branch.oid ".length);
  if (head === undefined || !/^[0-9a-f]{40,64}$/.test(head)) {
    return { revision: null, note: "git repository with no commit yet" };
  }
  // Only what dialwindow reads counts: its own state directory is never part of the desired state.
  const dirty = lines.some(
    (line) => line.trim() !== "" && !line.startsWith("#") && !line.includes(`${DEFAULT_STATE_DIR_NAME}/`),
  );
  return { revision: dirty ? `${head}-dirty` : head };
}

/**
 * True when neither `dir` nor any folder above it holds a `.git` (folder or file): git would
 * find no checkout there (the runner hides GIT_DIR from it), so it is not started at all. A
 * few stat calls instead of a process, for every validate and plan run outside git.
 */
async function noGitAbove(dir: string): Promise<boolean> {
  let current = await realpath(dir).catch(() => resolve(dir));
  for (;;) {
    if (
      await access(join(current, ".git")).then(
        () => true,
        () => false,
      )
    )
      return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

export async function desiredRevision(dir: string): Promise<string | null> {
  return (await readDesiredRevision(dir)).revision;
}

/**
 * What to say instead of a revision when `desiredRevision` is null: outside git, or in a
 * repository whose first commit is still to be made.
 */
export async function noRevisionNote(dir: string): Promise<string> {
  const read = await readDesiredRevision(dir);
  return read.revision === null ? read.note : "";
}
