/** The reconcile daemon for tests: the real binary as a child process, or the same command in-process. */
import { after } from "node:test";
import { DateTime } from "luxon";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";
import { FakeTimers } from "../reconcile/helpers.js";
import { inProcessIo, type RunningBinary, spawnBinary, waitFor } from "./cli.js";

export interface Daemon {
  run: RunningBinary;
  url: string;
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line matching `msg` (and `where`), waiting up to `timeoutMs`. */
  waitForLog(
    msg: string | RegExp,
    where?: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number; signal: NodeJS.Signals | null }>;
}

export async function startDaemon(args: string[], env: Record<string, string>): Promise<Daemon> {
  const run = spawnBinary(["reconcile", "--listen", "127.0.0.1:0", ...args], {
    env: { ...env, DIALWINDOW_LOG_LEVEL: "info" },
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = "";
  run.child.stdout?.on("data", (d: Buffer) => {
    buffer += d.toString();
    let i = buffer.indexOf("\n");
    while (i >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
      i = buffer.indexOf("\n");
    }
  });
  const find = (msg: string | RegExp, where?: (l: Record<string, unknown>) => boolean) =>
    lines.find(
      (l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))) && (!where || where(l)),
    );
  let exited = false;
  void run.done.then(() => {
    exited = true;
  });
  const daemon: Daemon = {
    run,
    url: "",
    logs: () => lines,
    async waitForLog(msg, where, timeoutMs = 20_000) {
      await waitFor(
        `log ${String(msg)}`,
        () => {
          if (exited && !find(msg, where))
            throw new Error(
              `the daemon exited before logging ${String(msg)}:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`,
            );
          return find(msg, where) !== undefined;
        },
        timeoutMs,
      );
      return find(msg, where) as Record<string, unknown>;
    },
    metric: (name, labels) => scrapeMetric(daemon.url, name, labels),
    async stop(signal = "SIGTERM") {
      run.child.kill(signal);
      const r = await run.done;
      return { code: r.code, signal: r.signal };
    },
  };
  const listening = await daemon.waitForLog("listening for /healthz, /readyz, /metrics");
  daemon.url = String(listening.url);
  return daemon;
}

/**
 * `dialwindow reconcile` in-process on a fake clock: the same command, flags, HTTP endpoints
 * and log lines as the binary, but the daemon's timers (resync, git interval, debounce,
 * flushes, retries, deny windows) wait on a clock the test moves. Waiting for something lets
 * that clock run fast (`stepMs` of daemon time per few real milliseconds), so a test written
 * against one-second intervals takes a fraction of the time, and a test can jump hours ahead.
 */
export interface InProcessDaemon {
  url: string;
  clock: FakeTimers;
  logs(): Record<string, unknown>[];
  /**
   * Lets the clock run, `stepMs` (default: the daemon's) every few real milliseconds, until
   * `check` holds; with `stepMs: 0` the clock stands still while the daemon's I/O completes.
   * Fails after `timeoutMs` of real time.
   */
  until(what: string, check: () => boolean | Promise<boolean>, options?: WaitOptions): Promise<void>;
  waitForLog(
    msg: string | RegExp,
    where?: (line: Record<string, unknown>) => boolean,
    options?: WaitOptions,
  ): Promise<Record<string, unknown>>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** True once the command has returned. */
  exited(): boolean;
  /** What SIGTERM does: the command's own stop handler; resolves with its exit code. */
  stop(): Promise<{ code: number }>;
}

export interface WaitOptions {
  timeoutMs?: number;
  stepMs?: number;
}

export async function startDaemonInProcess(
  args: string[],
  env: Record<string, string>,
  options: { at: DateTime; stepMs?: number },
): Promise<InProcessDaemon> {
  const clock = new FakeTimers(options.at.toMillis());
  const stepMs = options.stepMs ?? 250;
  const out = { stdout: "", stderr: "" };
  let stopHandler: ((signal: string) => void) | undefined;
  const io: CliIo = {
    ...inProcessIo(out, {
      env: { DIALWINDOW_LOG_LEVEL: "info", ...env },
      logs: true,
      now: () => DateTime.fromMillis(clock.now(), { zone: "UTC" }),
    }),
    clock,
    onStopSignal: (handler) => {
      stopHandler = handler;
    },
  };
  let result: { code: number } | undefined;
  let failure: unknown;
  const done = runCli(["reconcile", "--listen", "127.0.0.1:0", ...args], io).then(
    (code) => {
      result = { code };
      return result;
    },
    (err: unknown) => {
      failure = err;
      throw err;
    },
  );
  done.catch(() => undefined);

  let parsed = 0;
  const lines: Record<string, unknown>[] = [];
  const logs = () => {
    const text = out.stdout;
    const end = text.lastIndexOf("\n");
    if (end > parsed) {
      for (const line of text.slice(parsed, end).split("\n")) {
        if (line === "") continue;
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ msg: line });
        }
      }
      parsed = end + 1;
    }
    return lines;
  };
  const find = (msg: string | RegExp, where?: (l: Record<string, unknown>) => boolean) =>
    logs().find(
      (l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))) && (!where || where(l)),
    );
  const exitedEarly = (what: string) => {
    if (failure !== undefined) return new Error(`the daemon failed before ${what}: ${String(failure)}`);
    if (result !== undefined)
      return new Error(
        `the daemon exited (${result.code}) before ${what}:\n${out.stderr}${logs()
          .map((l) => JSON.stringify(l))
          .join("\n")}`,
      );
    return undefined;
  };

  const daemon: InProcessDaemon = {
    url: "",
    clock,
    logs,
    async until(what, check, { timeoutMs = 20_000, stepMs: step = stepMs } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        const early = exitedEarly(what);
        if (early) throw early;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        if (step > 0) await clock.advance(step);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async waitForLog(msg, where, options) {
      await daemon.until(`log ${String(msg)}`, () => find(msg, where) !== undefined, options);
      return find(msg, where) as Record<string, unknown>;
    },
    metric: (name, labels) => scrapeMetric(daemon.url, name, labels),
    exited: () => result !== undefined || failure !== undefined,
    async stop() {
      if (!daemon.exited()) {
        if (!stopHandler) throw new Error("the daemon never asked to be told about SIGTERM");
        stopHandler("SIGTERM");
        // Shutdown drains the queue and flushes on the daemon's clock: let it run.
        const deadline = Date.now() + 30_000;
        while (!daemon.exited()) {
          if (Date.now() > deadline) throw new Error("the daemon did not stop");
          await clock.advance(1000);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      return done;
    },
  };
  // A test that fails half-way still stops its daemon, or its watcher and server keep the file running.
  after(async () => {
    if (!daemon.exited()) await daemon.stop().catch(() => undefined);
  });
  // The HTTP server listens before the first resync (which waits on the clock).
  await waitFor("the daemon to listen", () => {
    const early = exitedEarly("listening");
    if (early) throw early;
    return find("listening for /healthz, /readyz, /metrics") !== undefined;
  });
  daemon.url = String(find("listening for /healthz, /readyz, /metrics")?.url);
  return daemon;
}

/** The sum of a metric's samples at `url`/metrics whose labels include `labels`. */
async function scrapeMetric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.split(" ").pop());
  }
  return total;
}
