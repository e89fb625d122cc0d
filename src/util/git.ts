/**
 * The one way dialwindow runs git: the user's checkouts (`--dir`), the audit trail's bare
 * repository, the reconciler's private checkout (`--repo`) and the demo all go through here.
 *
 * - An explicit environment: no GIT_* from the caller except the few that only choose
 *   credentials and TLS roots for a remote or make git read less configuration, so a GIT_DIR or
 *   GIT_WORK_TREE left in a shell can never point a command at another repository; and nothing
 *   that makes git start another program (an editor, a pager, an askpass).
 * - No prompts: a daemon must fail rather than wait for someone to type a password.
 * - `gitDir` (and `workTree`) pin the repository, so a directory that is not one can never make
 *   git walk up into a repository around it (the state directory often sits inside the user's
 *   own checkout).
 * - A timeout, and a typed error (GitError) whose message carries no remote credentials.
 *
 * Over child_process rather than a wrapper library: the exit code alone decides success, stdin
 * is closed unless input is given, and silent commands cost nothing extra.
 */
import { execFile } from "node:child_process";
import { DialwindowError } from "./errors.js";

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** Ambient GIT_* variables kept: they pick credentials and TLS roots for a remote, or make git read less. */
const AMBIENT_KEPT = new Set(["GIT_CONFIG_NOSYSTEM", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH"]);
/** Other variables that would make git start a program or read another configuration. */
const REMOVED = new Set(["EDITOR", "VISUAL", "PAGER", "SSH_ASKPASS", "PREFIX"]);

/**
 * Blanks the user-info part of any URL in `text`. Remotes are often written with a token in
 * them (https://x-access-token:…@github.com/…) and git echoes the URL in its errors.
 */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

/** A git command that exited non-zero, or could not run or finish (then `exitCode` is undefined). */
export class GitError extends DialwindowError {
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  /** What git wrote to stderr, remote credentials blanked. */
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | undefined, stderr: string, cause?: unknown) {
    const clean = redactUrls(stderr);
    const first = clean.split("\n").find((line) => line.trim() !== "");
    const why = first ?? (cause instanceof Error ? redactUrls(cause.message) : "no output");
    super(
      "DW_GIT",
      `git ${args[0] ?? ""} failed (${exitCode === undefined ? "did not finish" : `exit ${exitCode}`}): ${why}`,
      { cause },
    );
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = clean;
  }
}

export interface GitRunOptions {
  /** Where git runs. */
  cwd: string;
  /** The repository (GIT_DIR): git never looks for one around `cwd`. */
  gitDir?: string;
  /** With `gitDir`: its work tree (GIT_WORK_TREE). */
  workTree?: string;
  /** Written to git's stdin (closed otherwise). */
  input?: Buffer | string;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Identity and dates for commits (GIT_AUTHOR_*, GIT_COMMITTER_*). */
  env?: Readonly<Record<string, string>>;
}

export type GitAttempt = { ok: true; stdout: string } | { ok: false; error: GitError };

function gitEnv(options: GitRunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if ((upper.startsWith("GIT_") && !AMBIENT_KEPT.has(upper)) || REMOVED.has(upper)) continue;
    env[key] = value;
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    // Reads must not refresh the index of the user's checkout.
    GIT_OPTIONAL_LOCKS: "0",
    ...options.env,
    ...(options.gitDir === undefined ? {} : { GIT_DIR: options.gitDir }),
    ...(options.workTree === undefined ? {} : { GIT_WORK_TREE: options.workTree }),
  };
}

/** Runs git and resolves with its stdout as bytes. */
export function gitBytes(args: readonly string[], options: GitRunOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      {
        cwd: options.cwd,
        env: gitEnv(options),
        encoding: "buffer",
        maxBuffer: MAX_OUTPUT_BYTES,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        // A number is git's exit code; a string (ENOENT, a maxBuffer overflow) or a kill means it never finished.
        const code = (err as { code?: unknown }).code;
        reject(new GitError(args, typeof code === "number" ? code : undefined, stderr.toString("utf8"), err));
      },
    );
    child.stdin?.on("error", () => undefined); // git may exit before reading it all
    child.stdin?.end(options.input);
  });
}

/** Runs git and resolves with its stdout as text. */
export async function git(args: readonly string[], options: GitRunOptions): Promise<string> {
  return (await gitBytes(args, options)).toString("utf8");
}

/** Runs git; a failure of any kind is an answer, not an exception. */
export async function gitAttempt(args: readonly string[], options: GitRunOptions): Promise<GitAttempt> {
  try {
    return { ok: true, stdout: await git(args, options) };
  } catch (err) {
    if (err instanceof GitError) return { ok: false, error: err };
    throw err;
  }
}

/** Like `git`, but a non-zero exit resolves as undefined (for questions such as "is there an upstream?"). */
export async function gitMaybe(args: readonly string[], options: GitRunOptions): Promise<string | undefined> {
  const result = await gitAttempt(args, options);
  if (result.ok) return result.stdout;
  if (result.error.exitCode !== undefined) return undefined;
  throw result.error;
}
