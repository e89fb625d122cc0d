/**
 * Whether git tracks anything in a directory. A state directory whose files come from a commit
 * (a journal of someone's making, links, a lock) must not be used: that is how a pull request
 * would reach it.
 */
import { GitError, git } from "../util/git.js";

/**
 * The first file under `dir` that git tracks in the repository around it (relative to `dir`),
 * null when there is none, undefined when git cannot tell (no git, not in a repository, or a
 * repository git refuses to read, e.g. one owned by another user).
 */
export async function firstTrackedFile(dir: string, timeoutMs = 30_000): Promise<string | null | undefined> {
  try {
    const out = await git(["ls-files", "-z", "--", "."], { cwd: dir, timeoutMs });
    const end = out.indexOf("\0");
    return out === "" ? null : end < 0 ? out : out.slice(0, end);
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}
