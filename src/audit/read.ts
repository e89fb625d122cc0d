import { auditPathProblem, normalAuditPath } from "../desired/config-checks.js";
import { UsageError } from "../util/errors.js";
import { type ChainWalk, type DayFile, dayOfFile, walkChain } from "./chain.js";
import type { BareRepo } from "./git.js";

/** Blobs per `git show`, to stay well inside any command-line length limit. */
const BLOBS_PER_CALL = 200;

/**
 * "audit", "audit/", "/audit" and "ops/audit" are fine; "", "." and ".." parts are not, as
 * the trail must live in a directory of its own beside whatever else is on the branch. The
 * same check is validate's DW173.
 */
export function normalizeAuditPath(path: string): string {
  const normal = normalAuditPath(path);
  if (normal === undefined) throw new UsageError(auditPathProblem(path) as string);
  return normal;
}

/**
 * Every day file of the trail as of `commit`, oldest first. The paths of any other files under
 * `auditPath` go into `others` when given (an append must not write where one of them is).
 */
export async function readDayFiles(
  repo: BareRepo,
  commit: string,
  auditPath: string,
  others?: string[],
): Promise<DayFile[]> {
  const listing = await repo.run(["ls-tree", "-r", "-l", "-z", commit, "--", auditPath]);
  const wanted: Array<{ path: string; day: string; sha: string; size: number }> = [];
  for (const entry of listing.split("\0")) {
    const [, type, sha, size, path] = /^\d+ (\w+) ([0-9a-f]+) +(\d+|-)\t(.*)$/s.exec(entry) ?? [];
    if (type !== "blob" || sha === undefined || path === undefined) continue;
    const day = dayOfFile(auditPath, path);
    if (day !== null) wanted.push({ path, day, sha, size: Number(size) });
    else others?.push(path);
  }
  wanted.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const files: DayFile[] = [];
  for (let start = 0; start < wanted.length; start += BLOBS_PER_CALL) {
    const batch = wanted.slice(start, start + BLOBS_PER_CALL);
    // `git show` of several blobs prints them back to back; the sizes from ls-tree split them.
    const content = await repo.blobs(batch.map((file) => file.sha));
    let offset = 0;
    for (const file of batch) {
      files.push({
        path: file.path,
        day: file.day,
        text: content.subarray(offset, offset + file.size).toString("utf8"),
      });
      offset += file.size;
    }
  }
  return files;
}

export async function walkAt(repo: BareRepo, commit: string | null, auditPath: string): Promise<ChainWalk> {
  return walkChain(commit === null ? [] : await readDayFiles(repo, commit, auditPath));
}
