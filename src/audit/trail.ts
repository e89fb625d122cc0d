/**
 * The audit trail writer. It owns a private bare repository (under the state directory) and
 * only ever touches one branch there and on the remote: the user's checkout and other
 * branches are never read or written. One `append` is one commit; pushing is fast-forward
 * only, and when another writer got there first our unpushed records are replayed on top of
 * theirs with fresh hashes (a textual rebase of JSONL lines would conflict and break the chain).
 *
 * One file although long: appending, publishing and replaying on top of another writer all
 * follow one compare-and-swap discipline on the branch, which is easier to check in one place.
 */

import { branchNameProblem } from "../desired/config-checks.js";
import type { ChangeRecord } from "../state/change-record.js";
import { dateNow, systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import { redactUrls } from "../util/git.js";
import type { Logger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";
import {
  type AuditEntry,
  type ChainTail,
  checkRecord,
  dayFilePath,
  pickRecord,
  planAppend,
  walkChain,
} from "./chain.js";
import { AuditError } from "./errors.js";
import { type BareRepo, openAuditRepo } from "./git.js";
import { type AuditCommitMeta, formatAuditMessage, parseAuditMessage } from "./message.js";
import { normalizeAuditPath, readDayFiles, walkAt } from "./read.js";
import { fetchBranch, normalizeRemote } from "./remote.js";

const DEFAULT_PUSH_ATTEMPTS = 5;

export interface AuditTrailOptions {
  /** The private repository, e.g. `<stateDir>/audit-repo`; created when missing or empty. */
  workDir: string;
  /** URL or local path of the remote; absent keeps the trail local. */
  remote?: string;
  branch: string;
  /** Directory on the branch holding `YYYY/MM/DD.jsonl`. */
  path: string;
  push: boolean;
  author: { name: string; email: string };
  logger: Logger;
  /** Clock for commit dates. */
  now?: () => Date;
  /** How many times a push rejected by a concurrent writer is replayed and retried. */
  maxPushAttempts?: number;
}

export interface AppendMeta {
  revision: string | null;
  actor: string;
}

export interface AppendResult {
  /** Records newly written to the trail, in chain order. */
  appended: ChangeRecord[];
  /** changeIds that were already in the trail (or repeated in the call). */
  skipped: string[];
  /** The commit holding `appended` (after any replay), or null when nothing was new. */
  commit: string | null;
  /** True when the remote branch now holds everything on the local one. */
  pushed: boolean;
}

export type PushStatus =
  | "pushed"
  | "up-to-date"
  /** No remote, or `push: false`. */
  | "local-only"
  | "unreachable"
  /** Other writers kept winning the race for every attempt. */
  | "rejected"
  /** The remote was reachable and the push was a fast-forward, yet it failed (permissions, hooks, protection). */
  | "failed";

export interface PushResult {
  pushed: boolean;
  status: PushStatus;
}

export interface AuditTrail {
  readonly workDir: string;
  readonly branch: string;
  readonly path: string;
  append(records: readonly ChangeRecord[], meta: AppendMeta): Promise<AppendResult>;
  /** Pushes commits an earlier append could not; a no-op without a remote or with `push: false`. */
  pushPending(): Promise<PushResult>;
  /** The local branch's trail, in chain order. */
  entries(): Promise<AuditEntry[]>;
}

interface TrailState {
  tip: string | null;
  tail: ChainTail;
  ids: ReadonlySet<string>;
  /** The text of the newest day file at `tip` when known (it is the only one an append extends). */
  newest?: { file: string; text: string };
  /**
   * Files at `tip` that are not day files: under the trail's folder, and any at the folders
   * above it. An append refuses to write where one of them is (or is a folder of the path).
   */
  others: ReadonlySet<string>;
}

interface PushOutcome extends PushResult {
  /** Where the tracked commit ended up after replays; null if all its records were already on the remote. */
  tracked: string | null;
  dropped: ReadonlySet<string>;
}

export async function openAuditTrail(options: AuditTrailOptions): Promise<AuditTrail> {
  const path = normalizeAuditPath(options.path);
  // The same check is validate's DW174; it agrees with `git check-ref-format --branch`.
  const branchProblem = branchNameProblem("audit.branch", options.branch);
  if (branchProblem) throw new UsageError(branchProblem);
  const repo = await openAuditRepo(options.workDir);
  const remote = options.remote === undefined ? undefined : normalizeRemote(options.remote);
  if (remote !== undefined) await configureOrigin(repo, remote, options.branch);
  const trail = new GitAuditTrail(repo, options, path, remote);
  await trail.sync();
  return trail;
}

async function configureOrigin(repo: BareRepo, remote: string, branch: string): Promise<void> {
  const current = repo.created ? undefined : await repo.attempt(["remote", "get-url", "origin"]);
  if (current === undefined || !current.ok) {
    // -t: the remote's fetch refspec covers the audit branch only, never the whole repository.
    await repo.run(["remote", "add", "-t", branch, "origin", remote]);
    return;
  }
  if (current.stdout.trim() !== remote) await repo.run(["remote", "set-url", "origin", remote]);
  await repo.run(["remote", "set-branches", "origin", branch]);
}

/** Where a replay builds its commits before the branch is moved onto the last one. */
const REPLAY_REF = "refs/dialwindow/replay";

/** An AuditError when a file stands where `path` or one of its folders must go. */
function refuseFileInTheWay(path: string, others: ReadonlySet<string>): void {
  const parts = path.split("/");
  const folders = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
  const blocked =
    folders.some((folder) => others.has(folder)) || [...others].some((other) => other.startsWith(`${path}/`));
  if (blocked) {
    throw new AuditError(
      "DW_AUDIT_GIT",
      `cannot write the audit trail under ${parts[0]}/: a file of that name is in the way`,
    );
  }
}

function identity(text: string): string {
  // git rejects or mangles these in an ident line.
  return text.replace(/[<>\n\r\0]/g, "").trim();
}

class GitAuditTrail implements AuditTrail {
  readonly workDir: string;
  readonly branch: string;
  readonly path: string;
  readonly #repo: BareRepo;
  readonly #options: AuditTrailOptions;
  readonly #remote: string | undefined;
  readonly #localRef: string;
  readonly #trackingRef: string;
  readonly #log: Logger;
  readonly #now: () => Date;
  /** Appends and pushes must not interleave: each reads the branch tip the previous one left. */
  readonly #serial = new SerialQueue();
  #state: TrailState | undefined;

  constructor(repo: BareRepo, options: AuditTrailOptions, path: string, remote: string | undefined) {
    this.#repo = repo;
    this.#options = options;
    this.#remote = remote;
    this.workDir = repo.gitDir;
    this.branch = options.branch;
    this.path = path;
    this.#localRef = `refs/heads/${options.branch}`;
    this.#trackingRef = `refs/remotes/origin/${options.branch}`;
    this.#log = options.logger;
    this.#now = options.now ?? (() => dateNow(systemClock));
  }

  async append(records: readonly ChangeRecord[], meta: AppendMeta): Promise<AppendResult> {
    // Refuse the whole batch before writing anything, so a bad record cannot leave half a commit.
    for (const record of records) checkRecord(record);
    return this.#serial.run(async () => {
      const tip = await this.#repo.resolveRef(this.#localRef);
      const state = await this.#stateAt(tip);
      const fresh: ChangeRecord[] = [];
      const skipped: string[] = [];
      const seen = new Set<string>();
      for (const record of records) {
        if (state.ids.has(record.changeId) || seen.has(record.changeId)) {
          skipped.push(record.changeId);
          continue;
        }
        seen.add(record.changeId);
        fresh.push(pickRecord(record));
      }
      let commit: string | null = null;
      if (fresh.length > 0) {
        const next = await this.#commit(state, fresh, meta, this.#localRef);
        this.#state = next;
        commit = next.tip;
        this.#log.info({ branch: this.branch, commit, records: fresh.length }, "audit records committed");
      }
      if (!this.#pushes()) return { appended: fresh, skipped, commit, pushed: false };
      const outcome = await this.#push(commit);
      const appended = fresh.filter((record) => !outcome.dropped.has(record.changeId));
      const alreadyThere = fresh
        .filter((record) => outcome.dropped.has(record.changeId))
        .map((r) => r.changeId);
      return {
        appended,
        skipped: [...skipped, ...alreadyThere],
        commit: outcome.tracked,
        pushed: outcome.pushed,
      };
    });
  }

  pushPending(): Promise<PushResult> {
    return this.#serial.run(async () => {
      if (!this.#pushes()) return { pushed: false, status: "local-only" };
      const { pushed, status } = await this.#push(null);
      return { pushed, status };
    });
  }

  entries(): Promise<AuditEntry[]> {
    return this.#serial.run(async () => {
      const walk = await walkAt(this.#repo, await this.#repo.resolveRef(this.#localRef), this.path);
      return walk.entries;
    });
  }

  /** Brings the local branch up to date with the remote's; run once when the trail is opened. */
  sync(): Promise<void> {
    return this.#serial.run(async () => {
      if (this.#remote === undefined) return;
      const remoteTip = await this.#fetch();
      if (remoteTip === null) return;
      const local = await this.#repo.resolveRef(this.#localRef);
      if (local === remoteTip) return;
      if (local === null || (await this.#repo.isAncestor(local, remoteTip))) {
        await this.#repo.moveRef(this.#localRef, remoteTip, local);
      } else if (!(await this.#repo.isAncestor(remoteTip, local))) {
        await this.#replayOnto(remoteTip, local);
      }
    });
  }

  #pushes(): boolean {
    return this.#options.push && this.#remote !== undefined;
  }

  async #stateAt(tip: string | null): Promise<TrailState> {
    if (this.#state !== undefined && this.#state.tip === tip) return this.#state;
    const others: string[] = [];
    const files = tip === null ? [] : await readDayFiles(this.#repo, tip, this.path, others);
    if (tip !== null && this.path.includes("/")) others.push(...(await this.#filesAbovePath(tip)));
    const walk = walkChain(files);
    if (walk.firstBroken !== undefined) {
      this.#log.warn(
        { branch: this.branch, commit: tip, ...walk.firstBroken },
        "audit trail is broken; new records are chained after its last line",
      );
    }
    const newestFile = walk.tail.lastDay === null ? null : dayFilePath(this.path, walk.tail.lastDay);
    const newest = files.find((file) => file.path === newestFile);
    const state: TrailState = {
      tip,
      tail: walk.tail,
      ids: new Set(walk.entries.map((e) => e.record.changeId)),
      ...(newest ? { newest: { file: newest.path, text: newest.text } } : {}),
      others: new Set(others),
    };
    this.#state = state;
    return state;
  }

  /** Files (not folders) at the folders above the trail's, e.g. `ops` for the path `ops/audit`. */
  async #filesAbovePath(tip: string): Promise<string[]> {
    const parts = this.path.split("/");
    const above = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
    const listing = await this.#repo.run(["ls-tree", "-z", tip, "--", ...above]);
    return listing
      .split("\0")
      .map((entry) => /^\d+ blob [0-9a-f]+\t(.*)$/s.exec(entry)?.[1])
      .filter((path): path is string => path !== undefined);
  }

  /**
   * Writes `records` on top of `parent.tip` as one commit on `ref`, which git moves only from
   * `parent.tip` (see BareRepo.commitFiles); `force` for a scratch ref.
   */
  async #commit(
    parent: TrailState,
    records: readonly ChangeRecord[],
    meta: AuditCommitMeta,
    ref: string,
    force = false,
  ): Promise<TrailState & { tip: string }> {
    const plan = planAppend(parent.tail, records, this.path);
    // Records only ever go to the newest day file or later ones, so only that file can exist already.
    const newest = parent.tail.lastDay === null ? null : dayFilePath(this.path, parent.tail.lastDay);
    const texts = new Map<string, string>();
    for (const [file, lines] of plan.files) {
      refuseFileInTheWay(file, parent.others);
      let text = "";
      if (parent.tip !== null && file === newest) {
        text =
          parent.newest?.file === file
            ? parent.newest.text
            : await this.#repo.run(["cat-file", "blob", `${parent.tip}:${file}`]);
      }
      if (text !== "" && !text.endsWith("\n")) text += "\n";
      text += `${lines.join("\n")}\n`;
      texts.set(file, text);
    }
    const commit = await this.#repo.commitFiles({
      ref,
      parent: parent.tip,
      files: texts,
      message: formatAuditMessage(records, meta, plan.tail.lastHash),
      who: {
        name: identity(this.#options.author.name),
        email: identity(this.#options.author.email),
        seconds: Math.floor(this.#now().getTime() / 1000),
      },
      force,
    });
    const newestAfter = plan.tail.lastDay === null ? null : dayFilePath(this.path, plan.tail.lastDay);
    const newestText = newestAfter === null ? undefined : texts.get(newestAfter);
    return {
      tip: commit,
      tail: plan.tail,
      ids: new Set([...parent.ids, ...records.map((r) => r.changeId)]),
      ...(newestAfter !== null && newestText !== undefined
        ? { newest: { file: newestAfter, text: newestText } }
        : {}),
      others: parent.others,
    };
  }

  /** The remote's audit branch tip after fetching it, or null when absent or unreachable. */
  async #fetch(): Promise<string | null> {
    const remote = this.#remote as string;
    const result = await fetchBranch(this.#repo, "origin", this.#localRef, this.#trackingRef);
    if (result.state === "present") return result.commit;
    if (result.state === "absent") return null;
    this.#log.warn(
      { branch: this.branch, remote: redactUrls(remote), error: result.error },
      "audit remote unreachable; audit commits stay local until a later push",
    );
    return null;
  }

  async #push(track: string | null): Promise<PushOutcome> {
    const repo = this.#repo;
    const remote = redactUrls(this.#remote as string);
    const attempts = this.#options.maxPushAttempts ?? DEFAULT_PUSH_ATTEMPTS;
    let tracked = track;
    const dropped = new Set<string>();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const refs = await repo.resolveRefs([this.#localRef, this.#trackingRef]);
      const local = refs.get(this.#localRef) ?? null;
      if (local === null || local === refs.get(this.#trackingRef)) {
        return { pushed: true, status: "up-to-date", tracked, dropped };
      }
      // Never --force: a rejected push means someone else wrote, and their records must stay.
      const push = await repo.attempt([
        "push",
        "--porcelain",
        "--no-verify",
        "origin",
        `${this.#localRef}:${this.#localRef}`,
      ]);
      if (push.ok) {
        // git moved the remote-tracking ref itself: configureOrigin made the remote's fetch
        // refspec cover the branch (a test pins it).
        this.#log.info({ branch: this.branch, commit: local, remote }, "audit trail pushed");
        return { pushed: true, status: "pushed", tracked, dropped };
      }
      const listed = await fetchBranch(repo, "origin", this.#localRef, this.#trackingRef);
      if (listed.state === "unreachable") {
        this.#log.warn(
          { branch: this.branch, remote, error: push.error.message, stderr: push.error.stderr },
          "audit remote unreachable; audit commits stay local until a later push",
        );
        return { pushed: false, status: "unreachable", tracked, dropped };
      }
      const remoteTip = listed.state === "present" ? listed.commit : null;
      if (remoteTip === null || (await repo.isAncestor(remoteTip, local))) {
        this.#log.warn(
          { branch: this.branch, remote, error: push.error.message, stderr: push.error.stderr },
          "audit push refused although it was a fast-forward; audit commits stay local",
        );
        return { pushed: false, status: "failed", tracked, dropped };
      }
      if (await repo.isAncestor(local, remoteTip)) {
        await repo.moveRef(this.#localRef, remoteTip, local);
        return { pushed: true, status: "up-to-date", tracked, dropped };
      }
      const replay = await this.#replayOnto(remoteTip, local);
      if (tracked !== null && replay.rewritten.has(tracked)) tracked = replay.rewritten.get(tracked) ?? null;
      for (const id of replay.dropped) dropped.add(id);
    }
    this.#log.warn(
      { branch: this.branch, remote, attempts },
      "audit push still rejected by concurrent writers; audit commits stay local until a later push",
    );
    return { pushed: false, status: "rejected", tracked, dropped };
  }

  /**
   * Re-creates the records of `local` that `base` lacks as new commits on `base`, one per
   * original commit (same revision and actor), re-linking each line to `base`'s chain.
   * Records `base` already has (same changeId) are left out, so a change recorded by two
   * writers appears once.
   */
  async #replayOnto(
    base: string,
    local: string,
  ): Promise<{ rewritten: Map<string, string | null>; dropped: Set<string> }> {
    const repo = this.#repo;
    let state = await this.#stateAt(base);
    const baseIds = state.ids;
    const localWalk = await walkAt(repo, local, this.path);
    const pending = new Map<string, ChangeRecord>();
    for (const entry of localWalk.entries) {
      const id = entry.record.changeId;
      if (!baseIds.has(id) && !pending.has(id)) pending.set(id, pickRecord(entry.record));
    }
    const log = await repo.run(["log", "--reverse", "--format=%H%x00%B%x1e", local, "--not", base]);
    const groups: Array<{ sha: string; meta: AuditCommitMeta; ids: string[] }> = [];
    const dropped = new Set<string>();
    for (const chunk of log.split("\x1e")) {
      const [sha, message] = chunk.replace(/^\n+/, "").split("\0");
      if (sha === undefined || message === undefined || sha === "") continue;
      const parsed = parseAuditMessage(message);
      if (parsed === null) continue;
      for (const id of parsed.changeIds) if (baseIds.has(id)) dropped.add(id);
      groups.push({ sha, meta: parsed.meta, ids: parsed.changeIds });
    }
    const rewritten = new Map<string, string | null>();
    const commitGroup = async (records: ChangeRecord[], meta: AuditCommitMeta): Promise<string | null> => {
      if (records.length === 0) return null;
      state = await this.#commit(state, records, meta, REPLAY_REF, true);
      return state.tip;
    };
    for (const group of groups) {
      const records = group.ids.flatMap((id) => {
        const record = pending.get(id);
        pending.delete(id);
        return record === undefined ? [] : [record];
      });
      const commit = await commitGroup(records, group.meta);
      rewritten.set(group.sha, commit);
    }
    // Records no commit message accounted for (a hand-made commit, say) are still kept.
    const leftover = [...pending.values()];
    const first = leftover[0];
    if (first !== undefined) {
      await commitGroup(leftover, groups.at(-1)?.meta ?? { revision: first.revision, actor: first.actor });
    }
    await repo.moveRef(this.#localRef, state.tip ?? base, local);
    if (state.tip !== base) await repo.deleteRef(REPLAY_REF);
    this.#state = state;
    this.#log.info(
      { branch: this.branch, onto: base, commits: groups.length, skippedAsDuplicates: dropped.size },
      "audit branch moved on the remote; replayed local audit records on top of it",
    );
    return { rewritten, dropped };
  }
}
