import { resolve } from "node:path";
import type { BareRepo } from "./git.js";

/**
 * Remotes are URLs (https://, ssh://, file://), scp-like `host:path`, or local paths. A
 * relative local path is resolved against the caller's working directory here, because git
 * would otherwise read it relative to the private audit repository.
 */
export function normalizeRemote(remote: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote)) return remote;
  if (/^[^/\\:]{2,}:/.test(remote)) return remote;
  return resolve(remote);
}

export type RemoteBranch =
  | { state: "present"; commit: string }
  | { state: "absent" }
  | { state: "unreachable"; error: string };

/**
 * Asks the remote whether `branchRef` exists, and fetches just that branch into `intoRef` when
 * it does. Asking first is what separates "no audit branch yet" from "cannot reach the remote"
 * without reading git's error messages.
 */
export async function fetchBranch(
  repo: BareRepo,
  remote: string,
  branchRef: string,
  intoRef: string,
): Promise<RemoteBranch> {
  const listed = await repo.attempt(["ls-remote", remote, branchRef]);
  if (!listed.ok) return { state: "unreachable", error: listed.error.message };
  const present = listed.stdout.split("\n").some((line) => line.split("\t")[1] === branchRef);
  if (!present) {
    // Gone from the remote (or never there): a stale copy would claim otherwise.
    if ((await repo.resolveRef(intoRef)) !== null) await repo.deleteRef(intoRef);
    return { state: "absent" };
  }
  const fetched = await repo.attempt(["fetch", "--no-tags", remote, `+${branchRef}:${intoRef}`]);
  if (!fetched.ok) return { state: "unreachable", error: fetched.error.message };
  const commit = await repo.resolveRef(intoRef);
  return commit === null ? { state: "absent" } : { state: "present", commit };
}
