/**
 * The cxone-admin profile's curfews, in and out: a Personal Connection skill's time-zone
 * boundings (NICE Admin API, `GET/PUT /skills/{id}/parameters/time-zones`, and the
 * `timeZoneSettings` of the bulk `GET /skills/parameters`). CXone lists every zone of the
 * business unit with `timeZoneActiveToCall`, `overrideTime` and, when it overrides, `startTime`
 * and `endTime` (recipient-local). The PUT takes `{"timeZoneSettings": [...]}`, and every zone it
 * leaves out is deactivated, so dialwindow sends exactly the active boundings.
 *
 * The Swagger gives the GET no schema; its items are read as the PUT's (`standardName`), or as
 * the bulk read's (`name`). The version is a hash of every zone's normalised fields, inactive
 * ones included, so any change made in CXone is a new version (there is no ETag).
 */
import { createHash } from "node:crypto";
import { type Bounding, type Curfews, normalizeCurfews } from "../desired/curfews.js";
import { showValue as show } from "../desired/schedule.js";
import { canonicalJson } from "../util/canonical-json.js";
import { adminTime } from "./admin-wire.js";
import { ProtocolError } from "./errors.js";

/** One zone's entry as CXone holds it, normalised (times "HH:MM" or null). */
export interface TimeZoneSetting {
  zone: string;
  active: boolean;
  override: boolean;
  start: string | null;
  end: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The body of `GET …/time-zones`: `{"timeZoneSettings": [...]}` (a bare list is taken too). */
export function parseTimeZoneSettings(value: unknown, where: string): TimeZoneSetting[] {
  const list = Array.isArray(value) ? value : isObject(value) ? value.timeZoneSettings : undefined;
  if (!Array.isArray(list))
    throw new ProtocolError(`${where}: expected {timeZoneSettings: [...]}, got ${show(value)}`);
  return parseList(list, `${where}: timeZoneSettings`);
}

/** One skill's `timeZoneSettings` in the bulk read. */
export function parseBulkTimeZoneSettings(value: unknown, where: string): TimeZoneSetting[] {
  if (!Array.isArray(value))
    throw new ProtocolError(`${where}: timeZoneSettings is ${show(value)}, expected an array`);
  return parseList(value, `${where}: timeZoneSettings`);
}

function parseList(list: readonly unknown[], where: string): TimeZoneSetting[] {
  const seen = new Set<string>();
  return list.map((item, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(item)) throw new ProtocolError(`${at} is ${show(item)}, expected an object`);
    const zone = typeof item.standardName === "string" ? item.standardName : item.name;
    if (typeof zone !== "string" || zone.trim() === "")
      throw new ProtocolError(`${at}: standardName is ${show(item.standardName)}, expected a zone id`);
    if (seen.has(zone)) throw new ProtocolError(`${at}: lists ${zone} a second time`);
    seen.add(zone);
    for (const key of ["timeZoneActiveToCall", "overrideTime"] as const) {
      if (typeof item[key] !== "boolean")
        throw new ProtocolError(`${at}.${key} is ${show(item[key])}, expected true or false`);
    }
    const active = item.timeZoneActiveToCall as boolean;
    const override = item.overrideTime as boolean;
    const start = adminTime(item.startTime) ?? null;
    const end = adminTime(item.endTime) ?? null;
    // An inactive zone's times do nothing; an active override needs both.
    if (active && override && (start === null || end === null))
      throw new ProtocolError(
        `${at}: ${zone} overrides the skill's hours but startTime ${show(item.startTime)} / endTime ${show(item.endTime)} are not "HH:MM"`,
      );
    return { zone, active, override, start, end };
  });
}

/** The active boundings the settings stand for (the canonical curfews). */
export function curfewsOf(settings: readonly TimeZoneSetting[]): Curfews {
  return normalizeCurfews(
    settings
      .filter((s) => s.active)
      .map(
        (s): Bounding =>
          s.override && s.start !== null && s.end !== null
            ? { zone: s.zone, start: s.start, end: s.end }
            : { zone: s.zone },
      ),
  );
}

/** The version of a skill's boundings: a hash of every zone's normalised entry. */
export function timeZonesVersion(settings: readonly TimeZoneSetting[]): string {
  const sorted = [...settings]
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0))
    .map((s) => [s.zone, s.active, s.override, s.start, s.end]);
  return `sha256:${createHash("sha256").update(canonicalJson(sorted)).digest("hex").slice(0, 20)}`;
}

/** The PUT body: the active boundings only; CXone deactivates every zone left out. */
export function timeZonesPutBody(curfews: readonly Bounding[]): string {
  return JSON.stringify({
    timeZoneSettings: normalizeCurfews(curfews).map((b) =>
      b.start !== undefined && b.end !== undefined
        ? {
            standardName: b.zone,
            timeZoneActiveToCall: true,
            overrideTime: true,
            startTime: b.start,
            endTime: b.end,
          }
        : { standardName: b.zone, timeZoneActiveToCall: true, overrideTime: false },
    ),
  });
}

/** Why the boundings cannot be sent, or undefined. */
export function unsendable(curfews: readonly Bounding[]): string | undefined {
  for (const b of curfews) {
    if ((b.start === undefined) !== (b.end === undefined))
      return `the bounding of ${b.zone} has a start or an end but not both`;
    if (b.start !== undefined && b.end !== undefined) {
      if (adminTime(b.start) !== b.start || adminTime(b.end) !== b.end || b.start >= b.end)
        return `the bounding of ${b.zone} (${b.start}–${b.end}) is not a span within one day`;
    }
  }
  return undefined;
}
