/**
 * A complete, isolated setting for CLI-level tests: a copy of the example desired state (its
 * webhook pointed at a local receiver, optionally a git checkout with a bare origin), the CXone
 * simulator on port 0 seeded in sync with it, and the environment that connects them.
 * Everything is on 127.0.0.1 and is torn down when the test file ends.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after } from "node:test";
import { promisify } from "node:util";
import { DateTime } from "luxon";
import { effectiveSchedule } from "../../src/desired/effective.js";
import type { Schedule } from "../../src/desired/schedule.js";
import { validateDesiredState } from "../../src/desired/validate.js";
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type Simulator,
  startSimulator,
} from "../../src/simulator/index.js";
import { exampleRepo, tempDir } from "./fs.js";
import { newSecret, type Receiver, startReceiver } from "./receiver.js";

const git = promisify(execFile);

export interface World {
  dir: string;
  sim: Simulator;
  receiver: Receiver;
  secret: string;
  env: Record<string, string>;
  /** The bare remote, when `git: true`. */
  origin?: string;
  /** The desired (effective) wire schedule of each campaign at `at`, by id. */
  desired: Map<string, Schedule>;
  at: DateTime;
}

export interface WorldOptions {
  at?: string;
  /** Make the repo a git checkout with a bare origin (for audit pushes and revisions). */
  git?: boolean;
  /** Simulator options (rpm, listEndpoint, ...). */
  sim?: Parameters<typeof startSimulator>[0];
  /** Remove the webhooks section instead of pointing it at the receiver. */
  noWebhooks?: boolean;
}

export const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
};

export async function gitIn(dir: string, ...args: string[]): Promise<string> {
  return (await git("git", ["-C", dir, ...args], { env: { ...process.env, ...GIT_ENV } })).stdout.trim();
}

export async function makeWorld(options: WorldOptions = {}): Promise<World> {
  const at = DateTime.fromISO(options.at ?? "2026-12-01T15:00:00Z", { setZone: true });
  const dir = await exampleRepo();
  const secret = newSecret();
  const receiver = await startReceiver({ "/wfm": secret });
  after(() => receiver.close());
  const configPath = join(dir, "dialwindow.yaml");
  let config = await readFile(configPath, "utf8");
  config = options.noWebhooks
    ? config.replace(/^webhooks:\n(?: {2}.*\n)+/m, "")
    : config.replace("https://wfm.example.com/api/v1/sync/cxone", receiver.url("/wfm"));
  // The example's Sunday-night deny window would make write tests fail at that hour.
  config = config.replace(/^ {2}syncWindows:\n(?: {4}.*\n)+/m, "  syncWindows: []\n");
  await writeFile(configPath, config);

  const result = await validateDesiredState(dir, { at });
  if (!result.valid) throw new Error(`example repo invalid: ${JSON.stringify(result.findings)}`);
  const desired = new Map(result.campaigns.map((c) => [c.campaignId, effectiveSchedule(c, at)]));
  const sim = await startSimulator({ rpm: Number.POSITIVE_INFINITY, ...options.sim });
  after(() => sim.close());
  sim.upsertCampaigns(
    result.campaigns.map((c) => ({
      id: c.campaignId,
      name: c.name,
      schedule: desired.get(c.campaignId) as Schedule,
    })),
  );

  let origin: string | undefined;
  if (options.git) {
    origin = join(await tempDir("dw-origin-"), "origin.git");
    // One shell for the five git runs: forking the test process is the costly part of each.
    await git(
      "sh",
      [
        "-ec",
        'git init -q --bare "$1"; cd "$2"; git init -q -b main; git add -A; git commit -qm "desired state"; git remote add origin "$1"; git push -q origin main',
        "sh",
        origin,
        dir,
      ],
      { env: { ...process.env, ...GIT_ENV } },
    );
  }
  const env: Record<string, string> = {
    CXONE_API_URL: sim.apiUrl,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    WFM_WEBHOOK_SECRET: secret,
    ...GIT_ENV,
  };
  return { dir, sim, receiver, secret, env, ...(origin ? { origin } : {}), desired, at };
}

/** A person changes a campaign in the CXone UI: drop one weekday's windows. */
export function driftByHand(world: World, campaignId: string, day = "TUE"): void {
  const current = world.sim.getCampaign(campaignId);
  if (!current) throw new Error(`no campaign ${campaignId}`);
  world.sim.editSchedule(campaignId, {
    ...current.schedule,
    dialingHours: current.schedule.dialingHours.filter((h) => h.day !== day),
  });
}

/** CXone answers PATCHes of `campaignId` with a 422 naming `detail` (`times` of them; default all). */
export function rejectWrites(
  world: Pick<World, "sim">,
  campaignId: string,
  detail: string,
  times = Number.POSITIVE_INFINITY,
): void {
  world.sim.injectFault({
    kind: "patch",
    campaignId,
    times,
    fault: {
      type: "status",
      status: 422,
      body: JSON.stringify({ error: "invalid_schedule", details: [detail] }),
    },
  });
}

/** Replaces the reconcile: section of the world's dialwindow.yaml (fast intervals for daemon tests). */
export async function setReconcileConfig(world: World, lines: string[]): Promise<void> {
  const path = join(world.dir, "dialwindow.yaml");
  const text = await readFile(path, "utf8");
  const start = text.indexOf("\nreconcile:\n");
  const head = start === -1 ? text : text.slice(0, start + 1);
  await writeFile(path, `${head}reconcile:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
}

/** Rewrites one file of the world's desired state. */
export async function editFile(world: World, file: string, edit: (text: string) => string): Promise<void> {
  const path = join(world.dir, file);
  await writeFile(path, edit(await readFile(path, "utf8")));
}
