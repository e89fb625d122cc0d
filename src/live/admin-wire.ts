/**
 * The cxone-admin profile's schedule, in and out: a Personal Connection skill's
 * schedule-settings (NICE Admin API, `GET/PUT /skills/{id}/parameters/schedule-settings`): 22
 * flat fields, `isScheduled` and per weekday `{day}StartTime`, `{day}EndTime` ("HH:MM", or
 * "HH:MM:SS" as some tenants answer) and `{day}IsActive`; the bulk read's other shape of the
 * same data; the canonical schedule they stand for; and the version, a hash of the normalised
 * settings (the API has no ETag and no version field).
 *
 * One window per weekday, no dates, no zone (times are read in the schedule zone), no pause
 * conditions: what the canonical schedule holds beyond that is refused before anything is sent.
 */
import { createHash } from "node:crypto";
import { type DialingHour, type Schedule, showValue as show, type Weekday } from "../desired/schedule.js";
import { canonicalJson } from "../util/canonical-json.js";
import { ProtocolError } from "./errors.js";

/** The Admin API's weekday spelling, Sunday first as the Swagger lists them, with ours. */
export const ADMIN_DAYS = [
  ["sunday", "SUN"],
  ["monday", "MON"],
  ["tuesday", "TUE"],
  ["wednesday", "WED"],
  ["thursday", "THU"],
  ["friday", "FRI"],
  ["saturday", "SAT"],
] as const satisfies readonly (readonly [string, Weekday])[];

export type AdminDay = (typeof ADMIN_DAYS)[number][0];

export interface DaySettings {
  /** "HH:MM" (seconds dropped). */
  start: string;
  end: string;
  active: boolean;
}

/** The 22 fields, normalised: times as "HH:MM". */
export interface ScheduleSettings {
  isScheduled: boolean;
  days: Record<AdminDay, DaySettings>;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** "HH:MM" of "HH:MM" or "HH:MM:SS"; undefined for anything else. */
export function adminTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = TIME.exec(value.trim());
  return m ? `${m[1]}:${m[2]}` : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The flat 22-field object of `GET …/schedule-settings`. Unknown extra fields are ignored. */
export function parseScheduleSettings(value: unknown, where: string): ScheduleSettings {
  if (!isObject(value))
    throw new ProtocolError(`${where}: expected the schedule-settings object, got ${show(value)}`);
  if (typeof value.isScheduled !== "boolean")
    throw new ProtocolError(`${where}: isScheduled is ${show(value.isScheduled)}, expected true or false`);
  const days = {} as Record<AdminDay, DaySettings>;
  for (const [day] of ADMIN_DAYS) {
    days[day] = daySettings(
      { start: value[`${day}StartTime`], end: value[`${day}EndTime`], active: value[`${day}IsActive`] },
      `${where}: ${day}`,
      { start: `${day}StartTime`, end: `${day}EndTime`, active: `${day}IsActive` },
    );
  }
  return { isScheduled: value.isScheduled, days };
}

function daySettings(
  raw: { start: unknown; end: unknown; active: unknown },
  where: string,
  names: { start: string; end: string; active: string },
): DaySettings {
  if (typeof raw.active !== "boolean")
    throw new ProtocolError(`${where}: ${names.active} is ${show(raw.active)}, expected true or false`);
  const start = adminTime(raw.start);
  const end = adminTime(raw.end);
  // An inactive day's times do nothing; CXone may leave them empty.
  if (raw.active && start === undefined)
    throw new ProtocolError(`${where}: ${names.start} is ${show(raw.start)}, expected "HH:MM"`);
  if (raw.active && end === undefined)
    throw new ProtocolError(`${where}: ${names.end} is ${show(raw.end)}, expected "HH:MM"`);
  return { start: start ?? "00:00", end: end ?? "00:00", active: raw.active };
}

/**
 * One skill's `scheduleSettings` in the bulk read (`GET /skills/parameters`):
 * `{isScheduled, schedules: [{day, active, startTime, endTime}]}`. The Swagger types `day` only
 * as a string: an English weekday name in any case, or its first three letters, is accepted; a
 * weekday missing from the list is a ProtocolError (so that skill is read on its own instead).
 */
export function parseBulkScheduleSettings(value: unknown, where: string): ScheduleSettings {
  if (!isObject(value))
    throw new ProtocolError(`${where}: scheduleSettings is ${show(value)}, expected an object`);
  if (typeof value.isScheduled !== "boolean")
    throw new ProtocolError(
      `${where}: scheduleSettings.isScheduled is ${show(value.isScheduled)}, expected true or false`,
    );
  if (!Array.isArray(value.schedules))
    throw new ProtocolError(
      `${where}: scheduleSettings.schedules is ${show(value.schedules)}, expected an array`,
    );
  const found = new Map<AdminDay, DaySettings>();
  value.schedules.forEach((entry: unknown, i) => {
    const at = `${where}: scheduleSettings.schedules[${i}]`;
    if (!isObject(entry))
      throw new ProtocolError(`${at} is ${show(entry)}, expected {day, active, startTime, endTime}`);
    const day = adminDay(entry.day);
    if (day === undefined)
      throw new ProtocolError(`${at}.day is ${show(entry.day)}, expected a weekday name`);
    if (found.has(day)) throw new ProtocolError(`${at}.day lists ${day} a second time`);
    found.set(
      day,
      daySettings({ start: entry.startTime, end: entry.endTime, active: entry.active }, at, {
        start: "startTime",
        end: "endTime",
        active: "active",
      }),
    );
  });
  const days = {} as Record<AdminDay, DaySettings>;
  for (const [day] of ADMIN_DAYS) {
    const d = found.get(day);
    if (!d) throw new ProtocolError(`${where}: scheduleSettings.schedules has no ${day}`);
    days[day] = d;
  }
  return { isScheduled: value.isScheduled, days };
}

function adminDay(value: unknown): AdminDay | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim().toLowerCase();
  for (const [day] of ADMIN_DAYS) if (v === day || v === day.slice(0, 3)) return day;
  return undefined;
}

/**
 * The version of a live schedule: a hash of its normalised 22 fields, so any change made in
 * CXone (even to an inactive day's times) is a new version.
 */
export function settingsVersion(settings: ScheduleSettings): string {
  const flat = flatSettings(settings);
  return `sha256:${createHash("sha256").update(canonicalJson(flat)).digest("hex").slice(0, 20)}`;
}

/** The canonical schedule the settings stand for, in the zone CXone reads them in. */
export function canonicalOf(settings: ScheduleSettings, zone: string): Schedule {
  const dialingHours: DialingHour[] = [];
  for (const [day, weekday] of ADMIN_DAYS) {
    const d = settings.days[day];
    if (d.active) dialingHours.push({ day: weekday, startTime: d.start, endTime: d.end });
  }
  return {
    timezone: zone,
    dialingHours,
    pauseConditions: [],
    ...(settings.isScheduled ? {} : { scheduled: false as const }),
  };
}

/** Why the canonical schedule cannot be held by schedule-settings in `zone`, or undefined. */
export function unexpressible(schedule: Schedule, zone: string): string | undefined {
  if (schedule.timezone !== zone)
    return `its times are in ${schedule.timezone}, but CXone reads this tenant's schedules in ${zone}; run plan again`;
  if (schedule.pauseConditions.length > 0)
    return "it has pause conditions, which a Personal Connection skill's schedule cannot hold";
  const seen = new Set<string>();
  for (const h of schedule.dialingHours) {
    if (seen.has(h.day)) return `it has two windows on ${h.day}; a Personal Connection skill holds one a day`;
    seen.add(h.day);
    if (
      adminTime(h.startTime) === undefined ||
      adminTime(h.endTime) === undefined ||
      h.startTime >= h.endTime
    )
      return `its ${h.day} window ${h.startTime}–${h.endTime} is not a window within one day`;
  }
  return undefined;
}

/**
 * The settings to send for a canonical schedule: scheduled, one window per listed weekday, and
 * every other day inactive. An inactive day keeps the times `current` holds, so nothing but
 * what the schedule says changes in CXone.
 */
export function settingsFor(schedule: Schedule, current: ScheduleSettings): ScheduleSettings {
  const days = {} as Record<AdminDay, DaySettings>;
  for (const [day, weekday] of ADMIN_DAYS) {
    const window = schedule.dialingHours.find((h) => h.day === weekday);
    days[day] = window
      ? { start: window.startTime, end: window.endTime, active: true }
      : { ...current.days[day], active: false };
  }
  return { isScheduled: true, days };
}

/** The 22 fields as the API names them, in the Swagger's order. */
export function flatSettings(settings: ScheduleSettings): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = { isScheduled: settings.isScheduled };
  for (const [day] of ADMIN_DAYS) {
    const d = settings.days[day];
    out[`${day}StartTime`] = d.start;
    out[`${day}EndTime`] = d.end;
    out[`${day}IsActive`] = d.active;
  }
  return out;
}

/** The PUT body: the wrapper is required, and all 22 fields are sent (a partial body is undocumented). */
export function putBody(settings: ScheduleSettings): string {
  return JSON.stringify({ scheduleSettings: flatSettings(settings) });
}
