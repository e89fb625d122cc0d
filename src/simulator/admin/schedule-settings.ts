/**
 * A Personal Connection skill's schedule-settings as the Admin API carries them (Swagger
 * `get-skills-id-parameters-schedule-settings`): 22 flat fields, `isScheduled` and, for each of
 * sunday..saturday, `{day}StartTime`, `{day}EndTime` ("HH:MM", e.g. "08:00") and `{day}IsActive`.
 * Also the other shape of the same data, in the bulk `GET /skills/parameters`.
 */
import { isPlainObject } from "../schedule-validation.js";

/** The Admin API's weekday spelling, in its order (Sunday first). */
export const ADMIN_WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
export type AdminWeekday = (typeof ADMIN_WEEKDAYS)[number];

export type ScheduleSettings = { isScheduled: boolean } & {
  [D in AdminWeekday as `${D}StartTime`]: string;
} & {
  [D in AdminWeekday as `${D}EndTime`]: string;
} & {
  [D in AdminWeekday as `${D}IsActive`]: boolean;
};

/** The 22 field names in the Swagger's order. */
export const SCHEDULE_SETTINGS_FIELDS: readonly (keyof ScheduleSettings)[] = [
  "isScheduled",
  ...ADMIN_WEEKDAYS.flatMap(
    (day) => [`${day}StartTime`, `${day}EndTime`, `${day}IsActive`] as (keyof ScheduleSettings)[],
  ),
];

/** The bulk read's shape: `scheduleSettings: {isScheduled, schedules: [{day, active, startTime, endTime}]}`. */
export interface BulkScheduleSettings {
  isScheduled: boolean;
  schedules: { day: string; active: boolean; startTime: string; endTime: string }[];
}

/** What a new PC skill holds until someone sets it: not scheduled, every day off, 08:00-21:00. */
export function defaultScheduleSettings(): ScheduleSettings {
  return Object.fromEntries([
    ["isScheduled", false],
    ...ADMIN_WEEKDAYS.flatMap((day) => [
      [`${day}StartTime`, "08:00"],
      [`${day}EndTime`, "21:00"],
      [`${day}IsActive`, false],
    ]),
  ]) as ScheduleSettings;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Minutes after midnight of "HH:MM" or "HH:MM:SS"; undefined for anything else. */
export function timeMinutes(value: string): number | undefined {
  const match = TIME.exec(value);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** "HH:MM" as the API answers it, or "HH:MM:SS" when the simulator is told to add seconds. */
export function formatTime(value: string, withSeconds: boolean): string {
  const match = TIME.exec(value);
  if (match === null) return value; // a hand edit stored something odd: served as stored
  const hhmm = `${match[1]}:${match[2]}`;
  return withSeconds ? `${hhmm}:${match[3] ?? "00"}` : hhmm;
}

/** The 22 fields in the Swagger's order, times formatted as asked. */
export function scheduleSettingsBody(
  settings: Readonly<ScheduleSettings>,
  withSeconds: boolean,
): Record<string, unknown> {
  return Object.fromEntries(
    SCHEDULE_SETTINGS_FIELDS.map((field) => {
      const value = settings[field];
      return [field, typeof value === "string" ? formatTime(value, withSeconds) : value];
    }),
  );
}

/**
 * The bulk read's shape of the same settings. The Swagger types `day` only as a string; the
 * simulator sends the English name capitalised ("Sunday"), Sunday first.
 */
export function bulkScheduleSettings(
  settings: Readonly<ScheduleSettings>,
  withSeconds: boolean,
): BulkScheduleSettings {
  return {
    isScheduled: settings.isScheduled,
    schedules: ADMIN_WEEKDAYS.map((day) => ({
      day: day.charAt(0).toUpperCase() + day.slice(1),
      active: settings[`${day}IsActive`],
      startTime: formatTime(settings[`${day}StartTime`], withSeconds),
      endTime: formatTime(settings[`${day}EndTime`], withSeconds),
    })),
  };
}

export type SettingsCheck = { ok: true; value: ScheduleSettings } | { ok: false; details: string[] };

/**
 * The PUT body, strictly: `{"scheduleSettings": {...}}` and nothing else beside it, all 22
 * fields and no others, booleans as booleans, times as "HH:MM" (or "HH:MM:SS"), and on an active
 * day a start before the end (one window within the day: no "24:00", no crossing midnight).
 * Stored times keep only hours and minutes.
 */
export function validatePutBody(body: unknown): SettingsCheck {
  if (!isPlainObject(body)) return { ok: false, details: ["the body must be a JSON object"] };
  const details: string[] = [];
  for (const key of Object.keys(body)) {
    if (key !== "scheduleSettings")
      details.push(`${key}: unknown property (the body is {"scheduleSettings": {...}})`);
  }
  if (!("scheduleSettings" in body)) {
    details.push('scheduleSettings: required (the body is {"scheduleSettings": {...}})');
    return { ok: false, details };
  }
  const checked = validateScheduleSettings(body.scheduleSettings, "scheduleSettings");
  if (!checked.ok) details.push(...checked.details);
  return details.length > 0 ? { ok: false, details } : checked;
}

/** One schedule-settings object, as `validatePutBody` checks it; `at` prefixes every finding. */
export function validateScheduleSettings(value: unknown, at: string): SettingsCheck {
  if (!isPlainObject(value)) return { ok: false, details: [`${at}: must be an object with the 22 fields`] };
  const details: string[] = [];
  const known = new Set<string>(SCHEDULE_SETTINGS_FIELDS);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) details.push(`${at}.${key}: unknown property`);
  }
  const missing = SCHEDULE_SETTINGS_FIELDS.filter((field) => !(field in value));
  if (missing.length > 0) details.push(`${at}: missing ${missing.join(", ")} (all 22 fields are required)`);
  if ("isScheduled" in value && typeof value.isScheduled !== "boolean") {
    details.push(`${at}.isScheduled: must be true or false`);
  }
  const settings: Record<string, unknown> = { isScheduled: value.isScheduled };
  for (const day of ADMIN_WEEKDAYS) {
    const active = value[`${day}IsActive`];
    if (`${day}IsActive` in value && typeof active !== "boolean") {
      details.push(`${at}.${day}IsActive: must be true or false`);
    }
    settings[`${day}IsActive`] = active;
    const minutes: (number | undefined)[] = [];
    for (const edge of ["StartTime", "EndTime"] as const) {
      const field = `${day}${edge}`;
      if (!(field in value)) continue;
      const time = value[field];
      const parsed = typeof time === "string" ? timeMinutes(time) : undefined;
      if (parsed === undefined) {
        details.push(`${at}.${field}: ${JSON.stringify(time)} is not a time "HH:MM" between 00:00 and 23:59`);
      } else {
        settings[field] = formatTime(time as string, false);
      }
      minutes.push(parsed);
    }
    const [start, end] = minutes;
    if (active === true && start !== undefined && end !== undefined && start >= end) {
      details.push(
        `${at}.${day}EndTime: ${String(value[`${day}EndTime`])} is not after ${day}StartTime ${String(value[`${day}StartTime`])}`,
      );
    }
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, value: settings as ScheduleSettings };
}
