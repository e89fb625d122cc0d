import { spawn } from "node:child_process";
import { join } from "node:path";
import { DateTime } from "luxon";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";
import { silentLogger } from "../../src/util/log.js";
import { packageRoot } from "../../src/util/paths.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built binary as a child process, as a user or CI runs it (killed after `timeoutMs`). */
export async function runBinary(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const run = spawnBinary(args, options);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const result = await run.done;
    if (result.signal === "SIGKILL") {
      throw new Error(
        `dialwindow ${args.join(" ")} did not finish within ${options.timeoutMs ?? 60_000} ms\n${result.stdout}\n${result.stderr}`,
      );
    }
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** The CLI in-process, with captured output and a fixed clock. */
export async function runInProcess(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; now?: string } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? packageRoot(),
    now: () => (options.now ? DateTime.fromISO(options.now, { setZone: true }) : DateTime.utc()),
    logger: () => silentLogger(),
    daemonLogger: () => silentLogger(),
    onStopSignal: () => {},
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

export interface RunningBinary {
  child: import("node:child_process").ChildProcess;
  /** Resolves when the process exits, however it exits. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** The binary as a child process the test can signal mid-run (SIGKILL, SIGTERM). */
export function spawnBinary(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): RunningBinary {
  const bin = join(packageRoot(), "dist", "src", "cli", "bin.js");
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? packageRoot(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DIALWINDOW_LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
