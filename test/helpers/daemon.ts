/** The real reconcile daemon as a child process, with its JSON log lines parsed. */
import { type RunningBinary, spawnBinary, waitFor } from "./cli.js";

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
    async metric(name, labels = {}) {
      const text = await (await fetch(`${daemon.url}/metrics`)).text();
      let total = 0;
      for (const line of text.split("\n")) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
          total += Number(line.split(" ").pop());
      }
      return total;
    },
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
