/**
 * A PC skill's recipient time-zone bindings in the simulator's Admin API: the time-zones GET and
 * PUT (the PUT's list replaces the old one, naming only the business unit's zones), and the
 * per-zone view that GET and the bulk parameters read both serve.
 */
import { jsonReply, type Reply } from "../reply.js";
import { isPlainObject } from "../schedule-validation.js";
import type { AdminApiDeps, AdminApiRequest } from "./admin-request.js";
import { invalidSkill, jsonBody, NO_BODY, pcSkill } from "./admin-request.js";
import { adminError } from "./routes.js";
import { formatTime, timeMinutes } from "./schedule-settings.js";
import type { TimeZoneBinding } from "./skill-store.js";

export function getTimeZones(deps: AdminApiDeps, skillId: number): Reply {
  const skill = pcSkill(deps, skillId);
  if (skill === undefined) return invalidSkill(skillId);
  return jsonReply(200, { timeZoneSettings: timeZoneView(deps, skill.timeZoneSettings) });
}

// "All timezone boundings not in the request will be deactivated": the list replaces the old one.
export function putTimeZones(deps: AdminApiDeps, request: AdminApiRequest): Reply {
  const skillId = request.skillId as number;
  if (pcSkill(deps, skillId) === undefined) return invalidSkill(skillId);
  const body = jsonBody(request);
  if ("reply" in body) return body.reply;
  const checked = validateTimeZones(deps, body.value);
  if ("problems" in checked) return adminError(400, "InvalidRequest", checked.problems.join("; "));
  if (!request.ignoreWrite) deps.store.writeTimeZones(skillId, checked.bindings);
  return { status: 200, headers: {}, body: NO_BODY };
}

function validateTimeZones(
  deps: AdminApiDeps,
  body: unknown,
): { bindings: TimeZoneBinding[] } | { problems: string[] } {
  if (!isPlainObject(body)) return { problems: ["the body must be a JSON object"] };
  const problems: string[] = [];
  for (const key of Object.keys(body)) {
    if (key !== "timeZoneSettings")
      problems.push(`${key}: unknown property (the body is {"timeZoneSettings": [...]})`);
  }
  if (!("timeZoneSettings" in body)) problems.push("timeZoneSettings: required");
  const list = body.timeZoneSettings ?? [];
  if (!Array.isArray(list)) return { problems: [...problems, "timeZoneSettings: must be an array"] };
  const known = new Set(deps.businessUnit().timeZones.map((zone) => zone.standardName));
  const seen = new Set<string>();
  const bindings: TimeZoneBinding[] = [];
  const allowed = ["standardName", "startTime", "endTime", "timeZoneActiveToCall", "overrideTime"];
  list.forEach((item: unknown, index) => {
    const at = `timeZoneSettings[${index}]`;
    if (!isPlainObject(item)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    for (const key of Object.keys(item))
      if (!allowed.includes(key)) problems.push(`${at}.${key}: unknown property`);
    const { standardName, startTime, endTime, timeZoneActiveToCall, overrideTime } = item;
    if (typeof standardName !== "string" || !known.has(standardName)) {
      problems.push(
        `${at}.standardName: ${JSON.stringify(standardName)} is not one of the business unit's time zones`,
      );
    } else if (seen.has(standardName)) {
      problems.push(`${at}.standardName: ${standardName} is given more than once`);
    } else {
      seen.add(standardName);
    }
    if (typeof timeZoneActiveToCall !== "boolean")
      problems.push(`${at}.timeZoneActiveToCall: must be true or false`);
    if (typeof overrideTime !== "boolean") problems.push(`${at}.overrideTime: must be true or false`);
    const times: (string | null)[] = [];
    for (const [name, value] of [
      ["startTime", startTime],
      ["endTime", endTime],
    ] as const) {
      if (value === undefined || value === null) {
        if (overrideTime === true) problems.push(`${at}.${name}: required when overrideTime is true`);
        times.push(null);
      } else if (typeof value !== "string" || timeMinutes(value) === undefined) {
        problems.push(`${at}.${name}: ${JSON.stringify(value)} is not a time "HH:MM"`);
        times.push(null);
      } else {
        times.push(value);
      }
    }
    const [start, end] = times;
    if (
      overrideTime === true &&
      start &&
      end &&
      (timeMinutes(start) as number) >= (timeMinutes(end) as number)
    ) {
      problems.push(`${at}.endTime: ${end} is not after startTime ${start}`);
    }
    bindings.push({
      standardName: String(standardName),
      timeZoneActiveToCall: timeZoneActiveToCall === true,
      overrideTime: overrideTime === true,
      startTime: start ?? null,
      endTime: end ?? null,
    });
  });
  return problems.length > 0 ? { problems } : { bindings };
}

/**
 * One entry per business-unit zone. The Swagger gives GET no schema; this is the bulk read's
 * `timeZoneSettings` item (name, description, ...) plus `standardName`, the PUT's key.
 */
export function timeZoneView(deps: AdminApiDeps, bindings: readonly TimeZoneBinding[] | undefined) {
  const byName = new Map((bindings ?? []).map((binding) => [binding.standardName, binding]));
  // Times as every time of this API is served: "HH:MM", or "HH:MM:SS" when told to add seconds.
  const time = (value: string | null | undefined) =>
    value == null ? null : formatTime(value, deps.settings.timesWithSeconds);
  return deps.businessUnit().timeZones.map((zone) => {
    const binding = byName.get(zone.standardName);
    return {
      name: zone.standardName,
      standardName: zone.standardName,
      description: zone.displayName,
      // Never set: every zone may be called, on the skill's own schedule.
      timeZoneActiveToCall: bindings === undefined ? true : (binding?.timeZoneActiveToCall ?? false),
      overrideTime: binding?.overrideTime ?? false,
      startTime: time(binding?.startTime),
      endTime: time(binding?.endTime),
    };
  });
}
