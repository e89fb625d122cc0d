/**
 * The calling-hours policy: every window of a campaign, converted into every recipient zone,
 * for every day of the coming year (holidays and overrides included, DST on both sides), must
 * fall inside the hours every applicable rule allows, and not on a no-call day or date.
 *
 * Most days repeat: between two offset changes of the zones involved, every Monday maps to
 * recipient time the same way. So a day is checked once per (offset period, weekday) and the
 * result reused, while days near an offset change, override days and no-call dates are always
 * checked on their own. That keeps a year of checks per campaign at a few dozen conversions.
 */

import { formatDate, formatTime, parseDate, parseTime, weekdayName, weekdayOf } from "./civil-date.js";
import type { CallingPolicyDocument } from "./documents.js";
import { windowsOn } from "./effective.js";
import type { Code } from "./findings.js";
import type { CampaignSchedule, HolidayCalendar, LocalWindow } from "./model.js";
import { WEEKDAYS } from "./schedule.js";
import type { DocPath } from "./source.js";
import type { ZoneClock, ZoneClocks } from "./zone-clock.js";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

export interface PolicyRule {
  pack: string;
  name: string;
  citation: string | undefined;
  disclaimer: string | undefined;
  /** Empty: applies to every recipient. */
  regions: ReadonlySet<string>;
  allowed: { start: number; end: number } | undefined;
  noCallDays: ReadonlySet<number>;
  noCallDates: ReadonlyMap<number, string>;
}

export function rulesFromPolicy(
  doc: CallingPolicyDocument,
  calendars: ReadonlyMap<string, HolidayCalendar>,
): PolicyRule[] {
  return doc.spec.rules.map((rule) => {
    const dates = new Map<number, string>();
    for (const name of rule.noCallDates?.calendars ?? []) {
      for (const [day, title] of calendars.get(name)?.holidays ?? []) dates.set(day, title);
    }
    for (const d of rule.noCallDates?.dates ?? []) {
      const day = parseDate(d);
      if (day !== undefined) dates.set(day, d);
    }
    const s = rule.allowedHours ? parseTime(rule.allowedHours.start) : undefined;
    const e = rule.allowedHours ? parseTime(rule.allowedHours.end) : undefined;
    return {
      pack: doc.metadata.name,
      name: rule.name,
      citation: rule.citation,
      disclaimer: doc.spec.disclaimer,
      regions: new Set(rule.regions ?? []),
      allowed: s !== undefined && e !== undefined ? { start: s, end: e } : undefined,
      noCallDays: new Set((rule.noCallDays ?? []).map((d) => WEEKDAYS.indexOf(d))),
      noCallDates: dates,
    };
  });
}

/**
 * Everything checkCallingHours reads from a campaign, as a string: two campaigns with the same
 * signature get the same violations (messages name windows, zones and dates, never the
 * campaign), so validation of a large repository checks each shape once.
 */
export function policySignature(c: CampaignSchedule): string {
  const windows = (weekly: CampaignSchedule["weekly"]) =>
    weekly.map((day) => day.map((w) => `${w.start}-${w.end}@${w.source.join(".")}`).join(";")).join("/");
  return [
    c.timezone,
    `${c.recipientsListed ? "listed" : "default"}:${c.recipientZones.join(",")}`,
    [...c.holidays.keys()].join(","),
    c.overrides.map((o) => `${o.from}-${o.to}:${windows(o.windows)}`).join("|"),
    windows(c.weekly),
  ].join("#");
}

export function applicableRules(
  rules: readonly PolicyRule[],
  c: Pick<CampaignSchedule, "regions">,
): PolicyRule[] {
  return rules.filter((r) => r.regions.size === 0 || c.regions.some((region) => r.regions.has(region)));
}

export interface Violation {
  code: Extract<Code, "DW200" | "DW201" | "DW202">;
  /** The window's dialingHours entry. */
  source: DocPath;
  message: string;
}

export interface Hit {
  code: Violation["code"];
  window: LocalWindow;
  day: number;
  zone: string;
  rule: PolicyRule;
  /** Recipient-local start/end, minutes after the recipient's midnight of recipientDay. */
  rStart: number;
  rEnd: number;
  recipientDay: number;
  /** For allowedHours: the latest start/earliest end fix in campaign-local minutes. */
  fixStart: number | undefined;
  fixEnd: number | undefined;
  noCallName: string | undefined;
}

/** Checks one local date's windows; pure arithmetic on the zone tables. Exported for tests. */
export function checkDay(
  c: CampaignSchedule,
  home: ZoneClock,
  recipients: readonly ZoneClock[],
  rules: readonly PolicyRule[],
  day: number,
): Hit[] {
  const hits: Hit[] = [];
  for (const w of windowsOn(c, day)) {
    const startInstant = home.instantOf((day * 1440 + w.start) * MINUTE);
    const endInstant = home.instantOf((day * 1440 + w.end) * MINUTE);
    for (const r of recipients) {
      const ls = r.localOf(startInstant);
      const le = r.localOf(endInstant);
      const rDay = Math.floor(ls / DAY);
      const rEndDay = Math.floor((le - 1) / DAY);
      const rStart = (ls - rDay * DAY) / MINUTE;
      const rEnd = (le - rDay * DAY) / MINUTE;
      for (const rule of rules) {
        const base = {
          window: w,
          day,
          zone: r.zone,
          rule,
          rStart,
          rEnd,
          recipientDay: rDay,
          noCallName: undefined,
        };
        if (rule.allowed && (rStart < rule.allowed.start || rEnd > rule.allowed.end)) {
          hits.push({
            ...base,
            code: "DW200",
            fixStart: rStart < rule.allowed.start ? w.start + (rule.allowed.start - rStart) : undefined,
            fixEnd: rEnd > rule.allowed.end ? w.end - (rEnd - rule.allowed.end) : undefined,
          });
        }
        if (rule.noCallDays.has(weekdayOf(rDay)) || rule.noCallDays.has(weekdayOf(rEndDay))) {
          hits.push({ ...base, code: "DW201", fixStart: undefined, fixEnd: undefined });
        }
        const dateName = rule.noCallDates.get(rDay) ?? rule.noCallDates.get(rEndDay);
        if (dateName !== undefined) {
          hits.push({ ...base, code: "DW202", fixStart: undefined, fixEnd: undefined, noCallName: dateName });
        }
      }
    }
  }
  return hits;
}

/**
 * Every violation of the coming `days` days starting at local date `fromDay`, one per
 * (window, recipient zone, rule, kind), naming the first date, how many dates, and a fix.
 */
export function checkCallingHours(
  c: CampaignSchedule,
  rules: readonly PolicyRule[],
  clocks: ZoneClocks,
  fromDay: number,
  days = 366,
): Violation[] {
  if (rules.length === 0) return [];
  const home = clocks.get(c.timezone);
  const recipients = [...new Set(c.recipientZones)].map((z) => clocks.get(z));
  const zones = [home, ...recipients];

  // Campaign-local days touched by an offset change in any zone involved: checked one by one.
  const unstable = new Set<number>();
  const changes: number[] = [];
  for (const z of zones) {
    for (const t of z.transitions()) {
      const d = Math.floor(home.localOf(t) / DAY);
      changes.push(d);
      for (let k = -1; k <= 1; k++) unstable.add(d + k);
    }
  }
  changes.sort((a, b) => a - b);
  // No-call dates are recipient-local; the campaign-local day may be one either side.
  for (const rule of rules) {
    for (const d of rule.noCallDates.keys()) for (let k = -1; k <= 1; k++) unstable.add(d + k);
  }

  const end = fromDay + days;
  const groups = new Map<
    string,
    { first: Hit; count: number; last: number; fixStart?: number; fixEnd?: number }
  >();
  const add = (h: Hit, count: number, lastDay: number) => {
    const key = `${h.code}|${h.window.source.join(".")}|${h.zone}|${h.rule.pack}/${h.rule.name}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: h, count, last: lastDay, ...fixes(h, undefined, undefined) });
      return;
    }
    g.count += count;
    if (h.day < g.first.day) g.first = h;
    if (lastDay > g.last) g.last = lastDay;
    Object.assign(g, fixes(h, g.fixStart, g.fixEnd));
  };

  // Days checked one by one: near an offset change, inside an override, near a no-call date.
  const special = new Set<number>();
  for (const d of unstable) if (d >= fromDay && d < end) special.add(d);
  for (const o of c.overrides)
    for (let d = Math.max(o.from, fromDay); d <= Math.min(o.to, end - 1); d++) special.add(d);
  for (const day of special) {
    if (c.holidays.has(day)) continue;
    for (const h of checkDay(c, home, recipients, rules, day)) add(h, 1, day);
  }

  // Every other day: between two offset changes every such Monday maps to recipient time the
  // same way, so one is checked and the rest are counted (holidays and special days excluded).
  const excluded: number[][] = [[], [], [], [], [], [], []];
  for (const d of new Set([...special, ...c.holidays.keys()]))
    if (d >= fromDay && d < end) excluded[weekdayOf(d)]?.push(d);
  const isExcluded = (d: number) => special.has(d) || c.holidays.has(d);
  const starts = [
    fromDay,
    ...[...new Set(changes)].filter((d) => d > fromDay && d < end).sort((x, y) => x - y),
  ];
  starts.forEach((a, i) => {
    const b = starts[i + 1] ?? end;
    for (let w = 0; w < 7; w++) {
      let first = a + ((w - weekdayOf(a) + 7) % 7);
      if (first >= b) continue;
      let last = first + Math.floor((b - 1 - first) / 7) * 7;
      let count = (last - first) / 7 + 1;
      for (const d of excluded[w] ?? []) if (d >= first && d <= last) count--;
      if (count <= 0) continue;
      while (isExcluded(first)) first += 7;
      while (isExcluded(last)) last -= 7;
      for (const h of checkDay(c, home, recipients, rules, first)) add(h, count, last);
    }
  });
  return [...groups.values()].map((g) => toViolation(c, g.first, g.count, g.last, g.fixStart, g.fixEnd));
}

function fixes(h: Hit, fixStart: number | undefined, fixEnd: number | undefined) {
  const out: { fixStart?: number; fixEnd?: number } = {};
  const s = h.fixStart === undefined ? fixStart : Math.max(h.fixStart, fixStart ?? 0);
  const e = h.fixEnd === undefined ? fixEnd : Math.min(h.fixEnd, fixEnd ?? 1440);
  if (s !== undefined) out.fixStart = s;
  if (e !== undefined) out.fixEnd = e;
  return out;
}

/**
 * The days of the dialingHours entry a window came from, as written ("MON–FRI", "TUE, THU"):
 * the entry a person edits, not just the day the violation was found on.
 */
function windowDays(c: CampaignSchedule, w: LocalWindow, day: number): string {
  const key = w.source.join(".");
  const override = c.overrides.find((o) => key.startsWith(`${o.source.join(".")}.`));
  const week = override ? override.windows : c.weekly;
  const days = week.flatMap((list, i) => (list.some((x) => x.source.join(".") === key) ? [i] : []));
  if (days.length === 0) return weekdayName(day);
  const names = days.map((i) => WEEKDAYS[i] as string);
  const consecutive = days.length > 2 && days.every((d, i) => i === 0 || d === (days[i - 1] as number) + 1);
  return consecutive ? `${names[0]}–${names[names.length - 1]}` : names.join(", ");
}

function hhmm(minutes: number): string {
  // Recipient-local times past midnight read as the next day's clock.
  return minutes >= 1440
    ? `${formatTime(minutes - 1440)} next day`
    : minutes < 0
      ? `${formatTime(minutes + 1440)} the day before`
      : formatTime(minutes);
}

function toViolation(
  c: CampaignSchedule,
  h: Hit,
  count: number,
  last: number,
  fixStart: number | undefined,
  fixEnd: number | undefined,
): Violation {
  const w = h.window;
  const what = `window ${windowDays(c, w, h.day)} ${formatTime(w.start)}–${formatTime(w.end)} (${c.timezone})`;
  const when = `on ${weekdayName(h.day)} ${formatDate(h.day)}`;
  const reach = `reaches recipients in ${h.zone} at ${hhmm(h.rStart)}–${hhmm(h.rEnd)} local time (${weekdayName(h.recipientDay)} ${formatDate(h.recipientDay)})`;
  const more =
    count > 1
      ? `; the same happens on ${count - 1} more date${count > 2 ? "s" : ""} through ${formatDate(last)}`
      : "";
  const rule = `${h.rule.name} (${h.rule.pack}${h.rule.citation ? `: ${h.rule.citation}` : ""})`;
  const disclaimer = h.rule.disclaimer ? ` [${h.rule.disclaimer}]` : "";
  let message: string;
  if (h.code === "DW200") {
    const allowed = h.rule.allowed as { start: number; end: number };
    const fix: string[] = [];
    if (fixStart !== undefined)
      fix.push(`start the window at ${formatTime(Math.min(fixStart, 1439))} or later`);
    if (fixEnd !== undefined) fix.push(`end it by ${formatTime(Math.max(fixEnd, 0))}`);
    message = `${what} ${when} ${reach}, outside the ${formatTime(allowed.start)}–${formatTime(allowed.end)} allowed by ${rule}${more}. To fix: ${fix.join(" and ")}${c.recipientsListed ? `, or remove ${h.zone} from spec.recipients.timezones` : ""}.${disclaimer}`;
  } else if (h.code === "DW201") {
    message = `${what} ${when} ${reach}, a day with no calls under ${rule}${more}. To fix: remove that day's hours for these recipients (e.g. a separate campaign), or add the dates as holidays.${disclaimer}`;
  } else {
    message = `${what} ${when} ${reach}, on ${h.noCallName}, a no-call date under ${rule}${more}. To fix: add the date to spec.holidays.${disclaimer}`;
  }
  return { code: h.code, source: w.source, message };
}
