/**
 * One benchmark setting for one N: the generated repository as a git checkout whose origin is
 * a bare repository (so apply's audit commits are real pushes), the live campaigns to seed the
 * simulator with (in sync, computed by dialwindow's own effective-schedule code at --at), the
 * drifted subset, and the naive loop's input.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { DateTime } from "luxon";
import { effectiveSchedule } from "../src/desired/effective.js";
import type { Schedule } from "../src/desired/schedule.js";
import { validateDesiredState } from "../src/desired/validate.js";
import type { CampaignSeed, Simulator } from "../src/simulator/index.js";
import { generateRepo } from "./generate.js";
import type { NaiveCampaign } from "./naive.js";
import { Random } from "./random.js";

const run = promisify(execFile);

export const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "dialwindow bench",
  GIT_AUTHOR_EMAIL: "bench@example.invalid",
  GIT_COMMITTER_NAME: "dialwindow bench",
  GIT_COMMITTER_EMAIL: "bench@example.invalid",
};

export interface WorldOptions {
  root: string;
  n: number;
  drift: number;
  pageSize: number;
  at: string;
  seed: number;
  webhookUrl: string;
  webhookSecretEnv: string;
}

export interface World {
  n: number;
  dir: string;
  origin: string;
  seeds: CampaignSeed[];
  /** Drifted live schedules, by campaign id. */
  drifts: Map<string, Schedule>;
  naiveInput: string;
  /** Seconds spent generating, committing and validating (not part of any measurement). */
  setupSeconds: number;
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", cwd, ...args], {
    env: { ...process.env, ...GIT_ENV },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Commits on `branch` of the bare repository (0 before the first audit commit). */
export async function commitCount(origin: string, branch: string): Promise<number> {
  try {
    return Number(await git(origin, "rev-list", "--count", `refs/heads/${branch}`));
  } catch {
    return 0;
  }
}

export async function buildWorld(o: WorldOptions): Promise<World> {
  const t0 = performance.now();
  const dir = join(o.root, `repo-${o.n}`);
  const origin = join(o.root, `origin-${o.n}.git`);
  const generated = await generateRepo(dir, {
    n: o.n,
    seed: o.seed,
    pageSize: o.pageSize,
    webhookUrl: o.webhookUrl,
    webhookSecretEnv: o.webhookSecretEnv,
  });

  await run("git", ["init", "-q", "--bare", "-b", "main", origin], { env: { ...process.env, ...GIT_ENV } });
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "add", "-A");
  await git(dir, "commit", "-qm", `desired state: ${o.n} campaigns`);
  await git(dir, "remote", "add", "origin", origin);
  await git(dir, "push", "-q", "origin", "main");

  // The live side starts in sync: what dialwindow itself says CXone should hold at --at. The
  // same validation also proves the generated repository is clean.
  const at = DateTime.fromISO(o.at, { setZone: true });
  const result = await validateDesiredState(dir, { at });
  if (result.findings.length > 0 || result.campaigns.length !== o.n) {
    const shown = result.findings
      .slice(0, 5)
      .map((f) => `${f.file}:${f.line}:${f.col} ${f.code} ${f.message}`)
      .join("\n");
    throw new Error(
      `the generated repository is not clean (${result.findings.length} findings, ${result.campaigns.length}/${o.n} campaigns valid):\n${shown}`,
    );
  }
  const byId = new Map(result.campaigns.map((c) => [c.campaignId, c]));
  const seeds: CampaignSeed[] = [];
  const naive: NaiveCampaign[] = [];
  for (const g of generated.campaigns) {
    const c = byId.get(g.id);
    if (!c) throw new Error(`campaign ${g.id} missing after validation`);
    const schedule = effectiveSchedule(c, at);
    seeds.push({ id: g.id, name: g.name, schedule });
    naive.push({ id: g.id, schedule, holidays: g.holidays });
  }

  const random = new Random(o.seed ^ 0x5eed);
  const driftCount = Math.round(o.n * o.drift);
  const drifts = new Map<string, Schedule>();
  for (const i of random.sample(o.n, driftCount)) {
    const seed = seeds[i] as CampaignSeed;
    drifts.set(seed.id, driftByHand(random, seed.schedule));
  }

  const naiveInput = join(o.root, `naive-${o.n}.json`);
  await writeFile(naiveInput, JSON.stringify(naive));
  return {
    n: o.n,
    dir,
    origin,
    seeds,
    drifts,
    naiveInput,
    setupSeconds: (performance.now() - t0) / 1000,
  };
}

/** Puts the simulator back to: every campaign in sync (fresh ETags), then the drifted ones edited. */
export function resetLive(sim: Simulator, world: World): void {
  sim.replaceCampaigns(world.seeds);
  for (const [id, schedule] of world.drifts) sim.editSchedule(id, schedule);
}

/**
 * What a person does in the CXone UI: closes a day, ends a window half an hour early, or
 * changes the pause conditions. Each is a real difference after normalisation.
 */
function driftByHand(random: Random, schedule: Schedule): Schedule {
  const hours = schedule.dialingHours;
  const kind = hours.length === 0 ? "pause" : random.pick(["close-day", "end-early", "pause"] as const);
  if (kind === "close-day") {
    const day = random.pick(hours).day;
    return { ...schedule, dialingHours: hours.filter((h) => h.day !== day) };
  }
  if (kind === "end-early") {
    const k = random.int(0, hours.length - 1);
    const h = hours[k] as (typeof hours)[number];
    const [hh, mm] = h.endTime.split(":").map(Number) as [number, number];
    const end = hh * 60 + mm - 30;
    const endTime = `${String(Math.floor(end / 60)).padStart(2, "0")}:${String(end % 60).padStart(2, "0")}`;
    if (endTime > h.startTime) {
      return { ...schedule, dialingHours: hours.map((x, j) => (j === k ? { ...x, endTime } : x)) };
    }
  }
  const pause = schedule.pauseConditions as string[];
  const pauseConditions = pause.includes("DISCONNECTED")
    ? pause.filter((p) => p !== "DISCONNECTED")
    : [...pause, "DISCONNECTED"];
  return { ...schedule, pauseConditions } as Schedule;
}
