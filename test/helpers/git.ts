/** git for tests, run outside the code under test, with a fixed identity and no system config. */
import { execFileSync } from "node:child_process";

// System-wide git configuration must not change what the tests see.
process.env.GIT_CONFIG_NOSYSTEM = "1";

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test Person",
  GIT_AUTHOR_EMAIL: "person@example.test",
  GIT_COMMITTER_NAME: "Test Person",
  GIT_COMMITTER_EMAIL: "person@example.test",
};

/** Runs git synchronously; `cwd` is a checkout or a bare repository. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: GIT_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs `script` with `sh -e` in `cwd`, `args` as $1, $2…: several git runs for one fork of the test process. */
export function gitScript(cwd: string, script: string, ...args: string[]): string {
  return execFileSync("sh", ["-ec", script, "sh", ...args], {
    cwd,
    env: GIT_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
