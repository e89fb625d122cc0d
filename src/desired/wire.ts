/**
 * The wire form of a schedule: what the tutorial API profile sends and returns, and the
 * normalised value the planner compares. Normalised means: dialing hours sorted by weekday
 * then start then end, exact duplicates removed, pause conditions sorted and de-duplicated.
 * Two schedules that differ only in ordering normalise to the same value, so ordering noise
 * never causes a write.
 */

export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const PAUSE_CONDITIONS = ["NO_ANSWER", "BUSY", "DISCONNECTED", "ANSWERING_MACHINE"] as const;
export type PauseCondition = (typeof PAUSE_CONDITIONS)[number];

export interface WireDialingHour {
  day: Weekday;
  /** HH:MM, 24h, local to the schedule's timezone. */
  startTime: string;
  endTime: string;
}

export interface WireSchedule {
  timezone: string;
  dialingHours: WireDialingHour[];
  pauseConditions: PauseCondition[];
}

const WEEKDAY_INDEX: ReadonlyMap<string, number> = new Map(WEEKDAYS.map((d, i) => [d, i]));

export function weekdayIndex(day: string): number {
  return WEEKDAY_INDEX.get(day) ?? WEEKDAYS.length;
}

export function isWeekday(value: unknown): value is Weekday {
  return typeof value === "string" && WEEKDAY_INDEX.has(value);
}

export function isPauseCondition(value: unknown): value is PauseCondition {
  return typeof value === "string" && (PAUSE_CONDITIONS as readonly string[]).includes(value);
}

function compareHours(a: WireDialingHour, b: WireDialingHour): number {
  return (
    weekdayIndex(a.day) - weekdayIndex(b.day) || cmp(a.startTime, b.startTime) || cmp(a.endTime, b.endTime)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns a new schedule in normal form; the input is not modified. */
export function normalizeWire(schedule: WireSchedule): WireSchedule {
  const hours = schedule.dialingHours
    .map((h) => ({ day: h.day, startTime: h.startTime, endTime: h.endTime }))
    .sort(compareHours)
    .filter((h, i, all) => i === 0 || compareHours(h, all[i - 1] as WireDialingHour) !== 0);
  const pause = [...new Set(schedule.pauseConditions)].sort(cmp);
  return { timezone: schedule.timezone, dialingHours: hours, pauseConditions: pause };
}

/** Equality on the normal form. */
export function wireEquals(a: WireSchedule, b: WireSchedule): boolean {
  const x = normalizeWire(a);
  const y = normalizeWire(b);
  return (
    x.timezone === y.timezone &&
    x.dialingHours.length === y.dialingHours.length &&
    x.dialingHours.every((h, i) => compareHours(h, y.dialingHours[i] as WireDialingHour) === 0) &&
    x.pauseConditions.length === y.pauseConditions.length &&
    x.pauseConditions.every((p, i) => p === y.pauseConditions[i])
  );
}
