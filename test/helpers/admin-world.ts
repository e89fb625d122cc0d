/**
 * A setting for cxone-admin tests: a desired-state repository whose campaigns name PC skills
 * (metadata.skillId) in their own zones, the cxone-admin simulator on port 0 with those skills
 * in sync (their windows translated into the business unit's zone, Mountain Standard Time =
 * America/Denver, unless told otherwise) plus a non-PC skill that must be left alone, and the
 * environment that connects them. Everything on 127.0.0.1, torn down when the file ends.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after } from "node:test";
import { DateTime } from "luxon";
import { effectiveSchedule } from "../../src/desired/effective.js";
import type { Schedule } from "../../src/desired/schedule.js";
import { validateDesiredState } from "../../src/desired/validate.js";
import { ADMIN_DAYS, flatSettings, settingsFor } from "../../src/live/admin-wire.js";
import {
  type AdminSimulator,
  type AdminSimulatorOptions,
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type ScheduleSettings,
  startAdminSimulator,
} from "../../src/simulator/index.js";
import { tempDir, writeTree } from "./fs.js";

export const SKILL_NY = "4100001";
export const SKILL_CHI = "4100002";
export const SKILL_LA = "4100003";
/** An inbound skill: not Personal Connection, never to be touched. */
export const SKILL_INBOUND = "4100900";
export const DENVER = "America/Denver";

export interface AdminWorld {
  dir: string;
  sim: AdminSimulator;
  env: Record<string, string>;
  at: DateTime;
  /** The schedule each skill should hold at `at`, in the schedule zone, by skill id. */
  desired: Map<string, Schedule>;
}

export interface AdminWorldOptions {
  at?: string;
  /** cxone.scheduleTimezone in dialwindow.yaml (default: none, the business unit's zone). */
  scheduleTimezone?: string;
  /** Extra lines under `cxone:` in dialwindow.yaml. */
  cxoneExtra?: string;
  sim?: AdminSimulatorOptions;
  /** Campaign files to write instead of the three defaults (path -> text). */
  campaigns?: Record<string, string>;
}

export function campaignYaml(name: string, skillId: string, zone: string, hours: string): string {
  return [
    "apiVersion: dialwindow/v1",
    "kind: CampaignSchedule",
    "metadata:",
    `  name: ${name}`,
    `  skillId: "${skillId}"`,
    "spec:",
    `  timezone: ${zone}`,
    "  dialingHours:",
    hours,
    "",
  ].join("\n");
}

export const DEFAULT_CAMPAIGNS: Record<string, string> = {
  "campaigns/east.yaml": campaignYaml(
    "east-collections",
    SKILL_NY,
    "America/New_York",
    '    - { days: [MON, TUE, WED, THU, FRI], start: "09:00", end: "17:00" }',
  ),
  "campaigns/central.yaml": campaignYaml(
    "central-renewals",
    SKILL_CHI,
    "America/Chicago",
    '    - { days: [MON, TUE, WED, THU, FRI], start: "08:30", end: "16:00" }\n    - { days: [SAT], start: "10:00", end: "14:00" }',
  ),
  "campaigns/west.yaml": campaignYaml(
    "west-winback",
    SKILL_LA,
    "America/Los_Angeles",
    '    - { days: [MON, WED, FRI], start: "10:00", end: "18:00" }',
  ),
};

/** Schedule-settings holding a canonical schedule (inactive days 08:00-21:00, as a new skill has). */
export function settingsOf(schedule: Schedule): ScheduleSettings {
  const blank = {
    isScheduled: false,
    days: Object.fromEntries(ADMIN_DAYS.map(([d]) => [d, { start: "08:00", end: "21:00", active: false }])),
  } as Parameters<typeof settingsFor>[1];
  return flatSettings(settingsFor(schedule, blank)) as unknown as ScheduleSettings;
}

export async function makeAdminWorld(options: AdminWorldOptions = {}): Promise<AdminWorld> {
  const at = DateTime.fromISO(options.at ?? "2026-12-01T15:00:00Z", { setZone: true });
  const dir = await tempDir("dw-admin-");
  const config = [
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: cxone-admin",
    ...(options.scheduleTimezone ? [`  scheduleTimezone: ${options.scheduleTimezone}`] : []),
    ...(options.cxoneExtra ? [options.cxoneExtra] : []),
    "audit:",
    "  push: false",
    "",
  ].join("\n");
  await writeTree(dir, { "dialwindow.yaml": config, ...(options.campaigns ?? DEFAULT_CAMPAIGNS) });
  const result = await validateDesiredState(dir, { at });
  const sim = await startAdminSimulator({ rpm: Number.POSITIVE_INFINITY, ...options.sim });
  after(() => sim.close());
  const zone = options.scheduleTimezone ?? DENVER;
  const desired = new Map<string, Schedule>();
  if (result.valid) {
    for (const c of result.campaigns) desired.set(c.campaignId, effectiveSchedule(c, at, zone));
  }
  sim.upsertSkills([
    ...[...desired].map(([id, schedule]) => ({
      skillId: id,
      skillName: `PC ${id}`,
      scheduleSettings: settingsOf(schedule),
    })),
    { skillId: SKILL_INBOUND, skillName: "Inbound support", outboundStrategy: null, isOutbound: false },
  ]);
  const env: Record<string, string> = {
    CXONE_ISSUER: sim.issuerUrl,
    CXONE_ACCESS_KEY_ID: DEMO_ACCESS_KEY_ID,
    CXONE_ACCESS_KEY_SECRET: DEMO_ACCESS_KEY_SECRET,
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.invalid",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.invalid",
  };
  return { dir, sim, env, at, desired };
}

/** Someone switches a skill's Tuesday off in the CXone UI. */
export function driftSkill(world: AdminWorld, skillId: string): void {
  world.sim.editScheduleSettings(skillId, { tuesdayIsActive: false });
}

export async function writeConfig(world: AdminWorld, text: string): Promise<void> {
  await writeFile(join(world.dir, "dialwindow.yaml"), text);
}

/** A New York campaign calling New York and Los Angeles, legal in both (11:00-17:00 ET is 08:00-14:00 PT). */
export function coastToCoast(extra: string[] = []): string {
  return [
    campaignYaml(
      "coast-to-coast",
      SKILL_NY,
      "America/New_York",
      '    - { days: [MON, TUE, WED, THU, FRI], start: "11:00", end: "17:00" }',
    ).trimEnd(),
    "  recipients:",
    "    timezones: [America/New_York, America/Los_Angeles]",
    ...extra,
    "",
  ].join("\n");
}
