/**
 * Whether git tracks anything in a directory. A state directory whose files come from a commit
 * (a journal of someone's making, links, a lock) must not be used: that is how a pull request
 * would reach it.
 */
import { spawn } from "node:child_process";

/** Only ever makes git read less configuration; every other GIT_* could point it elsewhere. */
const AMBIENT_KEPT = new Set(["GIT_CONFIG_NOSYSTEM"]);

/**
 * The first file under `dir` that git tracks in the repository around it (relative to `dir`),
 * null when there is none, undefined when git cannot tell (no git, not in a repository, or a
 * repository git refuses to read, e.g. one owned by another user).
 */
export function firstTrackedFile(dir: string, timeoutMs = 30_000): Promise<string | null | undefined> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (key.toUpperCase().startsWith("GIT_") && !AMBIENT_KEPT.has(key.toUpperCase())) continue;
    env[key] = value;
  }
  // No index refresh: this is a read and must not write into the user's repository.
  env.GIT_OPTIONAL_LOCKS = "0";
  env.GIT_TERMINAL_PROMPT = "0";
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: string | null | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("git", ["ls-files", "-z", "--", "."], {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      done(undefined);
      return;
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      done(undefined);
    }, timeoutMs);
    // Only the first name is needed; a directory holding thousands of tracked files must not
    // make this slow or overflow a buffer.
    let out = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      out += chunk;
      const end = out.indexOf("\0");
      if (end >= 0) {
        done(out.slice(0, end));
        child.kill("SIGKILL");
      }
    });
    child.on("error", () => done(undefined));
    child.on("close", (code) => done(code === 0 ? (out === "" ? null : out) : undefined));
  });
}
