/**
 * The planner: desired state (effective at an instant) against live state, to a list of
 * actions. Pure: live state comes in already read, the instant comes in as a parameter, and
 * nothing here touches the network, the disk or the clock.
 *
 * The plan document is also the saved-plan file (`plan --out`), and `plan --format json`
 * prints it, sealed with its digest (saved-plan.ts): it is versioned and stable. Fields are
 * added within a format version, never renamed or removed; a rename is a new format version
 * (version 2 renamed the tutorial-only ETag field of each change to `version`, and added
 * `profile`). A campaign's `curfews` part (its recipient time-zone boundings, for campaigns with
 * `curfews: managed`) was added within version 2: a plan without managed curfews is exactly what
 * it was, and a reader that does not know the field still reads every other one right.
 */
import type { DateTime } from "luxon";
import {
  type CurfewDiffEntry,
  type Curfews,
  curfewsOf,
  diffCurfews,
  normalizeCurfews,
} from "../desired/curfews.js";
import {
  effectiveSchedule,
  type Transition,
  upcomingTransitions,
  WindowTranslationError,
} from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import { normalizeSchedule, type Schedule } from "../desired/schedule.js";
import { Locator } from "../desired/source.js";
import type { ConfigFrom } from "../desired/trusted-config.js";
import { CAPABILITIES, type Capabilities, type ProfileName } from "../live/capabilities.js";
import type { LiveCampaign } from "../live/port.js";
import {
  type Attribution,
  attributeCurfews,
  attributeUpdate,
  type Cause,
  combineAttributions,
} from "./cause.js";
import { type DiffEntry, diffSchedules } from "./diff.js";

export const PLAN_FORMAT_VERSION = 2;

/** What the plan is made for: the profile's capabilities and, where it has one, the schedule zone. */
export interface PlanTarget {
  capabilities: Capabilities;
  /** The zone CXone reads every schedule in (cxone-admin); absent when each carries its own. */
  scheduleZone?: string;
  /** The business unit's recipient zones, when some campaign manages its curfews. */
  curfewZones?: { businessUnit: string; zones: readonly string[] };
}

export const TUTORIAL_TARGET: PlanTarget = { capabilities: CAPABILITIES.tutorial };

export type Action = "update" | "noop" | "error";

/** The second part of a campaign with `curfews: managed`: its recipient time-zone boundings. */
export interface PlannedCurfews {
  /** The live boundings' version: what their write expects to find. */
  version: string;
  /** Live active boundings, normalised (every zone not listed is inactive). */
  before: Curfews;
  /** The boundings the law gives, normalised. */
  after: Curfews;
  diff: CurfewDiffEntry[];
  /** When they differ: why, as for the schedule. */
  cause?: Cause;
  because?: string;
}

export interface PlannedChange {
  campaignId: string;
  name: string;
  file: string;
  action: Action;
  /** The version the live schedule was read at: what the write expects to find. */
  version: string | null;
  /** Live schedule, normalised; null when it could not be read. */
  before: Schedule | null;
  /** Desired schedule effective at the plan's instant, normalised. */
  after: Schedule;
  diff: DiffEntry[];
  /**
   * Campaigns with `curfews: managed` only: the boundings part. The campaign is an update when
   * either part differs; each part is written only when it differs.
   */
  curfews?: PlannedCurfews;
  error?: string;
  /** Updates only: why (the revision, an edit in CXone, a transition); see cause.ts. */
  cause?: Cause;
  because?: string;
}

export interface UnmanagedCampaign {
  campaignId: string;
  name: string | undefined;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  /** The CXone API profile the plan was made against: its versions mean nothing to another. */
  profile: ProfileName;
  /** The zone the schedules are written in, for profiles with one zone per tenant. */
  scheduleZone?: string;
  /** The instant the desired state was evaluated at (ISO-8601). */
  at: string;
  /** Git revision of the desired state, null outside git; "-dirty" when it had uncommitted changes. */
  revision: string | null;
  summary: { update: number; noop: number; error: number };
  changes: PlannedChange[];
  /** Upcoming changes of the effective schedule, in time order. */
  transitions: Transition[];
  /** Live campaigns no file manages (only with --show-unmanaged). */
  unmanaged?: UnmanagedCampaign[];
  /** With --config-from: where dialwindow.yaml's cxone, webhooks and audit came from. */
  configFrom?: ConfigFrom;
}

export interface PlanInput {
  campaigns: readonly CampaignSchedule[];
  live: ReadonlyMap<string, LiveCampaign>;
  /** Campaigns whose own read failed. */
  problems: ReadonlyMap<string, Error>;
  at: DateTime;
  revision: string | null;
  /** How far ahead to list transitions, in days; 0 lists none. Default 14. */
  transitionDays?: number;
  /** When set, live campaigns not in `campaigns` are listed as unmanaged. */
  showUnmanaged?: boolean;
  /**
   * The campaigns of the base revision (e.g. the pull request's base branch), by id: updates
   * then say whether this revision asked for them. Without it, only transitions are told apart.
   */
  baseline?: ReadonlyMap<string, CampaignSchedule>;
  /** The profile planned for; default tutorial. */
  target?: PlanTarget;
}

/** One campaign's action: the unit the reconciler plans one at a time. */
export function planCampaign(
  c: CampaignSchedule,
  live: LiveCampaign | undefined,
  problem: Error | undefined,
  at: DateTime,
  target: PlanTarget = TUTORIAL_TARGET,
): PlannedChange {
  const caps = target.capabilities;
  let after: Schedule;
  let untranslatable: string | undefined;
  try {
    after = effectiveSchedule(c, at, target.scheduleZone);
  } catch (err) {
    if (!(err instanceof WindowTranslationError)) throw err;
    // Shown in the campaign's own zone; the error says why it cannot be written.
    after = effectiveSchedule(c, at);
    const pos = new Locator().locate(c.document, err.problem.source);
    untranslatable = `${c.file}:${pos.line}:${pos.col}: ${err.message}`;
  }
  // Keys in the order the README's `plan --format json` lists them: the JSON plan is read by people too.
  const change = (
    action: Action,
    version: string | null,
    before: Schedule | null,
    diff: DiffEntry[],
    error?: string,
    curfews?: PlannedCurfews,
  ): PlannedChange => ({
    campaignId: c.campaignId,
    name: c.name,
    file: c.file,
    action,
    version,
    before,
    after,
    diff,
    ...(curfews === undefined ? {} : { curfews }),
    ...(error === undefined ? {} : { error }),
  });
  if (untranslatable !== undefined) return change("error", null, null, [], untranslatable);
  if (problem) return change("error", null, null, [], `reading it from CXone failed: ${problem.message}`);
  if (!live) {
    return change(
      "error",
      null,
      null,
      [],
      `${caps.noun} ${c.campaignId} does not exist in CXone${caps.idKey === "skillId" ? " (or is not a Personal Connection skill)" : ""}; check metadata.${caps.idKey} in ${c.file}`,
    );
  }
  const before = normalizeSchedule(live.schedule);
  const diff = diffSchedules(before, after);
  let curfews: PlannedCurfews | undefined;
  if (c.curfews && caps.curfews) {
    const planned = planCurfews(c, live, target);
    if (typeof planned === "string") return change("error", null, before, diff, planned);
    curfews = planned;
  }
  if (diff.length === 0) {
    if (curfews === undefined || curfews.diff.length === 0)
      return change("noop", live.version, before, diff, undefined, curfews);
    // Only the boundings differ: the schedule part is not written, so its version may be absent.
    return change("update", live.version, before, diff, undefined, curfews);
  }
  if (!live.version) {
    return change(
      "error",
      null,
      before,
      diff,
      `CXone returned no ${caps.versionName} for this ${caps.noun}, so it cannot be written safely (a write must name the version it replaces); nothing was sent`,
    );
  }
  return change("update", live.version, before, diff, undefined, curfews);
}

/**
 * The boundings part of a managed campaign, or why it cannot be planned: a recipient zone the
 * business unit does not allow (CXone would refuse the PUT), or boundings that were not read.
 */
function planCurfews(c: CampaignSchedule, live: LiveCampaign, target: PlanTarget): PlannedCurfews | string {
  const wanted = c.curfews as NonNullable<CampaignSchedule["curfews"]>;
  const allowed = target.curfewZones;
  if (allowed) {
    const zones = new Set(allowed.zones);
    const missing = wanted.boundings.filter((b) => !zones.has(b.zone));
    if (missing.length > 0) {
      const what = missing
        .map((b) => `recipient zone ${b.recipients.join(", ")} (CXone's ${b.zone})`)
        .join("; ");
      return `${what} ${missing.length === 1 ? "is" : "are"} not one of the time zones of business unit ${allowed.businessUnit}, so CXone cannot bound calls there: add ${missing.length === 1 ? "it" : "them"} to the business unit's time zones in CXone, or remove ${missing.length === 1 ? "it" : "them"} from spec.recipients.timezones in ${c.file}`;
    }
  }
  if (!live.curfews) return `its recipient time-zone boundings were not read from CXone; nothing was sent`;
  const before = normalizeCurfews(live.curfews.curfews);
  const after = curfewsOf(wanted);
  return { version: live.curfews.version, before, after, diff: diffCurfews(before, after) };
}

export function buildPlan(input: PlanInput): Plan {
  const target = input.target ?? TUTORIAL_TARGET;
  const changes = [...input.campaigns]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => {
      const change = planCampaign(
        c,
        input.live.get(c.campaignId),
        input.problems.get(c.campaignId),
        input.at,
        target,
      );
      if (change.action !== "update" || change.before === null) return change;
      const base = input.baseline ? (input.baseline.get(c.campaignId) ?? null) : undefined;
      const parts: Attribution[] = [];
      if (change.diff.length > 0)
        parts.push(attributeUpdate(c, change.before, input.at, base, target.scheduleZone));
      if (change.curfews && change.curfews.diff.length > 0) {
        const why = attributeCurfews(c, base);
        change.curfews = { ...change.curfews, ...why };
        parts.push({ cause: why.cause, because: `curfews: ${why.because}` });
      }
      return { ...change, ...combineAttributions(parts) };
    });
  const days = input.transitionDays ?? 14;
  const transitions = (days > 0 ? input.campaigns : [])
    .flatMap((c) => upcomingTransitions(c, input.at, days, target.scheduleZone))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.name < b.name ? -1 : 1));
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    profile: target.capabilities.profile,
    ...(target.scheduleZone === undefined ? {} : { scheduleZone: target.scheduleZone }),
    at: input.at.toUTC().toISO() as string,
    revision: input.revision,
    summary: {
      update: changes.filter((c) => c.action === "update").length,
      noop: changes.filter((c) => c.action === "noop").length,
      error: changes.filter((c) => c.action === "error").length,
    },
    changes,
    transitions,
  };
  if (input.showUnmanaged) {
    const managed = new Set(input.campaigns.map((c) => c.campaignId));
    plan.unmanaged = [...input.live.values()]
      .filter((l) => !managed.has(l.id))
      .map((l) => ({ campaignId: l.id, name: l.name }))
      .sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
  }
  return plan;
}

/** 0 no changes, 2 changes, 1 any error: plan's exit codes (README, `dialwindow plan`). */
export function planExitCode(plan: Plan): 0 | 1 | 2 {
  if (plan.summary.error > 0) return 1;
  return plan.summary.update > 0 ? 2 : 0;
}
