/**
 * The git revision of a desired-state directory, for plans, change records and the audit
 * trail: the HEAD commit, with "-dirty" when the directory has uncommitted changes (so an
 * audit record never claims a commit that does not contain what was applied). Null outside
 * git.
 */

import { DEFAULT_STATE_DIR_NAME } from "../state/state-dir.js";
import { git, gitMaybe } from "../util/git.js";

export async function desiredRevision(dir: string): Promise<string | null> {
  try {
    const head = (await gitMaybe(["rev-parse", "--verify", "-q", "HEAD"], { cwd: dir }))?.trim();
    if (!head) return null;
    const status = await git(["status", "--porcelain", "--", "."], { cwd: dir });
    // Only what dialwindow reads counts: its own state directory is never part of the desired state.
    const dirty = status
      .split("\n")
      .some((line) => line.trim() !== "" && !line.includes(`${DEFAULT_STATE_DIR_NAME}/`));
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

/**
 * What to say instead of a revision when `desiredRevision` is null: outside git, or in a
 * repository whose first commit is still to be made.
 */
export async function noRevisionNote(dir: string): Promise<string> {
  const inside = await gitMaybe(["rev-parse", "--is-inside-work-tree"], { cwd: dir }).catch(() => undefined);
  return inside?.trim() === "true" ? "git repository with no commit yet" : "not a git checkout";
}
