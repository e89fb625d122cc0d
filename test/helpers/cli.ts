import { spawn } from "node:child_process";
import { join } from "node:path";
import { DateTime } from "luxon";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";
import type { Clock } from "../../src/util/clock.js";
import { createLogger, type Logger, silentLogger } from "../../src/util/log.js";
import { packageRoot } from "../../src/util/paths.js";
import { SkippingClock } from "./skipping-clock.js";

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

export interface InProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: string;
  /**
   * Log as the binary does: one-shot commands' JSON lines into stderr, the daemon's into stdout,
   * at DIALWINDOW_LOG_LEVEL from `env` (else the command's default). Without it, logs are dropped.
   */
  logs?: boolean;
  /**
   * The command's clock: its waits (retry backoff, Retry-After, the rate budget, webhook
   * retries). Default a SkippingClock, so a test waits for none of them (except `reconcile`,
   * which keeps node's timers); `systemClock` where waiting in real time is what the test is about.
   */
  clock?: Clock;
}

/** The CLI in-process, with captured output, a fixed `now` and (unless told) no real waits. */
export async function runInProcess(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const out = { stdout: "", stderr: "" };
  // Parsed once (a DateTime is immutable): every `now()` of the command answers the same instant.
  const fixed = options.now === undefined ? undefined : DateTime.fromISO(options.now, { setZone: true });
  const io = inProcessIo(out, { ...options, now: () => fixed ?? DateTime.utc() });
  // Starting where `now` says, so the command's instants and its waits agree. Not for the
  // daemon (reconcile, --once too): its timers re-arm themselves, so a clock that skips every
  // wait would run it ahead by years; it keeps node's timers, as the binary does.
  const clock =
    options.clock ??
    (args[0] === "reconcile" ? undefined : new SkippingClock(fixed?.toMillis() ?? Date.now()));
  const code = await runCli(args, clock ? { ...io, clock } : io);
  return { code, ...out };
}

/** A CliIo writing into `out`, as processIo writes to the process's streams. */
export function inProcessIo(
  out: { stdout: string; stderr: string },
  options: Omit<InProcessOptions, "now"> & { now: () => DateTime },
): CliIo {
  const env = options.env ?? {};
  const logger = (stream: "stdout" | "stderr", defaultLevel: string): Logger =>
    options.logs
      ? createLogger({
          level: env.DIALWINDOW_LOG_LEVEL ?? defaultLevel,
          destination: {
            write(line: string) {
              out[stream] += line;
            },
          },
        })
      : silentLogger();
  return {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    env,
    cwd: options.cwd ?? packageRoot(),
    now: options.now,
    logger: (level) => logger("stderr", level),
    daemonLogger: (level) => logger("stdout", level),
    onStopSignal: () => {},
  };
}

export interface RunningBinary {
  child: import("node:child_process").ChildProcess;
  /** Resolves when the process exits, however it exits. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/**
 * Variables of the test process a binary inherits besides PATH and HOME: where temporary files
 * go (scripts/run-tests.mjs points TMPDIR into the run's folder, removed at the end) and which
 * git configuration applies (the run's, without gc or maintenance; no system-wide file). Nothing
 * else of the caller's shell (a CXONE_* or WFM_* variable) reaches it: a test passes what it means.
 */
const INHERITED = ["PATH", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM"] as const;

/** The binary as a child process the test can signal mid-run (SIGKILL, SIGTERM). */
export function spawnBinary(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): RunningBinary {
  const bin = join(packageRoot(), "dist", "src", "cli", "bin.js");
  const inherited: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? packageRoot(),
    env: { PATH: "", HOME: "", ...inherited, DIALWINDOW_LOG_LEVEL: "warn", ...options.env },
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
