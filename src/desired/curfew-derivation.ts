/**
 * A managed campaign's curfews, derived from the calling-hours law: one active bounding per
 * recipient zone (spec.recipients.timezones, by CXone's Windows zone id), from the latest start
 * to the earliest end that every applicable hours rule allows, and every other zone inactive.
 * Rules apply to a campaign as they do in validate: rules without regions always, regional rules
 * when spec.recipients.regions names one, and then to all of its recipient zones (with Florida
 * among the regions, 08:00–20:00 everywhere). Zones that share a Windows id get the strictest
 * hours of them. No-call days and dates are not something a bounding can hold; they stay with
 * the check of the windows (policy.ts).
 *
 * Pure: the rules and zone tables come in, nothing is read.
 */
import { windowsZoneOf } from "../live/windows-zones.js";
import { formatTime } from "./civil-date.js";
import type { CurfewPlan, DesiredBounding } from "./curfews.js";
import { windowsOn } from "./effective.js";
import type { CampaignSchedule } from "./model.js";
import { applicableRules, type PolicyRule } from "./policy.js";
import type { ZoneClocks } from "./zone-clock.js";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

export interface CurfewDerivation {
  /** Undefined when no applicable rule limits the hours (nothing to derive from). */
  plan: CurfewPlan | undefined;
  /** Recipient zones CLDR has no Windows zone for: they cannot be named to CXone. */
  unmapped: string[];
  /** Recipient zones whose rules leave no hour at all: left inactive. */
  closed: string[];
}

/** The hours every applicable rule allows, in minutes; undefined when none limits them. */
export function legalHours(
  c: Pick<CampaignSchedule, "regions">,
  rules: readonly PolicyRule[],
): { start: number; end: number } | undefined {
  let hours: { start: number; end: number } | undefined;
  for (const rule of applicableRules(rules, c)) {
    if (!rule.allowed) continue;
    hours = hours
      ? { start: Math.max(hours.start, rule.allowed.start), end: Math.min(hours.end, rule.allowed.end) }
      : { ...rule.allowed };
  }
  return hours;
}

export function deriveCurfews(
  c: Pick<CampaignSchedule, "recipientZones" | "regions">,
  rules: readonly PolicyRule[],
): CurfewDerivation {
  const hours = legalHours(c, rules);
  const unmapped: string[] = [];
  const byZone = new Map<string, { start: number; end: number; recipients: string[] }>();
  for (const zone of new Set(c.recipientZones)) {
    const windows = windowsZoneOf(zone);
    if (windows === undefined) {
      unmapped.push(zone);
      continue;
    }
    if (!hours) continue;
    const merged = byZone.get(windows);
    // Today every rule applies to the campaign as a whole, so zones sharing an id agree; the
    // strictest of them is what stays right if rules ever differ by zone.
    if (merged) {
      merged.start = Math.max(merged.start, hours.start);
      merged.end = Math.min(merged.end, hours.end);
      merged.recipients.push(zone);
    } else {
      byZone.set(windows, { ...hours, recipients: [zone] });
    }
  }
  if (!hours) return { plan: undefined, unmapped, closed: [] };
  const boundings: DesiredBounding[] = [];
  const closed: string[] = [];
  for (const [zone, h] of [...byZone].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (h.start >= h.end) {
      closed.push(...h.recipients);
      continue;
    }
    boundings.push({ zone, start: formatTime(h.start), end: formatTime(h.end), recipients: h.recipients });
  }
  return { plan: { boundings }, unmapped, closed };
}

/**
 * Recipient zones no window of the coming `days` days reaches inside its bounding: the skill
 * would dial nobody there. Stops at the first window that does, so a campaign that dials
 * costs a few conversions per zone.
 */
export function unreachableZones(
  c: CampaignSchedule,
  plan: CurfewPlan,
  clocks: ZoneClocks,
  fromDay: number,
  days = 366,
): string[] {
  const home = clocks.get(c.timezone);
  const out: string[] = [];
  for (const bounding of plan.boundings) {
    const start = Number(bounding.start.slice(0, 2)) * 60 + Number(bounding.start.slice(3));
    const end = Number(bounding.end.slice(0, 2)) * 60 + Number(bounding.end.slice(3));
    for (const zone of bounding.recipients) {
      const r = clocks.get(zone);
      let reached = false;
      for (let day = fromDay; day < fromDay + days && !reached; day++) {
        for (const w of windowsOn(c, day)) {
          const ls = r.localOf(home.instantOf((day * 1440 + w.start) * MINUTE));
          const le = r.localOf(home.instantOf((day * 1440 + w.end) * MINUTE));
          const midnight = Math.floor(ls / DAY) * DAY;
          const a = (ls - midnight) / MINUTE;
          const b = (le - midnight) / MINUTE;
          // The part of the window on the recipient's date, and what runs past its midnight.
          if ((a < end && b > start) || (b > 1440 && start < b - 1440)) {
            reached = true;
            break;
          }
        }
      }
      if (!reached) out.push(zone);
    }
  }
  return out;
}
