/**
 * One measured operation in a process of its own, so its peak RSS is the operation's alone.
 * The parent forks this file with a job as JSON in argv[2]; it runs the job, then sends one
 * ChildReport over IPC. `cli` runs dialwindow exactly as bin.ts does (same runCli, same
 * process-backed io, stdout counted instead of printed); `naive` runs the tutorial's loop.
 * Modules are imported only for the job at hand, so the naive loop's RSS does not include
 * dialwindow's.
 */
import { readFile } from "node:fs/promises";

export type ChildJob =
  | { kind: "cli"; args: string[] }
  | {
      kind: "naive";
      inputFile: string;
      webhookUrl: string;
      today: string;
      maxBlocks: number;
      auditDir: string;
    };

export interface ChildReport {
  code: number;
  /** From process start to the operation's start: node boot and module loading. */
  startupMs: number;
  /** The operation itself (runCli, or the naive loop). */
  opMs: number;
  /** Peak resident set size, in kilobytes (process.resourceUsage().maxRSS). */
  maxRssKb: number;
  stdoutBytes: number;
  /** The end of stdout, for diagnosing an unexpected exit code (the parent keeps stderr's). */
  stdoutTail: string;
  naive?: { succeeded: number; failed: number };
}

const TAIL = 4000;

function keepTail(current: string, more: string): string {
  const joined = current + more;
  return joined.length > TAIL ? joined.slice(-TAIL) : joined;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "null") as ChildJob;
  let stdoutBytes = 0;
  let stdoutTail = "";
  const stdout = (text: string) => {
    stdoutBytes += Buffer.byteLength(text);
    stdoutTail = keepTail(stdoutTail, text);
  };
  const stderr = (text: string) => {
    process.stderr.write(text);
  };

  let code: number;
  let naive: ChildReport["naive"];
  let started: number;
  if (job.kind === "cli") {
    const [{ processIo }, { runCli }] = await Promise.all([
      import("../src/cli/io.js"),
      import("../src/cli/main.js"),
    ]);
    const io = { ...processIo(), stdout, stderr };
    started = performance.now();
    code = await runCli(job.args, io);
  } else {
    const { runNaive } = await import("./naive.js");
    const campaigns = JSON.parse(await readFile(job.inputFile, "utf8"));
    const env = process.env;
    started = performance.now();
    naive = await runNaive(campaigns, {
      apiUrl: env.CXONE_API_URL ?? "",
      tokenUrl: env.CXONE_TOKEN_URL ?? "",
      clientId: env.CXONE_CLIENT_ID ?? "",
      clientSecret: env.CXONE_CLIENT_SECRET ?? "",
      webhookUrl: job.webhookUrl,
      today: job.today,
      maxBlocks: job.maxBlocks,
      auditDir: job.auditDir,
      log: (line) => stderr(`${line}\n`),
    });
    code = naive.failed > 0 ? 1 : 0;
  }
  const opMs = performance.now() - started;
  const report: ChildReport = {
    code,
    startupMs: started,
    opMs,
    maxRssKb: process.resourceUsage().maxRSS,
    stdoutBytes,
    stdoutTail,
    ...(naive ? { naive } : {}),
  };
  process.send?.(report, () => process.disconnect());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench child failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
  process.exitCode = 70;
});
