/**
 * Running git against a checkout the user gave us (`--dir`), for reading: an explicit
 * environment (no GIT_* from the caller, so GIT_DIR or GIT_WORK_TREE left in a shell can never
 * point a command at another repository), no prompts, a timeout, and a typed error.
 */
import { execFile } from "node:child_process";
import { DialwindowError } from "./errors.js";

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export class GitError extends DialwindowError {
  readonly args: readonly string[];
  /** git's exit code; undefined when it could not be started or was killed (timeout). */
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | undefined, stderr: string, cause?: unknown) {
    const why =
      stderr.trim().split("\n").slice(-3).join(" ") ||
      (exitCode === undefined ? "did not run" : `exit ${exitCode}`);
    super("DW_GIT", `git ${args.slice(0, 2).join(" ")} failed: ${why}`, { cause });
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface GitRunOptions {
  cwd: string;
  input?: Buffer | string;
  timeoutMs?: number;
}

export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.toUpperCase().startsWith("GIT_")) env[key] = value;
  }
  return { ...env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...extra };
}

/** Runs git and resolves with its stdout as bytes. */
export function gitBytes(args: readonly string[], options: GitRunOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      {
        cwd: options.cwd,
        env: gitEnv(),
        encoding: "buffer",
        maxBuffer: MAX_OUTPUT_BYTES,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const code =
          typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : undefined;
        reject(new GitError(args, code, stderr.toString("utf8"), err));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs git and resolves with its stdout as text. */
export async function git(args: readonly string[], options: GitRunOptions): Promise<string> {
  return (await gitBytes(args, options)).toString("utf8");
}

/** Like `git`, but a non-zero exit resolves as undefined (for questions such as "is there an upstream?"). */
export async function gitMaybe(args: readonly string[], options: GitRunOptions): Promise<string | undefined> {
  try {
    return await git(args, options);
  } catch (err) {
    if (err instanceof GitError && err.exitCode !== undefined) return undefined;
    throw err;
  }
}
