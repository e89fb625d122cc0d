/**
 * The git plumbing the audit trail needs, on one bare repository and nothing else. Every
 * command runs with GIT_DIR pinned to that repository, so a state directory that happens to
 * sit inside the user's checkout can never make git fall through to the user's repository.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type SimpleGitOptions, simpleGit } from "simple-git";
import { directoryNoFollow } from "../state/no-follow.js";
import { AuditError, GitCommandError } from "./errors.js";

/** Variables simple-git lets through to git. Anything else GIT_* is stripped by its environment guard. */
const ALLOWED_ENV = [
  "GIT_DIR",
  "GIT_TERMINAL_PROMPT",
  "GIT_CONFIG_NOSYSTEM",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_AUTHOR_DATE",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_COMMITTER_DATE",
];
/** Kept from the caller's environment: it only ever makes git ignore more configuration. */
const AMBIENT_KEPT = new Set(["GIT_CONFIG_NOSYSTEM"]);
/** Non-GIT_ variables simple-git's guard also refuses. */
const GUARDED = new Set(["EDITOR", "VISUAL", "PAGER", "PREFIX", "SSH_ASKPASS"]);

const DEFAULT_TIMEOUT_MS = 120_000;
/** Set in every repository dialwindow creates, so it never adopts someone else's. */
const MARKER_KEY = "dialwindow.auditRepo";

export interface RunOptions {
  /** Written to git's stdin. Must be non-empty: simple-git leaves stdin open otherwise. */
  input?: string;
  env?: Record<string, string>;
}

export type Attempt = { ok: true; stdout: string } | { ok: false; error: GitCommandError };

function childEnv(gitDir: string, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if ((upper.startsWith("GIT_") && !AMBIENT_KEPT.has(upper)) || GUARDED.has(upper)) continue;
    env[key] = value;
  }
  // A daemon must fail rather than wait for someone to type a password.
  return { ...env, GIT_TERMINAL_PROMPT: "0", ...extra, GIT_DIR: gitDir };
}

/** One bare repository, driven through simple-git. */
export class BareRepo {
  readonly gitDir: string;
  readonly #timeoutMs: number;

  constructor(gitDir: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.gitDir = resolve(gitDir);
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Runs `call` on a client made for this one command. simple-git wraps whatever its error hook
   * returns into its own GitError, so the hook records the exit code here instead and the
   * catch turns it into a GitCommandError callers can branch on.
   */
  async #call<T>(
    args: readonly string[],
    options: RunOptions,
    call: (git: ReturnType<typeof simpleGit>) => Promise<T>,
  ): Promise<T> {
    let failure: { exitCode: number; stderr: string } | undefined;
    const config: Partial<SimpleGitOptions> = {
      baseDir: this.gitDir,
      allowEnvironment: ALLOWED_ENV,
      timeout: { block: this.#timeoutMs },
      // simple-git only treats a non-zero exit as failure when git also wrote to stderr;
      // `rev-parse -q` on a missing ref and `merge-base` of unrelated commits fail silently, so
      // decide on the exit code.
      errors: (error, result) => {
        if (result.exitCode === 0 && error === undefined) return undefined;
        const stderr = Buffer.concat(result.stdErr).toString("utf8");
        failure = {
          exitCode: result.exitCode === 0 ? -1 : result.exitCode,
          stderr: stderr || String(error ?? ""),
        };
        return error ?? Buffer.from(stderr || `exit code ${result.exitCode}`);
      },
    };
    if (options.input !== undefined) {
      const input = options.input;
      config.input = () => input;
    }
    const git = simpleGit(config).env(childEnv(this.gitDir, options.env ?? {}));
    try {
      return await call(git);
    } catch (err) {
      const command = args[0] ?? "";
      if (failure !== undefined) {
        throw new GitCommandError(command, failure.exitCode, failure.stderr, { cause: err });
      }
      throw new GitCommandError(command, -1, err instanceof Error ? err.message : String(err), {
        cause: err,
      });
    }
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    return this.#call(args, options, (git) => git.raw([...args]));
  }

  async attempt(args: readonly string[], options: RunOptions = {}): Promise<Attempt> {
    try {
      return { ok: true, stdout: await this.run(args, options) };
    } catch (err) {
      if (err instanceof GitCommandError) return { ok: false, error: err };
      throw err;
    }
  }

  /** Blob contents, concatenated in the order given. */
  blobs(shas: readonly string[]): Promise<Buffer> {
    if (shas.length === 0) return Promise.resolve(Buffer.alloc(0));
    const args = ["show", "--no-textconv", ...shas];
    return this.#call(args, {}, (git) => git.showBuffer(args.slice(1)));
  }

  /** The commit `ref` points at, or null when it does not exist. */
  async resolveRef(ref: string): Promise<string | null> {
    // --absolute-git-dir makes rev-parse print something even for a missing ref, which spares
    // simple-git's 50 ms wait on silent commands; the commit, when there is one, is the last line.
    const result = await this.attempt([
      "rev-parse",
      "--absolute-git-dir",
      "--verify",
      "-q",
      `${ref}^{commit}`,
    ]);
    if (result.ok) return result.stdout.trim().split("\n").at(-1) ?? null;
    if (result.error.exitCode === 1) return null;
    throw result.error;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    // Not `--is-ancestor`: it answers by exit code alone, and simple-git waits 50 ms on every
    // command that prints nothing. The merge base of A and B is A exactly when A is an ancestor.
    const result = await this.attempt(["merge-base", ancestor, descendant]);
    if (result.ok) return result.stdout.trim() === ancestor;
    if (result.error.exitCode === 1) return false;
    throw result.error;
  }

  /**
   * A tree equal to `base` (a tree-ish, or null for empty) with `files` (path -> blob) added or
   * replaced, built with mktree level by level. No index is involved, so nothing of the
   * branch's other content is checked out or rewritten.
   */
  async writeTree(base: string | null, files: ReadonlyMap<string, string>): Promise<string> {
    const entries = new Map<string, string>();
    if (base !== null) {
      for (const entry of (await this.run(["ls-tree", "-z", base])).split("\0")) {
        const tab = entry.indexOf("\t");
        if (tab > 0) entries.set(entry.slice(tab + 1), entry);
      }
    }
    const subdirs = new Map<string, Map<string, string>>();
    for (const [path, blob] of files) {
      const slash = path.indexOf("/");
      if (slash < 0) {
        entries.set(path, `100644 blob ${blob}\t${path}`);
        continue;
      }
      const dir = path.slice(0, slash);
      const nested = subdirs.get(dir) ?? new Map<string, string>();
      nested.set(path.slice(slash + 1), blob);
      subdirs.set(dir, nested);
    }
    for (const [dir, nested] of subdirs) {
      const existing = entries.get(dir);
      const tree = existing === undefined ? undefined : /^040000 tree ([0-9a-f]+)\t/.exec(existing)?.[1];
      if (existing !== undefined && tree === undefined) {
        throw new AuditError(
          "DW_AUDIT_GIT",
          `cannot write the audit trail under ${dir}/: a file of that name is in the way`,
        );
      }
      entries.set(dir, `040000 tree ${await this.writeTree(tree ?? null, nested)}\t${dir}`);
    }
    const input = [...entries.values()].map((entry) => `${entry}\0`).join("");
    return (await this.run(["mktree", "-z"], { input })).trim();
  }

  /** Moves `ref` from `from` (null: must not exist yet) to `to`; fails if someone moved it meanwhile. */
  async moveRef(ref: string, to: string, from: string | null): Promise<void> {
    await this.run(["update-ref", "-m", "dialwindow audit", ref, to, from ?? ""]);
  }

  async deleteRef(ref: string): Promise<void> {
    await this.run(["update-ref", "-d", ref]);
  }
}

function looksLikeBareRepo(dir: string): boolean {
  return existsSync(join(dir, "HEAD")) && existsSync(join(dir, "objects")) && existsSync(join(dir, "refs"));
}

/**
 * Opens the private audit repository at `dir`, creating it when the directory is missing or
 * empty. A directory holding anything else, including a repository dialwindow did not create,
 * is refused: the trail must never write refs into someone's real repository.
 */
export async function openAuditRepo(dir: string): Promise<BareRepo> {
  const gitDir = resolve(dir);
  // It lives in the state directory: a link there could point git at anyone's files.
  await directoryNoFollow(gitDir, "The audit repository ");
  await mkdir(gitDir, { recursive: true });
  const repo = new BareRepo(gitDir);
  const entries = await readdir(gitDir);
  if (entries.length === 0) {
    await repo.run(["init", "--bare", gitDir]);
    // The marker is what later opens check; the reflog shows, after the fact, every move the
    // trail made. Appended to the file directly: one write instead of two silent `git config`s.
    await appendFile(
      join(gitDir, "config"),
      "[dialwindow]\n\tauditRepo = true\n[core]\n\tlogAllRefUpdates = always\n",
    );
    return repo;
  }
  if (looksLikeBareRepo(gitDir)) {
    const marker = await repo.attempt(["config", "--get", MARKER_KEY]);
    if (marker.ok && marker.stdout.trim() === "true") return repo;
  }
  throw new AuditError(
    "DW_AUDIT_WORKDIR",
    `${gitDir} is not empty and is not a dialwindow audit repository; point the audit work directory at an empty or dialwindow-owned directory`,
  );
}

/** A repository to read from: a bare one, or the .git of a checkout. */
export function readableRepo(dir: string): BareRepo {
  const dotGit = join(resolve(dir), ".git");
  return new BareRepo(existsSync(dotGit) ? dotGit : dir);
}
