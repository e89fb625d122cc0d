/**
 * The effective schedule: what CXone should hold at an instant, given that the tutorial API
 * knows only a weekly schedule while the desired state also has holidays and overrides.
 *
 * The rule (README, "Holidays and overrides on the wire"): each weekday slot on the wire describes
 * the next occurrence of that weekday in the campaign's zone, today included. So at instant t
 * the seven slots describe the local dates today .. today+6. A slot moves on to the following
 * week's date at local midnight at the end of the day it described. A holiday on Friday 25 Dec
 * therefore empties the FRI slot from 00:00 on Saturday 19 Dec to 00:00 on Saturday 26 Dec:
 * well before that date's first window opens, and never while the previous Friday still dials.
 *
 * Under a profile that reads every schedule in one zone (cxone-admin), the windows are then
 * translated into that zone per occurrence (schedule-zone.ts), and a slot also changes when a
 * clock change in either zone moves its translated window.
 *
 * Pure: the instant comes in as a parameter; no clock, no I/O.
 */
import { DateTime } from "luxon";
import { DialwindowError } from "../util/errors.js";
import { formatDate, formatTime, parseDate, weekdayName, weekdayOf } from "./civil-date.js";
import type { CampaignSchedule, LocalWindow } from "./model.js";
import { type DialingHour, normalizeSchedule, type Schedule, type Weekday } from "./schedule.js";
import { isProblem, type TranslationProblem, translateWindow, weekClock } from "./schedule-zone.js";

export type DayKind =
  | { kind: "weekly" }
  | { kind: "holiday"; name: string }
  | { kind: "override"; name: string };

/** Why a local date has the windows it has: holidays win over overrides, overrides over weekly hours. */
export function dayKind(c: CampaignSchedule, day: number): DayKind {
  const holiday = c.holidays.get(day);
  if (holiday !== undefined) return { kind: "holiday", name: holiday };
  const o = overrideOn(c, day);
  return o ? { kind: "override", name: o.name } : { kind: "weekly" };
}

function overrideOn(c: CampaignSchedule, day: number) {
  for (const o of c.overrides) if (day >= o.from && day <= o.to) return o;
  return undefined;
}

/** The windows that apply on a local date (day number in the campaign's zone). */
export function windowsOn(c: CampaignSchedule, day: number): readonly LocalWindow[] {
  if (c.holidays.has(day)) return [];
  const o = overrideOn(c, day);
  const weekday = weekdayOf(day);
  return (o ? o.windows[weekday] : c.weekly[weekday]) ?? [];
}

/** The campaign-local date (day number) at an instant. */
export function localDay(c: CampaignSchedule, at: DateTime): number {
  return dayIn(c.timezone, at);
}

/** The local date (day number) in a zone at an instant. */
export function dayIn(zone: string, at: DateTime): number {
  const key = `${zone}|${at.toMillis()}`;
  let day = TODAY.get(key);
  if (day === undefined) {
    day = parseDate(at.setZone(zone).toISODate() as string) as number;
    remember(TODAY, key, day);
  }
  return day;
}

/** The first instant of a local date in a zone (local midnight, or later where midnight is skipped). */
function midnightOf(zone: string, day: number): DateTime {
  const key = `${zone}|${day}`;
  let midnight = MIDNIGHT.get(key);
  if (midnight === undefined) {
    midnight = DateTime.fromISO(formatDate(day), { zone }).startOf("day");
    remember(MIDNIGHT, key, midnight);
  }
  return midnight;
}

// Plans of thousands of campaigns ask these for a handful of zones and dates over and over,
// and each luxon answer costs tens of microseconds. Both are pure functions of their key;
// the memos are bounded so a daemon running for months cannot grow them without limit.
const TODAY = new Map<string, number>();
const MIDNIGHT = new Map<string, DateTime>();
const MEMO_LIMIT = 4096;

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

function wireHours(day: Weekday, windows: readonly LocalWindow[]): DialingHour[] {
  return windows.map((w) => ({ day, startTime: formatTime(w.start), endTime: formatTime(w.end) }));
}

/** A window that cannot be translated into the schedule zone (it crosses midnight there, or moves weekday). */
export class WindowTranslationError extends DialwindowError {
  readonly problem: TranslationProblem;

  constructor(problem: TranslationProblem) {
    super("DW_WINDOW_ZONE", problem.message);
    this.problem = problem;
  }
}

/**
 * The windows of local date `day` as the schedule holds them: in the campaign's zone, or with
 * `zone` translated into it (throws WindowTranslationError when one does not fit).
 */
export function slotHours(c: CampaignSchedule, day: number, zone?: string): DialingHour[] {
  const windows = windowsOn(c, day);
  const weekday = weekdayName(day);
  if (zone === undefined || zone === c.timezone || windows.length === 0) return wireHours(weekday, windows);
  const from = weekClock(c.timezone, day);
  const to = weekClock(zone, day);
  return windows.map((w) => {
    const t = translateWindow(day, w, from, to);
    if (isProblem(t)) throw new WindowTranslationError(t);
    return { day: weekday, startTime: formatTime(t.start), endTime: formatTime(t.end) };
  });
}

/**
 * The schedule CXone should hold at `at`, normalised: in the campaign's zone, or translated
 * into `zone` (the schedule zone) for each slot's date. Throws WindowTranslationError when a
 * window does not fit a day there.
 */
export function effectiveSchedule(c: CampaignSchedule, at: DateTime, zone?: string): Schedule {
  const today = localDay(c, at);
  const hours: DialingHour[] = [];
  for (let i = 0; i < 7; i++) hours.push(...slotHours(c, today + i, zone));
  return normalizeSchedule({
    timezone: zone ?? c.timezone,
    dialingHours: hours,
    pauseConditions: [...c.pauseConditions],
  });
}

export interface Transition {
  /** The instant the schedule changes: local midnight, ISO-8601 with the zone's offset. */
  at: string;
  campaignId: string;
  name: string;
  /** The weekday slot that changes. */
  day: Weekday;
  /** The local date the slot describes from `at` on. */
  date: string;
  /** People-readable cause, e.g. "holiday: Christmas Day" or "weekly hours again after override black-friday". */
  reason: string;
  /** The slot's windows before and after (in the schedule zone, when there is one). */
  before: DialingHour[];
  after: DialingHour[];
}

function describe(c: CampaignSchedule, day: number, leaving: number): string {
  const k = dayKind(c, day);
  const prev = dayKind(c, leaving);
  if (k.kind === "holiday") return `holiday: ${k.name}`;
  if (k.kind === "override") return `override ${k.name}`;
  if (prev.kind === "holiday") return `weekly hours again after holiday: ${prev.name}`;
  if (prev.kind === "override") return `weekly hours again after override ${prev.name}`;
  return "weekly hours";
}

function sameWindows(a: readonly LocalWindow[], b: readonly LocalWindow[]): boolean {
  return a.length === b.length && a.every((w, i) => w.start === b[i]?.start && w.end === b[i]?.end);
}

function sameHours(a: readonly DialingHour[], b: readonly DialingHour[]): boolean {
  return (
    a.length === b.length && a.every((h, i) => h.startTime === b[i]?.startTime && h.endTime === b[i]?.endTime)
  );
}

/** The slot's hours in `zone`, or none when a window does not fit (the plan reports that). */
function hoursOrNone(c: CampaignSchedule, day: number, zone: string): DialingHour[] | undefined {
  try {
    return slotHours(c, day, zone);
  } catch (err) {
    if (err instanceof WindowTranslationError) return undefined;
    throw err;
  }
}

/**
 * Every change of the effective schedule after `at` (exclusive), within `horizonDays` days,
 * in time order. DST-correct: each change is at local midnight in the campaign's zone (or the
 * first instant of the day where midnight does not exist). With `zone` (the schedule zone),
 * a slot whose windows are the same locally but translate differently (a clock change in
 * either zone between the two dates) is a transition too.
 */
export function upcomingTransitions(
  c: CampaignSchedule,
  at: DateTime,
  horizonDays = 35,
  zone?: string,
): Transition[] {
  const today = localDay(c, at);
  const out: Transition[] = [];
  const translated = zone !== undefined && zone !== c.timezone;
  // At the start of local date x, the slot for x-1 moves on to describe x+6.
  for (let x = today + 1; x <= today + horizonDays; x++) {
    const leaving = x - 1;
    const entering = x + 6;
    const before = windowsOn(c, leaving);
    const after = windowsOn(c, entering);
    const day = weekdayName(entering);
    let reason: string | undefined;
    let beforeHours = wireHours(day, before);
    let afterHours = wireHours(day, after);
    if (!sameWindows(before, after)) reason = describe(c, entering, leaving);
    if (translated) {
      const b = hoursOrNone(c, leaving, zone) ?? [];
      const a = hoursOrNone(c, entering, zone) ?? [];
      if (reason === undefined && !sameHours(b, a)) {
        reason = `clock change: the window moves in ${zone}`;
      }
      beforeHours = b.map((h) => ({ ...h, day }));
      afterHours = a;
    }
    if (reason === undefined) continue;
    const midnight = midnightOf(c.timezone, x);
    out.push({
      at: midnight.toISO() as string,
      campaignId: c.campaignId,
      name: c.name,
      day,
      date: formatDate(entering),
      reason,
      before: beforeHours,
      after: afterHours,
    });
  }
  return out;
}
