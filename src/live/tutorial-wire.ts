/**
 * The tutorial profile's JSON, in and out. Everything read from the API is checked against
 * the contract here, so a malformed campaign becomes one clear ProtocolError for that
 * campaign instead of a crash somewhere in the planner.
 */
import {
  copySchedule as copyCanonical,
  parseSchedule,
  type Schedule,
  showValue as show,
} from "../desired/schedule.js";
import { ProtocolError } from "./errors.js";

export interface ParsedCampaign {
  id: string;
  name?: string;
  schedule: Schedule;
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
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

/** The tutorial wire's schedule is the canonical one; a malformed one is a ProtocolError. */
export function parseWireSchedule(value: unknown, where: string): Schedule {
  return parseSchedule(value, where, (message) => new ProtocolError(message));
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
export function scheduleBody(schedule: Schedule): string {
  return JSON.stringify({ schedule: copySchedule(schedule) });
}

/** A schedule with exactly the tutorial wire's fields (it has no `scheduled`), detached from the caller's objects. */
export function copySchedule(schedule: Schedule): Schedule {
  const { scheduled: _, ...wire } = copyCanonical(schedule);
  return wire;
}
