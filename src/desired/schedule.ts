/**
 * The canonical schedule: what every CXone profile reads into and writes from, what plans,
 * change records, webhooks and the audit trail carry, and the normalised value the planner
 * compares. Each profile's wire shape lives only in its adapter (src/live/): the tutorial
 * profile's JSON happens to be this shape; the cxone-admin adapter maps its 22 flat
 * schedule-settings fields to and from it.
 *
 * Normalised means: dialing hours sorted by weekday then start then end, exact duplicates
 * removed, pause conditions sorted and de-duplicated. Two schedules that differ only in
 * ordering normalise to the same value, so ordering noise never causes a write.
 */

export const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const PAUSE_CONDITIONS = ["NO_ANSWER", "BUSY", "DISCONNECTED", "ANSWERING_MACHINE"] as const;
export type PauseCondition = (typeof PAUSE_CONDITIONS)[number];

export interface DialingHour {
  day: Weekday;
  /** HH:MM, 24h, local to the schedule's timezone. */
  startTime: string;
  endTime: string;
}

export interface Schedule {
  /** The IANA zone the times are in: the campaign's own (tutorial) or the tenant's schedule zone (cxone-admin). */
  timezone: string;
  dialingHours: DialingHour[];
  pauseConditions: PauseCondition[];
  /**
   * Present (and false) only on a live schedule CXone does not apply: a cxone-admin skill with
   * `isScheduled: false` dials whenever it is started, whatever its hours say. A desired
   * schedule never has it, so such a skill always plans as an update.
   */
  scheduled?: false;
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

function compareHours(a: DialingHour, b: DialingHour): number {
  return (
    weekdayIndex(a.day) - weekdayIndex(b.day) || cmp(a.startTime, b.startTime) || cmp(a.endTime, b.endTime)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns a new schedule in normal form; the input is not modified. */
export function normalizeSchedule(schedule: Schedule): Schedule {
  const hours = schedule.dialingHours
    .map((h) => ({ day: h.day, startTime: h.startTime, endTime: h.endTime }))
    .sort(compareHours)
    .filter((h, i, all) => i === 0 || compareHours(h, all[i - 1] as DialingHour) !== 0);
  const pause = [...new Set(schedule.pauseConditions)].sort(cmp);
  return {
    timezone: schedule.timezone,
    dialingHours: hours,
    pauseConditions: pause,
    ...(schedule.scheduled === false ? { scheduled: false as const } : {}),
  };
}

/** Equality on the normal form. */
export function schedulesEqual(a: Schedule, b: Schedule): boolean {
  const x = normalizeSchedule(a);
  const y = normalizeSchedule(b);
  return (
    x.timezone === y.timezone &&
    (x.scheduled === false) === (y.scheduled === false) &&
    x.dialingHours.length === y.dialingHours.length &&
    x.dialingHours.every((h, i) => compareHours(h, y.dialingHours[i] as DialingHour) === 0) &&
    x.pauseConditions.length === y.pauseConditions.length &&
    x.pauseConditions.every((p, i) => p === y.pauseConditions[i])
  );
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A short, safe description of an unexpected value for an error message. */
export function showValue(value: unknown): string {
  if (value === undefined) return "missing";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks a canonical schedule read back from a file dialwindow wrote (a saved plan) or from the
 * tutorial wire. Throws `fail(message)`; `where` starts each message.
 */
export function parseSchedule(value: unknown, where: string, fail: (message: string) => Error): Schedule {
  if (!isObject(value)) throw fail(`${where}: schedule is ${showValue(value)}, expected an object`);
  const timezone = value.timezone;
  if (typeof timezone !== "string" || timezone === "") {
    throw fail(`${where}: schedule.timezone is ${showValue(timezone)}, expected an IANA zone name`);
  }
  const hours = value.dialingHours;
  if (!Array.isArray(hours)) {
    throw fail(`${where}: schedule.dialingHours is ${showValue(hours)}, expected an array`);
  }
  const dialingHours = hours.map((hour: unknown, i): DialingHour => {
    const at = `${where}: schedule.dialingHours[${i}]`;
    if (!isObject(hour)) throw fail(`${at} is ${showValue(hour)}, expected {day, startTime, endTime}`);
    if (!isWeekday(hour.day)) throw fail(`${at}.day is ${showValue(hour.day)}, expected MON..SUN`);
    for (const key of ["startTime", "endTime"] as const) {
      const time = hour[key];
      if (typeof time !== "string" || !HHMM.test(time)) {
        throw fail(`${at}.${key} is ${showValue(time)}, expected HH:MM (24h)`);
      }
    }
    return { day: hour.day, startTime: hour.startTime as string, endTime: hour.endTime as string };
  });
  const pause = value.pauseConditions;
  if (!Array.isArray(pause)) {
    throw fail(`${where}: schedule.pauseConditions is ${showValue(pause)}, expected an array`);
  }
  const pauseConditions = pause.map((condition: unknown, i): PauseCondition => {
    if (!isPauseCondition(condition)) {
      throw fail(
        `${where}: schedule.pauseConditions[${i}] is ${showValue(condition)}, expected NO_ANSWER, BUSY, DISCONNECTED or ANSWERING_MACHINE`,
      );
    }
    return condition;
  });
  if (value.scheduled !== undefined && value.scheduled !== false) {
    throw fail(`${where}: schedule.scheduled is ${showValue(value.scheduled)}, expected false or nothing`);
  }
  return {
    timezone,
    dialingHours,
    pauseConditions,
    ...(value.scheduled === false ? { scheduled: false as const } : {}),
  };
}

/** A schedule with exactly the canonical fields, detached from the caller's objects. */
export function copySchedule(schedule: Schedule): Schedule {
  return {
    timezone: schedule.timezone,
    dialingHours: schedule.dialingHours.map((h) => ({
      day: h.day,
      startTime: h.startTime,
      endTime: h.endTime,
    })),
    pauseConditions: [...schedule.pauseConditions],
    ...(schedule.scheduled === false ? { scheduled: false as const } : {}),
  };
}
