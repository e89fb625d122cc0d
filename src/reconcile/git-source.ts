/**
 * The desired state from a git remote (`reconcile --repo URL [--branch B]`): a private checkout
 * in a directory of the state dir that the daemon owns and nothing else touches, brought up to
 * the branch's head on demand.
 *
 * Commits that only carry audit records (when `audit.branch` is the followed branch, or someone
 * hand-edits the trail) never count as new work: the reconciler writing its audit trail must not
 * wake the reconciler up. When everything new since the applied revision is audit commits, the
 * checkout stays where it is and the answer is "unchanged", so the revision the daemon reports
 * stays the last commit that said something about schedules.
 *
 * An unreachable remote is an answer, not an exception: the daemon keeps running on the last
 * good checkout and tries again at the next interval.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isAuditCommit } from "../audit/index.js";
import { normalizeRemote } from "../audit/remote.js";
import { directoryNoFollow } from "../state/no-follow.js";
import { DialwindowError } from "../util/errors.js";
import { type GitAttempt, gitAttempt, redactUrls as redact } from "../util/git.js";
import { type Logger, silentLogger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";

/**
 * Why the git source could not do what was asked. Callers branch on `code`:
 * - DW_GIT_REMOTE: the remote could not be reached or read.
 * - DW_GIT_BRANCH: the branch does not exist on the remote (or the remote has no default branch).
 * - DW_GIT_WORKDIR: the checkout directory holds something that is not this daemon's checkout.
 * - DW_GIT: a local git command failed.
 */
export class GitSourceError extends DialwindowError {}

export interface GitSourceOptions {
  /** URL, scp-like `host:path`, or a local path (resolved against the working directory). */
  url: string;
  /** Default: the remote's default branch (its HEAD). */
  branch?: string;
  /** The private checkout, under the state directory. Created when missing. */
  dir: string;
  /** Longest a git command may go without output, in ms; default 120 s. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface FetchOptions {
  /** `audit.path` from the current config: commits touching only this folder are skipped. */
  auditPath?: string;
}

export type FetchResult =
  /** The checkout moved to `revision`; reconcile everything. */
  | { status: "changed"; revision: string; previous: string | null }
  /** Nothing to do. `skippedAuditCommits`: audit-only commits seen and ignored by this fetch. */
  | { status: "unchanged"; revision: string; skippedAuditCommits: number }
  /** The fetch failed; `revision` is the checkout still in place (null before the first one). */
  | { status: "error"; error: GitSourceError; revision: string | null };

/** Set in the checkout's git config, so the daemon never adopts (or resets) anyone else's. */
const MARKER_KEY = "dialwindow.checkout";
const DEFAULT_TIMEOUT_MS = 120_000;
const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Runs git in `cwd`. With `pinned`, GIT_DIR and GIT_WORK_TREE point at the checkout, so a
 * checkout directory that lost its .git can never make git walk up into a repository around it
 * (the state directory often sits inside the user's own checkout).
 */
function runGit(
  cwd: string,
  args: readonly string[],
  options: { pinned: boolean; timeoutMs: number },
): Promise<GitAttempt> {
  return gitAttempt(args, {
    cwd,
    timeoutMs: options.timeoutMs,
    ...(options.pinned ? { gitDir: join(cwd, ".git"), workTree: cwd } : {}),
  });
}

interface LoggedCommit {
  sha: string;
  message: string;
  files: string[];
}

export class GitSource {
  readonly dir: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  #branch: string | undefined;
  /** What is checked out: the last revision that changed the desired state. */
  #applied: string | null;
  /** The newest remote head looked at; ahead of #applied by audit commits only. */
  #examined: string | null;
  readonly #serial = new SerialQueue();

  private constructor(options: GitSourceOptions, dir: string, applied: string | null) {
    this.dir = dir;
    this.#url = normalizeRemote(options.url);
    this.#branch = options.branch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#logger = options.logger ?? silentLogger();
    this.#applied = applied;
    this.#examined = applied;
  }

  /**
   * Opens the checkout directory without contacting the remote: creates it (empty) or adopts a
   * previous run's checkout. Throws GitSourceError DW_GIT_WORKDIR for a directory that holds
   * anything else, and DW_GIT_REMOTE for a URL git would read as an option.
   */
  static async open(options: GitSourceOptions): Promise<GitSource> {
    if (options.url.startsWith("-")) {
      throw new GitSourceError("DW_GIT_REMOTE", `not a git remote: ${redact(options.url)}`);
    }
    if (options.branch !== undefined && !isBranchName(options.branch)) {
      throw new GitSourceError("DW_GIT_BRANCH", `not a branch name: ${options.branch}`);
    }
    const dir = resolve(options.dir);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const git = (args: readonly string[]) => runGit(dir, args, { pinned: true, timeoutMs });
    // It lives in the state directory: a link there would have us clone into someone's files.
    await directoryNoFollow(dir, "The checkout directory ");
    await mkdir(dir, { recursive: true });
    if ((await readdir(dir)).length === 0) {
      const init = await git(["init", "--quiet"]);
      const marked = init.ok ? await git(["config", MARKER_KEY, "true"]) : init;
      if (!marked.ok) {
        throw new GitSourceError("DW_GIT", `cannot create a checkout in ${dir}: ${marked.error.message}`);
      }
      return new GitSource(options, dir, null);
    }
    const marker = existsSync(join(dir, ".git")) ? await git(["config", "--get", MARKER_KEY]) : undefined;
    if (marker === undefined || !marker.ok || marker.stdout.trim() !== "true") {
      throw new GitSourceError(
        "DW_GIT_WORKDIR",
        `${dir} is not empty and is not a dialwindow checkout; point the state directory somewhere else or empty it`,
      );
    }
    const head = await git(["rev-parse", "--verify", "HEAD^{commit}"]);
    const sha = head.ok ? head.stdout.trim() : "";
    return new GitSource(options, dir, SHA_RE.test(sha) ? sha : null);
  }

  /** The commit checked out, or null before the first successful fetch. */
  revision(): string | null {
    return this.#applied;
  }

  /** The branch followed, once known (given, or learned from the remote's HEAD). */
  branch(): string | undefined {
    return this.#branch;
  }

  /**
   * Brings the checkout up to the remote branch's head when something other than audit commits
   * arrived. Never throws for git or network trouble: that is an "error" result, and the
   * checkout stays as it was. Calls are serialised; each one looks at the remote afresh.
   */
  fetch(options: FetchOptions = {}): Promise<FetchResult> {
    return this.#serial.run(() => this.#fetch(options.auditPath ?? "audit"));
  }

  async #fetch(auditPath: string): Promise<FetchResult> {
    try {
      return await this.#fetchOnce(auditPath);
    } catch (err) {
      const error = err instanceof GitSourceError ? err : unexpected(err);
      this.#logger.warn(
        { code: error.code, error: error.message, revision: this.#applied },
        "git fetch failed",
      );
      return { status: "error", error, revision: this.#applied };
    }
  }

  async #git(args: readonly string[], code = "DW_GIT"): Promise<string> {
    const result = await runGit(this.dir, args, { pinned: true, timeoutMs: this.#timeoutMs });
    if (result.ok) return result.stdout;
    throw new GitSourceError(code, result.error.message, { cause: result.error });
  }

  async #fetchOnce(auditPath: string): Promise<FetchResult> {
    const applied = this.#applied;
    const examined = this.#examined;
    // Asking the remote where the branch is costs far less than a fetch, and usually it has not moved.
    let head = await this.#lsRemote();
    if (applied === null || head !== examined) {
      const tracking = `refs/remotes/origin/${this.#branch}`;
      await this.#git(
        ["fetch", "--no-tags", "--quiet", this.#url, `+refs/heads/${this.#branch}:${tracking}`],
        "DW_GIT_REMOTE",
      );
      head = (await this.#git(["rev-parse", "--verify", `${tracking}^{commit}`])).trim();
    }
    if (applied === null || examined === null) return this.#checkout(head, null);
    if (head === examined || head === applied) {
      this.#examined = head;
      return { status: "unchanged", revision: applied, skippedAuditCommits: 0 };
    }
    if (await this.#isAncestor(examined, head)) {
      const commits = await this.#log(examined, head);
      if (commits.length > 0 && commits.every((c) => isAuditOnly(c, auditPath))) {
        this.#examined = head;
        this.#logger.info(
          { revision: applied, head, auditCommits: commits.length },
          "only audit commits arrived; nothing to reconcile",
        );
        return { status: "unchanged", revision: applied, skippedAuditCommits: commits.length };
      }
    }
    // New commits with content, or history that was rewritten: either way, follow the remote.
    return this.#checkout(head, applied);
  }

  /** The remote branch's head, learning the default branch on the way when none was given. */
  async #lsRemote(): Promise<string> {
    const patterns = this.#branch === undefined ? ["HEAD"] : [`refs/heads/${this.#branch}`];
    const out = await this.#git(["ls-remote", "--symref", this.#url, ...patterns], "DW_GIT_REMOTE");
    const refs = new Map<string, string>();
    let defaultBranch: string | undefined;
    for (const line of out.split("\n")) {
      const [left, ref] = line.split("\t");
      if (left === undefined || ref === undefined) continue;
      const symref = /^ref: refs\/heads\/(.+)$/.exec(left);
      if (symref && ref === "HEAD") defaultBranch = symref[1];
      else if (SHA_RE.test(left)) refs.set(ref, left);
    }
    if (this.#branch === undefined) {
      if (defaultBranch === undefined || !isBranchName(defaultBranch)) {
        throw new GitSourceError(
          "DW_GIT_BRANCH",
          `${redact(this.#url)} has no default branch (is it empty?); pass --branch`,
        );
      }
      this.#branch = defaultBranch;
      this.#logger.info({ branch: defaultBranch }, "following the remote's default branch");
      const sha = refs.get("HEAD");
      if (sha !== undefined) return sha;
    }
    const sha = refs.get(`refs/heads/${this.#branch}`);
    if (sha === undefined) {
      throw new GitSourceError(
        "DW_GIT_BRANCH",
        `branch ${this.#branch} does not exist on ${redact(this.#url)}`,
      );
    }
    return sha;
  }

  async #isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    // The merge base of A and B is A exactly when A is an ancestor; this also answers (rather
    // than fails) when the old commit is gone from a rewritten history.
    const result = await runGit(this.dir, ["merge-base", ancestor, descendant], {
      pinned: true,
      timeoutMs: this.#timeoutMs,
    });
    return result.ok && result.stdout.trim() === ancestor;
  }

  async #log(from: string, to: string): Promise<LoggedCommit[]> {
    const out = await this.#git([
      "log",
      "--no-renames",
      "--format=%x1e%H%n%B%x1f",
      "--name-only",
      `${from}..${to}`,
    ]);
    const commits: LoggedCommit[] = [];
    for (const chunk of out.split("\x1e")) {
      if (chunk.trim() === "") continue;
      const [head = "", tail = ""] = chunk.split("\x1f");
      const newline = head.indexOf("\n");
      commits.push({
        sha: head.slice(0, newline < 0 ? undefined : newline).trim(),
        message: newline < 0 ? "" : head.slice(newline + 1),
        files: tail.split("\n").filter((line) => line.trim() !== ""),
      });
    }
    return commits;
  }

  async #checkout(head: string, previous: string | null): Promise<FetchResult> {
    await this.#git(["checkout", "--quiet", "--force", "--detach", head]);
    // Untracked files would be read as desired state; ignored ones stay (nothing of ours is in here).
    await this.#git(["clean", "-ffdq"]);
    this.#applied = head;
    this.#examined = head;
    this.#logger.info({ revision: head, previous, branch: this.#branch }, "checked out new revision");
    return { status: "changed", revision: head, previous };
  }
}

function unexpected(err: unknown): GitSourceError {
  const message = redact(err instanceof Error ? err.message : String(err));
  return new GitSourceError("DW_GIT", `git failed: ${message}`, { cause: err });
}

/**
 * An audit commit that touches nothing outside the audit folder. The trailer alone is not
 * enough here: a squash merge copies the messages (trailers included) of every commit it
 * squashes, so a commit that changes schedules can carry `Dialwindow-Audit: true`, and skipping
 * it would leave CXone behind `main` until the next unrelated commit.
 */
function isAuditOnly(commit: LoggedCommit, auditPath: string): boolean {
  const prefix = `${auditPath.replace(/^\/+|\/+$/g, "")}/`;
  return (
    commit.files.length > 0 &&
    commit.files.every((file) => file.startsWith(prefix)) &&
    isAuditCommit(commit, { path: auditPath })
  );
}

/** A plain branch name: no option-looking, ref-syntax or path-escaping tricks. */
function isBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9._/-]+$/.test(name) &&
    !name.startsWith("-") &&
    !name.startsWith("/") &&
    !name.endsWith("/") &&
    !name.endsWith(".lock") &&
    !name.includes("..") &&
    !name.includes("//")
  );
}
