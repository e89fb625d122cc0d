/**
 * Translating a campaign's windows into the schedule zone: the one zone CXone reads every
 * schedule in under the cxone-admin profile (a PC skill's schedule-settings carry no zone).
 *
 * Each window is translated for the occurrence being written: the local date it describes
 * (effective.ts: the weekday slots describe today .. today+6), with both zones' offsets on that
 * date, so the translation is DST-exact (New York 09:00 is 07:00 in Phoenix in January and 06:00
 * in July). A window that would cross midnight in the schedule zone, or land on another weekday,
 * cannot be held by a weekly schedule there: it is a problem to report, never a silent shift.
 *
 * Pure: zone rules come from ZoneClock (luxon), no clock is read.
 */
import { formatDate, weekdayName } from "./civil-date.js";
import type { LocalWindow } from "./model.js";
import type { DocPath } from "./source.js";
import { type ZoneClock, ZoneClocks } from "./zone-clock.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface TranslatedWindow {
  /** The local date in the schedule zone (the same as the campaign's, or it is a problem). */
  date: number;
  /** Minutes after midnight in the schedule zone. */
  start: number;
  end: number;
}

export interface TranslationProblem {
  /** The campaign-local date whose window does not fit. */
  date: number;
  window: LocalWindow;
  /** Where the window was written. */
  source: DocPath;
  message: string;
}

function hhmm(localMs: number): string {
  const minutes = Math.round((((localMs % DAY) + DAY) % DAY) / MINUTE);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * One window of a campaign-local date in the schedule zone, or the problem. `from` and `to`
 * must cover the date (± a day).
 */
export function translateWindow(
  date: number,
  window: LocalWindow,
  from: ZoneClock,
  to: ZoneClock,
): TranslatedWindow | TranslationProblem {
  if (from.zone === to.zone) return { date, start: window.start, end: window.end };
  const startLocal = to.localOf(from.instantOf(date * DAY + window.start * MINUTE));
  const endLocal = to.localOf(from.instantOf(date * DAY + window.end * MINUTE));
  const startDate = Math.floor(startLocal / DAY);
  const endDate = Math.floor(endLocal / DAY);
  const what = `the ${weekdayName(date)} window ${hhmm(window.start * MINUTE)}–${hhmm(window.end * MINUTE)} (${from.zone}) of ${formatDate(date)}`;
  const there = `${hhmm(startLocal)}–${hhmm(endLocal)} in ${to.zone}`;
  if (startDate !== endDate) {
    return {
      date,
      window,
      source: window.source,
      message: `${what} is ${there}, across midnight there; CXone reads this tenant's schedules in ${to.zone} and holds one window within each day. Move the window so it starts and ends on the same day in ${to.zone}.`,
    };
  }
  if (startDate !== date) {
    return {
      date,
      window,
      source: window.source,
      message: `${what} is on ${weekdayName(startDate)} in ${to.zone} (${there}); CXone reads this tenant's schedules in ${to.zone}, so it would dial on another weekday than written. Move the window so it falls on the same weekday in ${to.zone}.`,
    };
  }
  return {
    date,
    start: Math.round((startLocal - startDate * DAY) / MINUTE),
    end: Math.round((endLocal - endDate * DAY) / MINUTE),
  };
}

export function isProblem(t: TranslatedWindow | TranslationProblem): t is TranslationProblem {
  return "message" in t;
}

// Plans ask for a handful of zone pairs over and over; a clock per (zone, week) is built once.
const CLOCKS = new Map<string, ZoneClock>();
const CLOCK_LIMIT = 512;

/** A ZoneClock of `zone` covering the local dates `firstDay` - 2 .. `firstDay` + 9. */
export function weekClock(zone: string, firstDay: number): ZoneClock {
  const key = `${zone}|${firstDay}`;
  let clock = CLOCKS.get(key);
  if (clock === undefined) {
    if (CLOCKS.size >= CLOCK_LIMIT) CLOCKS.clear();
    clock = new ZoneClocks((firstDay - 2) * DAY, (firstDay + 10) * DAY).get(zone);
    CLOCKS.set(key, clock);
  }
  return clock;
}
