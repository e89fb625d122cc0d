/**
 * The tutorial profile's JSON, in and out. Everything read from the API is checked against
 * the contract here, so a malformed campaign becomes one clear ProtocolError for that
 * campaign instead of a crash somewhere in the planner.
 */
import {
  isPauseCondition,
  isWeekday,
  type PauseCondition,
  type WireDialingHour,
  type WireSchedule,
} from "../desired/wire.js";
import { ProtocolError } from "./errors.js";

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface ParsedCampaign {
  id: string;
  name?: string;
  schedule: WireSchedule;
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A short, safe description of an unexpected value for an error message. */
function show(value: unknown): string {
  if (value === undefined) return "missing";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

/**
 * A campaign id as dialwindow keeps it: a string. A JSON number is accepted only while it is
 * a safe integer; CXone ids exceed 2^53, and a larger number has already lost digits.
 */
export function parseCampaignId(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

/** Parses response text as JSON; `what` names the response in the error. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the text; the position is enough to find the fault.
    const detail = err instanceof Error ? err.message.replace(/,? ?".*"/s, "") : "";
    throw new ProtocolError(`${what} is not valid JSON${detail ? ` (${detail})` : ""}`);
  }
}

export function parseWireSchedule(value: unknown, where: string): WireSchedule {
  if (!isObject(value)) throw new ProtocolError(`${where}: schedule is ${show(value)}, expected an object`);
  const timezone = value.timezone;
  if (typeof timezone !== "string" || timezone === "") {
    throw new ProtocolError(`${where}: schedule.timezone is ${show(timezone)}, expected an IANA zone name`);
  }
  const hours = value.dialingHours;
  if (!Array.isArray(hours)) {
    throw new ProtocolError(`${where}: schedule.dialingHours is ${show(hours)}, expected an array`);
  }
  const dialingHours = hours.map((hour: unknown, i): WireDialingHour => {
    const at = `${where}: schedule.dialingHours[${i}]`;
    if (!isObject(hour))
      throw new ProtocolError(`${at} is ${show(hour)}, expected {day, startTime, endTime}`);
    if (!isWeekday(hour.day)) throw new ProtocolError(`${at}.day is ${show(hour.day)}, expected MON..SUN`);
    for (const key of ["startTime", "endTime"] as const) {
      const time = hour[key];
      if (typeof time !== "string" || !HHMM.test(time)) {
        throw new ProtocolError(`${at}.${key} is ${show(time)}, expected HH:MM (24h)`);
      }
    }
    return { day: hour.day, startTime: hour.startTime as string, endTime: hour.endTime as string };
  });
  const pause = value.pauseConditions;
  if (!Array.isArray(pause)) {
    throw new ProtocolError(`${where}: schedule.pauseConditions is ${show(pause)}, expected an array`);
  }
  const pauseConditions = pause.map((condition: unknown, i): PauseCondition => {
    if (!isPauseCondition(condition)) {
      throw new ProtocolError(
        `${where}: schedule.pauseConditions[${i}] is ${show(condition)}, expected NO_ANSWER, BUSY, DISCONNECTED or ANSWERING_MACHINE`,
      );
    }
    return condition;
  });
  return { timezone, dialingHours, pauseConditions };
}

/**
 * A campaign object. When `expectedId` is given the body's id must match it (or be absent):
 * reading one campaign and being handed another must never reach the planner.
 */
export function parseCampaign(value: unknown, where: string, expectedId?: string): ParsedCampaign {
  if (!isObject(value)) throw new ProtocolError(`${where}: expected a campaign object, got ${show(value)}`);
  let id = parseCampaignId(value.id);
  if (value.id !== undefined && id === undefined) {
    throw new ProtocolError(`${where}: campaign id is ${show(value.id)}, expected a string`);
  }
  if (expectedId !== undefined) {
    if (id !== undefined && id !== expectedId) {
      throw new ProtocolError(
        `${where}: asked for campaign ${expectedId} but the API returned campaign ${id}`,
      );
    }
    id = expectedId;
  }
  if (id === undefined) throw new ProtocolError(`${where}: campaign has no id`);
  const campaign: ParsedCampaign = { id, schedule: parseWireSchedule(value.schedule, where) };
  if (typeof value.name === "string") campaign.name = value.name;
  return campaign;
}

/**
 * The PATCH body: exactly `{"schedule": {timezone, dialingHours, pauseConditions}}`. Fields
 * are copied one by one, so whatever else rides on the caller's objects (a normalised form's
 * extras, a document's metadata) is never sent.
 */
export function scheduleBody(schedule: WireSchedule): string {
  return JSON.stringify({ schedule: copySchedule(schedule) });
}

/** A schedule with exactly the wire fields, detached from the caller's objects. */
export function copySchedule(schedule: WireSchedule): WireSchedule {
  return {
    timezone: schedule.timezone,
    dialingHours: schedule.dialingHours.map((h) => ({
      day: h.day,
      startTime: h.startTime,
      endTime: h.endTime,
    })),
    pauseConditions: [...schedule.pauseConditions],
  };
}
