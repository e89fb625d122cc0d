/**
 * The git plumbing the audit trail needs, on one bare repository and nothing else. Every
 * command runs with GIT_DIR pinned to that repository, so a state directory that happens to
 * sit inside the user's checkout can never make git fall through to the user's repository.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { directoryNoFollow } from "../state/no-follow.js";
import { type GitAttempt, type GitRunOptions, git, gitAttempt, gitBytes } from "../util/git.js";
import { AuditError } from "./errors.js";

const DEFAULT_TIMEOUT_MS = 120_000;
/** Set in every repository dialwindow creates, so it never adopts someone else's. */
const MARKER_KEY = "dialwindow.auditRepo";

export type RunOptions = Pick<GitRunOptions, "input" | "env">;

/** One bare repository; every command runs with GIT_DIR pinned to it. */
export class BareRepo {
  readonly gitDir: string;
  /** True when openAuditRepo made it just now (so it has no remote, no refs). */
  created = false;
  readonly #timeoutMs: number;

  constructor(gitDir: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.gitDir = resolve(gitDir);
    this.#timeoutMs = timeoutMs;
  }

  #options(options: RunOptions): GitRunOptions {
    return { ...options, cwd: this.gitDir, gitDir: this.gitDir, timeoutMs: this.#timeoutMs };
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    return git(args, this.#options(options));
  }

  attempt(args: readonly string[], options: RunOptions = {}): Promise<GitAttempt> {
    return gitAttempt(args, this.#options(options));
  }

  /** Blob contents, concatenated in the order given. */
  blobs(shas: readonly string[]): Promise<Buffer> {
    if (shas.length === 0) return Promise.resolve(Buffer.alloc(0));
    return gitBytes(["show", "--no-textconv", ...shas], this.#options({}));
  }

  /** The commit `ref` points at, or null when it does not exist. */
  async resolveRef(ref: string): Promise<string | null> {
    const result = await this.attempt(["rev-parse", "--verify", "-q", `${ref}^{commit}`]);
    if (result.ok) return result.stdout.trim();
    if (result.error.exitCode === 1) return null;
    throw result.error;
  }

  /**
   * Several branch refs in one git run (for-each-ref): each commit, or null when it does not
   * exist. A ref that names anything but a commit is resolved as `resolveRef` does.
   */
  async resolveRefs(refs: readonly string[]): Promise<Map<string, string | null>> {
    const listing = await this.run([
      "for-each-ref",
      "--format=%(objecttype) %(objectname) %(refname)",
      ...refs,
    ]);
    const found = new Map<string, string | null>(refs.map((ref) => [ref, null]));
    for (const line of listing.split("\n")) {
      const [type, sha, name] = line.split(" ");
      if (name === undefined || !found.has(name)) continue;
      found.set(name, type === "commit" ? (sha ?? null) : await this.resolveRef(name));
    }
    return found;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.attempt(["merge-base", "--is-ancestor", ancestor, descendant]);
    if (result.ok) return true;
    if (result.error.exitCode === 1) return false;
    throw result.error;
  }

  /**
   * One commit of `files` (path -> text) over `parent`'s tree, written and put on `ref` by one
   * git run (fast-import) where it took six (hash-object, read-tree, update-index, write-tree,
   * commit-tree, update-ref). git moves `ref` only while the new commit contains what it holds
   * (it is still `parent`, or missing for a root commit), so a commit someone else put there
   * meanwhile is never lost: git refuses, and this throws. `force` moves it regardless (a
   * scratch ref). Nothing checks the parent's tree here: fast-import puts a folder where a file
   * of that name was, so callers refuse such paths first. Returns the new commit.
   */
  async commitFiles(commit: FilesCommit): Promise<string> {
    const who = `${commit.who.name} <${commit.who.email}> ${commit.who.seconds} +0000`;
    const parts: Buffer[] = [
      Buffer.from(`commit ${commit.ref}\nmark :1\nauthor ${who}\ncommitter ${who}\n`),
      ...data(commit.message),
      Buffer.from(commit.parent === null ? "" : `from ${commit.parent}\n`),
    ];
    for (const [path, text] of commit.files) {
      parts.push(Buffer.from(`M 100644 inline ${fastImportPath(path)}\n`), ...data(text));
    }
    parts.push(Buffer.from("\nget-mark :1\ndone\n"));
    const args = ["fast-import", "--quiet", "--done", ...(commit.force ? ["--force"] : [])];
    return (await this.run(args, { input: Buffer.concat(parts) })).trim();
  }

  /** Moves `ref` from `from` (null: must not exist yet) to `to`; fails if someone moved it meanwhile. */
  async moveRef(ref: string, to: string, from: string | null): Promise<void> {
    await this.run(["update-ref", "-m", "dialwindow audit", ref, to, from ?? ""]);
  }

  async deleteRef(ref: string): Promise<void> {
    await this.run(["update-ref", "-d", ref]);
  }
}

export interface FilesCommit {
  ref: string;
  parent: string | null;
  files: ReadonlyMap<string, string>;
  message: string;
  /** Author and committer: name, email, and the time in seconds since the epoch (UTC). */
  who: { name: string; email: string; seconds: number };
  force?: boolean;
}

/** fast-import's `data` command: the exact byte count, then the bytes. */
function data(text: string): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  return [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from("\n")];
}

/** A path as fast-import reads it: C-style quoted only when it starts with a quote (audit paths hold no control characters). */
function fastImportPath(path: string): string {
  return path.startsWith('"') ? `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : path;
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
    repo.created = true;
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
