/**
 * `audit verify`: checks the trail as published. With a remote, the branch is fetched fresh
 * from it into a scratch ref (or a temporary repository), so a local copy that was edited but
 * never pushed proves nothing either way.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangeRecord } from "../state/change-record.js";
import { UsageError } from "../util/errors.js";
import { redactUrls } from "../util/git.js";
import type { AuditBreak, AuditEntry } from "./chain.js";
import { AuditError } from "./errors.js";
import { type BareRepo, openAuditRepo, readableRepo } from "./git.js";
import { HEAD_TRAILER, parseAuditMessage } from "./message.js";
import { normalizeAuditPath, walkAt } from "./read.js";
import { fetchBranch, normalizeRemote } from "./remote.js";

const VERIFY_REF = "refs/dialwindow/verify";

export interface VerifyOptions {
  /** Verify what this remote holds; absent: verify the branch in `workDir`. */
  remote?: string;
  /** A repository to read (no remote) or to fetch into (with a remote; default: a temporary one). */
  workDir?: string;
  branch: string;
  path: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Records that verified before the first break; all of them when `ok`. */
  records: number;
  /** Day files read. */
  files: number;
  /** Hash of the last line read, or null for an empty trail. */
  head: string | null;
  /** The commit that was verified. */
  commit: string;
  source: "remote" | "local";
  firstBroken?: AuditBreak;
}

export async function verifyAuditTrail(options: VerifyOptions): Promise<AuditVerification> {
  const path = normalizeAuditPath(options.path);
  const branchRef = `refs/heads/${options.branch}`;
  if (options.remote === undefined) {
    if (options.workDir === undefined) {
      throw new UsageError("audit verify needs a remote or a repository to read");
    }
    const repo = readableRepo(options.workDir);
    const commit = await repo.resolveRef(branchRef);
    if (commit === null) {
      throw new AuditError(
        "DW_AUDIT_NO_TRAIL",
        `there is no audit branch ${options.branch} in ${options.workDir}`,
      );
    }
    return { ...(await verifyAt(repo, commit, path)), source: "local" };
  }
  const remote = normalizeRemote(options.remote);
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), "dialwindow-audit-verify-")));
  const scratch = options.workDir === undefined ? dir : undefined;
  try {
    const repo = await openAuditRepo(dir);
    const fetched = await fetchBranch(repo, remote, branchRef, VERIFY_REF);
    if (fetched.state === "unreachable") {
      throw new AuditError(
        "DW_AUDIT_REMOTE",
        `cannot read the audit trail from ${redactUrls(remote)}: ${fetched.error}`,
      );
    }
    if (fetched.state === "absent") {
      throw new AuditError(
        "DW_AUDIT_NO_TRAIL",
        `there is no audit branch ${options.branch} on ${redactUrls(remote)}`,
      );
    }
    try {
      return { ...(await verifyAt(repo, fetched.commit, path)), source: "remote" };
    } finally {
      if (scratch === undefined) await repo.deleteRef(VERIFY_REF);
    }
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

async function verifyAt(
  repo: BareRepo,
  commit: string,
  path: string,
): Promise<Omit<AuditVerification, "source">> {
  const walk = await walkAt(repo, commit, path);
  const last = walk.entries.at(-1);
  const result: Omit<AuditVerification, "source"> = {
    ok: walk.firstBroken === undefined,
    records: walk.intact,
    files: walk.files,
    head: last?.hash ?? null,
    commit,
  };
  if (walk.firstBroken !== undefined) return { ...result, firstBroken: walk.firstBroken };
  // The chain alone cannot show lines cut off its end; the head the last audit commit recorded can.
  const recorded = await lastRecordedHead(repo, commit);
  if (recorded !== null && !walk.entries.some((entry) => entry.hash === recorded.head)) {
    return {
      ...result,
      ok: false,
      firstBroken: {
        file: last?.location.file ?? path,
        line: (last?.location.line ?? 0) + 1,
        reason: "truncated",
        message: `the trail ends before line ${recorded.head}, which audit commit ${recorded.commit.slice(0, 12)} recorded as its last: lines were removed from the end`,
      },
    };
  }
  return result;
}

async function lastRecordedHead(
  repo: BareRepo,
  commit: string,
): Promise<{ commit: string; head: string } | null> {
  const log = await repo.run(["log", "-1", "--format=%H%x00%B", `--grep=^${HEAD_TRAILER}: `, commit]);
  const [sha, message] = log.split("\0");
  if (sha === undefined || message === undefined) return null;
  const head = parseAuditMessage(message)?.chainHead ?? null;
  return head === null ? null : { commit: sha.trim(), head };
}

/** The trail on `branch` in the repository at `workDir` (bare, or a checkout), in chain order. */
export async function readAuditRecords(options: {
  workDir: string;
  branch: string;
  path: string;
}): Promise<AuditEntry[]> {
  const repo = readableRepo(options.workDir);
  const commit = await repo.resolveRef(`refs/heads/${options.branch}`);
  return (await walkAt(repo, commit, normalizeAuditPath(options.path))).entries;
}

/** Just the change records of `readAuditRecords`. */
export async function readChangeRecords(options: {
  workDir: string;
  branch: string;
  path: string;
}): Promise<ChangeRecord[]> {
  return (await readAuditRecords(options)).map((entry) => entry.record);
}
