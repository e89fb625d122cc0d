/**
 * What the simulated CXone accepts as a PATCH body. It is deliberately stricter than a lenient
 * server would be: an unexpected key, a wrong type or an overlap is a 422 with every reason
 * listed, so a client that sends anything beyond the exact tutorial body fails its tests
 * instead of passing against a forgiving fake.
 */
import { IANAZone } from "luxon";
import {
  isPauseCondition,
  isWeekday,
  PAUSE_CONDITIONS,
  WEEKDAYS,
  type WireSchedule,
} from "../desired/wire.js";

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: string[] };

export interface ScheduleLimits {
  /** The licence tier's cap on dialing-hour blocks. */
  maxDialingBlocks: number;
}

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const BODY_KEYS = ["schedule"] as const;
const SCHEDULE_KEYS = ["timezone", "dialingHours", "pauseConditions"] as const;
const HOUR_KEYS = ["day", "startTime", "endTime"] as const;

/** Checks a whole PATCH body: exactly `{"schedule": {...}}`. */
export function validatePatchBody(body: unknown, limits: ScheduleLimits): ValidationResult<WireSchedule> {
  if (!isPlainObject(body)) {
    return { ok: false, details: [`body: must be a JSON object of the form {"schedule": {...}}`] };
  }
  const details = unexpectedKeys(body, BODY_KEYS, "body");
  if (!("schedule" in body)) {
    details.push("body.schedule: is required");
    return { ok: false, details };
  }
  const schedule = validateSchedule(body.schedule, limits, "schedule");
  if (!schedule.ok) details.push(...schedule.details);
  return details.length === 0 && schedule.ok ? schedule : { ok: false, details };
}

/**
 * Checks one schedule. `path` prefixes every detail so a person can find the offending value.
 * On success the value is returned as given (same key order, same element order): the
 * simulator stores what was sent, it never normalises.
 */
export function validateSchedule(
  value: unknown,
  limits: ScheduleLimits,
  path: string,
): ValidationResult<WireSchedule> {
  if (!isPlainObject(value)) return { ok: false, details: [`${path}: must be an object`] };
  const details = unexpectedKeys(value, SCHEDULE_KEYS, path);
  for (const key of SCHEDULE_KEYS) {
    if (!(key in value)) details.push(`${path}.${key}: is required`);
  }
  if ("timezone" in value) details.push(...checkTimezone(value.timezone, `${path}.timezone`));
  if ("dialingHours" in value) {
    details.push(...checkDialingHours(value.dialingHours, limits, `${path}.dialingHours`));
  }
  if ("pauseConditions" in value) {
    details.push(...checkPauseConditions(value.pauseConditions, `${path}.pauseConditions`));
  }
  return details.length === 0
    ? { ok: true, value: value as unknown as WireSchedule }
    : { ok: false, details };
}

function checkTimezone(value: unknown, path: string): string[] {
  if (typeof value !== "string") return [`${path}: must be a string (an IANA zone such as America/Chicago)`];
  if (!IANAZone.isValidZone(value))
    return [`${path}: ${JSON.stringify(value)} is not a known IANA time zone`];
  return [];
}

function checkDialingHours(value: unknown, limits: ScheduleLimits, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: must be an array`];
  const details: string[] = [];
  if (value.length > limits.maxDialingBlocks) {
    details.push(
      `${path}: ${value.length} blocks exceed the licence tier's limit of ${limits.maxDialingBlocks} dialing blocks`,
    );
  }
  const wellFormed: Array<{ index: number; day: string; start: string; end: string }> = [];
  value.forEach((hour: unknown, index) => {
    const at = `${path}[${index}]`;
    if (!isPlainObject(hour)) {
      details.push(`${at}: must be an object with day, startTime and endTime`);
      return;
    }
    const found = unexpectedKeys(hour, HOUR_KEYS, at);
    const { day, startTime, endTime } = hour;
    if (!("day" in hour)) found.push(`${at}.day: is required`);
    else if (!isWeekday(day)) {
      found.push(`${at}.day: ${JSON.stringify(day)} is not one of ${WEEKDAYS.join(", ")}`);
    }
    for (const [key, time] of [
      ["startTime", startTime],
      ["endTime", endTime],
    ] as const) {
      if (!(key in hour)) found.push(`${at}.${key}: is required`);
      else if (typeof time !== "string" || !TIME.test(time)) {
        found.push(`${at}.${key}: ${JSON.stringify(time)} is not a time HH:MM between 00:00 and 23:59`);
      }
    }
    if (found.length === 0) {
      const start = startTime as string;
      const end = endTime as string;
      if (start >= end) {
        found.push(
          `${at}: startTime ${start} must be before endTime ${end} (a window cannot cross midnight)`,
        );
      } else {
        wellFormed.push({ index, day: day as string, start, end });
      }
    }
    details.push(...found);
  });
  details.push(...findOverlaps(wellFormed, path));
  return details;
}

function findOverlaps(
  hours: ReadonlyArray<{ index: number; day: string; start: string; end: string }>,
  path: string,
): string[] {
  const details: string[] = [];
  const byDay = new Map<string, Array<(typeof hours)[number]>>();
  for (const hour of hours) {
    const sameDay = byDay.get(hour.day);
    if (sameDay) sameDay.push(hour);
    else byDay.set(hour.day, [hour]);
  }
  for (const windows of byDay.values()) {
    // HH:MM strings of equal width compare correctly as strings.
    const sorted = [...windows].sort((a, b) =>
      a.start < b.start ? -1 : a.start > b.start ? 1 : a.index - b.index,
    );
    let latest = sorted[0];
    for (const next of sorted.slice(1)) {
      if (latest && next.start < latest.end) {
        const [first, second] = latest.index < next.index ? [latest, next] : [next, latest];
        details.push(
          `${path}[${second.index}]: ${second.day} ${second.start}-${second.end} overlaps ${path}[${first.index}] ${first.day} ${first.start}-${first.end}`,
        );
      }
      if (!latest || next.end > latest.end) latest = next;
    }
  }
  return details;
}

function checkPauseConditions(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: must be an array`];
  const details: string[] = [];
  const seen = new Set<unknown>();
  value.forEach((condition: unknown, index) => {
    if (!isPauseCondition(condition)) {
      details.push(
        `${path}[${index}]: ${JSON.stringify(condition)} is not one of ${PAUSE_CONDITIONS.join(", ")}`,
      );
    } else if (seen.has(condition)) {
      details.push(`${path}[${index}]: ${condition} is listed more than once`);
    }
    seen.add(condition);
  });
  return details;
}

function unexpectedKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): string[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${path}.${key}: unexpected key (allowed: ${allowed.join(", ")})`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
