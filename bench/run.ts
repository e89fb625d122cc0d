/**
 * `npm run bench`: what validate, plan and apply cost on a fleet of N campaigns, against the
 * naive approach of the original tutorial, on one simulator in one run. Prints one Markdown
 * table and the issue's targets (PASS/FAIL), and writes them to docs/benchmarks.md.
 * `--help` lists the flags; docs/benchmarks.md explains every column.
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { arch, cpus, platform, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type Simulator,
  startSimulator,
} from "../src/simulator/index.js";
import { packageRoot } from "../src/util/paths.js";
import type { ChildJob } from "./child.js";
import { renderDocument } from "./docs.js";
import { type BenchReceiver, startReceiver } from "./receiver.js";
import {
  BUSY,
  type Context,
  checkTargets,
  type Operation,
  type RequestCounts,
  type Row,
  renderHeader,
  renderTable,
  renderTargets,
  type Sample,
  summarise,
} from "./report.js";
import { runChild } from "./spawn.js";
import { buildWorld, commitCount, GIT_ENV, git, resetLive, type World } from "./world.js";

const WEBHOOK_SECRET_ENV = "WFM_WEBHOOK_SECRET";
const AUDIT_BRANCH = "dialwindow-audit";

interface Options {
  ns: number[];
  drift: number;
  pageSize: number;
  /** Runs per configuration; undefined: 3, and 2 above 10,000 campaigns. */
  runs: number | undefined;
  naiveMax: number;
  at: string;
  seed: number;
  out: string | undefined;
  profileDir: string | undefined;
  gcDir: string | undefined;
  keep: boolean;
}

function runsFor(o: Options, n: number): number {
  return o.runs ?? (n > 10_000 ? 2 : 3);
}

const HELP = `npm run bench [-- flags]

  --n LIST          campaign counts, comma-separated (default 100,1000,10000,50000; 10k allowed)
  --drift X         fraction of campaigns drifted in CXone (default 0.01)
  --page-size N     list endpoint page size, cxone.pageSize (default 100, at most 1000)
  --runs N          runs per configuration; medians are reported (default 3; 2 above 10,000)
  --quick           N = 100,1000 and 1 run; prints only
  --naive-max N     largest N for the naive loop, the no-list-endpoint plan and the second
                    apply (default 10000)
  --at ISO          the instant validate, plan and apply evaluate at (default 2026-12-21T15:00:00Z)
  --seed N          generator seed (default 6)
  --out FILE        write the report here (default docs/benchmarks.md for the default set)
  --no-write        print only
  --profile DIR     write a .cpuprofile per dialwindow command into DIR
  --trace-gc DIR    run dialwindow commands with --trace-gc, one log per command in DIR
  --keep            keep the temporary repositories and state directories
`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string" },
      drift: { type: "string", default: "0.01" },
      "page-size": { type: "string", default: "100" },
      runs: { type: "string" },
      quick: { type: "boolean", default: false },
      "naive-max": { type: "string", default: "10000" },
      at: { type: "string", default: "2026-12-21T15:00:00Z" },
      seed: { type: "string", default: "6" },
      out: { type: "string" },
      "no-write": { type: "boolean", default: false },
      profile: { type: "string" },
      "trace-gc": { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const count = (text: string, what: string): number => {
    const m = /^(\d+(?:\.\d+)?)(k?)$/i.exec(text.trim().replaceAll("_", ""));
    const n = m ? Math.round(Number(m[1]) * (m[2] ? 1000 : 1)) : Number.NaN;
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${what}: ${JSON.stringify(text)} is not a positive count`);
    return n;
  };
  const custom = values.n !== undefined || values.quick;
  const ns = values.n
    ? values.n.split(",").map((t) => count(t, "--n"))
    : values.quick
      ? [100, 1000]
      : [100, 1000, 10_000, 50_000];
  const drift = Number(values.drift);
  if (!(drift >= 0 && drift <= 1)) throw new Error(`--drift must be between 0 and 1, got ${values.drift}`);
  const pageSize = count(values["page-size"], "--page-size");
  if (pageSize > 1000) throw new Error("--page-size is at most 1000 (cxone.pageSize's limit)");
  const runs = values.runs !== undefined ? count(values.runs, "--runs") : values.quick ? 1 : undefined;
  const defaultOut = custom ? undefined : join(packageRoot(), "docs", "benchmarks.md");
  return {
    ns: [...new Set(ns)].sort((a, b) => a - b),
    drift,
    pageSize,
    runs,
    naiveMax: count(values["naive-max"], "--naive-max"),
    at: values.at,
    seed: count(values.seed, "--seed"),
    out: values["no-write"] ? undefined : values.out ? resolve(values.out) : defaultOut,
    profileDir: values.profile ? resolve(values.profile) : undefined,
    gcDir: values["trace-gc"] ? resolve(values["trace-gc"]) : undefined,
    keep: values.keep,
  };
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

interface Harness {
  o: Options;
  root: string;
  sim: Simulator;
  receiver: BenchReceiver;
  env: Record<string, string>;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const revision = await revisionOf(packageRoot());
  const busyAtStart = await busyShare();
  const cpuAtStart = cpuTimes();
  if (busyAtStart > BUSY) {
    log(
      `Note: ${Math.round(busyAtStart * 100)}% of the CPUs were busy with other work; that will inflate the times.`,
    );
  }
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), "dialwindow-bench-"));
  const receiver = await startReceiver();
  const sim = await startSimulator({
    rpm: Number.POSITIVE_INFINITY,
    listEndpoint: true,
    maxPageSize: 1000,
    // Counts by kind survive the cap; the entries themselves are not needed.
    requestLogLimit: 1000,
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? root,
    TMPDIR: tmpdir(),
    CXONE_API_URL: sim.apiUrl,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    [WEBHOOK_SECRET_ENV]: receiver.secret,
    DIALWINDOW_LOG_LEVEL: "error",
    ...GIT_ENV,
  };
  const h: Harness = { o, root, sim, receiver, env };
  const rows: Row[] = [];
  const drifted = new Map<number, number>();
  const interrupt = () => {
    log("interrupted; cleaning up");
    void cleanup(h).finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    if (o.profileDir) await mkdir(o.profileDir, { recursive: true });
    if (o.gcDir) await mkdir(o.gcDir, { recursive: true });
    for (const n of o.ns) {
      log(`N = ${n}: generating the repository and the live campaigns...`);
      const world = await buildWorld({
        root,
        n,
        drift: o.drift,
        pageSize: o.pageSize,
        at: o.at,
        seed: o.seed,
        webhookUrl: receiver.signedUrl,
        webhookSecretEnv: WEBHOOK_SECRET_ENV,
      });
      drifted.set(n, world.drifts.size);
      log(`N = ${n}: ready in ${world.setupSeconds.toFixed(1)} s (${world.drifts.size} drifted)`);
      rows.push(...(await measureWorld(h, world)));
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await cleanup(h);
  }

  const summaries = rows.map(summarise);
  const context: Context = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() || "unknown CPU",
    node: process.version,
    platform: `${platform()} ${arch()}`,
    ns: o.ns,
    drift: o.drift,
    drifted,
    pageSize: o.pageSize,
    runs: new Map(o.ns.map((n) => [n, runsFor(o, n)])),
    at: o.at,
    revision,
    busyAtStart,
    busyDuring: otherWorkShare(cpuAtStart, cpuTimes()),
    seed: o.seed,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  };
  const header = renderHeader(context);
  const table = renderTable(summaries);
  const targets = renderTargets(checkTargets(summaries, context));
  process.stdout.write(`## dialwindow benchmark\n\n${header}\n\n${table}\n\n### Targets\n\n${targets}\n\n`);
  if (o.out) {
    await mkdir(resolve(o.out, ".."), { recursive: true });
    await writeFile(o.out, renderDocument(context, header, table, targets));
    log(`Wrote ${relative(process.cwd(), o.out) || o.out}.`);
  } else {
    log("Not written to a file (custom N, --quick or --no-write); pass --out FILE to write it.");
  }
  log(`Done in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  // A FAIL is a finding about dialwindow; a command that exited unexpectedly means the
  // benchmark itself did not measure what it says.
  if (summaries.some((s) => s.unexpectedExits.length > 0)) process.exitCode = 1;
}

interface CpuTimes {
  /** Milliseconds all CPUs spent busy, and in total, since boot. */
  busy: number;
  total: number;
  /** Milliseconds of CPU used by this process and its reaped children; undefined off Linux. */
  own: number | undefined;
}

function cpuTimes(): CpuTimes {
  const all = cpus().reduce(
    (acc, c) => {
      const t = c.times;
      acc.busy += t.user + t.nice + t.sys + t.irq;
      acc.total += t.user + t.nice + t.sys + t.irq + t.idle;
      return acc;
    },
    { busy: 0, total: 0 },
  );
  let own: number | undefined;
  try {
    // utime, stime, cutime, cstime: fields 14-17, in clock ticks (100 per second on Linux).
    const fields = readFileSync("/proc/self/stat", "utf8")
      .replace(/^.*\) /, "")
      .split(" ");
    own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
  } catch {
    own = undefined;
  }
  return { ...all, own };
}

/** The share of all CPUs busy with work other than the benchmark's between two samples. */
function otherWorkShare(a: CpuTimes, b: CpuTimes): number | undefined {
  if (a.own === undefined || b.own === undefined || b.total <= a.total) return undefined;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / (b.total - a.total));
}

/** The share of all CPUs busy over one second, while this process waits. */
async function busyShare(): Promise<number> {
  const a = cpuTimes();
  await sleep(1000);
  const b = cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** The benchmarked code's commit, "-dirty" when src/ had uncommitted changes. */
async function revisionOf(dir: string): Promise<string> {
  try {
    const head = await git(dir, "rev-parse", "--short=12", "HEAD");
    const dirty = (await git(dir, "status", "--porcelain", "--", "src", "package.json")) !== "";
    return dirty ? `${head}-dirty` : head;
  } catch {
    return "unknown (not a git checkout)";
  }
}

async function cleanup(h: Harness): Promise<void> {
  await h.sim.close().catch(() => undefined);
  await h.receiver.close().catch(() => undefined);
  if (h.o.keep) log(`Kept ${h.root}`);
  else await rm(h.root, { recursive: true, force: true });
}

async function measureWorld(h: Harness, world: World): Promise<Row[]> {
  const { o, sim, receiver } = h;
  const rows = new Map<Operation, Row>();
  const add = (op: Operation, sample: Sample) => {
    let row = rows.get(op);
    if (!row) {
      row = { n: world.n, op, samples: [] };
      rows.set(op, row);
    }
    row.samples.push(sample);
  };
  const base = ["--dir", world.dir, "--at", o.at];
  const planExit = world.drifts.size > 0 ? 2 : 0;
  const withNaive = world.n <= o.naiveMax;

  const runs = runsFor(o, world.n);
  for (let run = 1; run <= runs; run++) {
    const tag = `N = ${world.n} run ${run}/${runs}`;
    const stateDir = join(h.root, `state-${world.n}-${run}`);
    resetLive(sim, world);

    add("validate", await cli(h, "validate", world, run, ["validate", ...base], 0));
    add("plan", await cli(h, "plan", world, run, ["plan", ...base], planExit));
    add("apply", await cli(h, "apply", world, run, ["apply", ...base, "--state-dir", stateDir], 0));

    // Above --naive-max only what the growth row needs runs, to keep the default set short.
    if (withNaive) {
      add(
        "apply-again",
        await cli(h, "apply-again", world, run, ["apply", ...base, "--state-dir", stateDir], 0),
      );

      resetLive(sim, world);
      const auditDir = join(h.root, `naive-audit-${world.n}-${run}`);
      await mkdir(auditDir, { recursive: true });
      const job: ChildJob = {
        kind: "naive",
        inputFile: world.naiveInput,
        webhookUrl: receiver.naiveUrl,
        today: o.at.slice(0, 10),
        maxBlocks: 50,
        auditDir,
      };
      add("naive", await measure(h, job, world, 0));

      resetLive(sim, world);
      sim.configure({ listEndpoint: false });
      try {
        add("plan-no-list", await cli(h, "plan-no-list", world, run, ["plan", ...base], planExit));
      } finally {
        sim.configure({ listEndpoint: true });
      }
    }
    const line = [...rows.values()]
      .map((r) => {
        const s = r.samples[r.samples.length - 1] as Sample;
        return `${r.op} ${(s.wallMs / 1000).toFixed(2)} s ${Math.round(s.rssMb)} MB`;
      })
      .join(", ");
    log(`${tag}: ${line}`);
  }
  return [...rows.values()];
}

function cli(
  h: Harness,
  op: Operation,
  world: World,
  run: number,
  args: string[],
  expectedCode: number,
): Promise<Sample> {
  const name = `${op}-${world.n}-${run}`;
  const execArgv = h.o.profileDir
    ? ["--cpu-prof", "--cpu-prof-dir", h.o.profileDir, "--cpu-prof-name", `${name}.cpuprofile`]
    : [];
  if (h.o.gcDir) execArgv.push("--trace-gc");
  const stdoutFile = h.o.gcDir ? join(h.o.gcDir, `${name}.gc.log`) : undefined;
  return measure(h, { kind: "cli", args }, world, expectedCode, execArgv, stdoutFile);
}

async function measure(
  h: Harness,
  job: ChildJob,
  world: World,
  expectedCode: number,
  execArgv: string[] = [],
  stdoutFile?: string,
): Promise<Sample> {
  const { sim, receiver } = h;
  const sendsRequests = !(job.kind === "cli" && job.args[0] === "validate");
  sim.clearRequests();
  const webhooksBefore = receiver.counts();
  const auditBefore = await commitCount(world.origin, AUDIT_BRANCH);
  const m = await runChild(job, { env: h.env, execArgv, ...(stdoutFile ? { stdoutFile } : {}) });
  const counts = sim.requestCounts();
  const webhooksAfter = receiver.counts();
  const auditAfter = await commitCount(world.origin, AUDIT_BRANCH);
  if (m.report.code !== expectedCode) {
    log(
      `unexpected exit ${m.report.code} (expected ${expectedCode}) from ${job.kind === "cli" ? `dialwindow ${job.args.join(" ")}` : "the naive loop"}:\n${m.report.stdoutTail.slice(-1500)}\n${m.stderrTail.slice(-1500)}`,
    );
  }
  const sample: Sample = {
    wallMs: m.wallMs,
    opMs: m.report.opMs,
    rssMb: m.report.maxRssKb / 1024,
    code: m.report.code,
    expectedCode,
  };
  if (sendsRequests) {
    const requests: RequestCounts = {
      token: counts.token,
      list: counts.list,
      get: counts.get,
      patch: counts.patch,
      other: counts.other,
    };
    sample.requests = requests;
    const naive = job.kind === "naive";
    sample.webhooks = naive
      ? webhooksAfter.naive - webhooksBefore.naive
      : webhooksAfter.verified - webhooksBefore.verified;
    sample.rejectedWebhooks = webhooksAfter.rejected - webhooksBefore.rejected;
    if (!naive) sample.auditCommits = auditAfter - auditBefore;
  }
  return sample;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
