/** Forks bench/child.js for one job and measures it from the outside. */
import { fork } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChildJob, ChildReport } from "./child.js";

export interface Measured {
  /** From fork to exit, as `time` would show it. */
  wallMs: number;
  report: ChildReport;
  stderrTail: string;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof for profiling. */
  execArgv?: string[];
  timeoutMs?: number;
  /** Where the child's stdout goes (V8 writes --trace-gc there); default nowhere. */
  stdoutFile?: string;
}

const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
const TAIL = 8000;

export function runChild(job: ChildJob, options: SpawnOptions): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const out = options.stdoutFile === undefined ? "ignore" : openSync(options.stdoutFile, "w");
    const started = performance.now();
    const child = fork(CHILD, [JSON.stringify(job)], {
      env: options.env,
      execArgv: options.execArgv ?? [],
      stdio: ["ignore", out, "pipe", "ipc"],
    });
    if (typeof out === "number") closeSync(out);
    let report: ChildReport | undefined;
    let stderrTail = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-TAIL);
    });
    child.on("message", (m) => {
      report = m as ChildReport;
    });
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bench child ${describe(job)} did not finish within ${timeoutMs} ms\n${stderrTail}`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (!report) {
        reject(
          new Error(
            `bench child ${describe(job)} exited (${signal ?? code}) without a report:\n${stderrTail}`,
          ),
        );
        return;
      }
      resolve({ wallMs, report, stderrTail });
    });
  });
}

export function describe(job: ChildJob): string {
  return job.kind === "cli" ? `dialwindow ${job.args.join(" ")}` : "naive tutorial loop";
}
