/**
 * The Admin API resources the simulator serves, each turning an authenticated request into a
 * Reply: the skills list, the bulk parameters read, a PC skill's schedule-settings and time-zones,
 * and the business unit. No sockets here (see simulator.ts), and no versions or ETags anywhere:
 * the real API has none.
 */
import type { IncomingHttpHeaders } from "node:http";
import { mediaType, parseBearer } from "../http-parsing.js";
import type { SlidingWindowLimiter } from "../rate-limiter.js";
import { jsonReply, type Reply } from "../reply.js";
import { isPlainObject } from "../schedule-validation.js";
import type { AdminRequestKind } from "./faults.js";
import { adminError } from "./routes.js";
import {
  bulkScheduleSettings,
  formatTime,
  scheduleSettingsBody,
  timeMinutes,
  validatePutBody,
} from "./schedule-settings.js";
import type { AdminSimulatorSettings, BusinessUnit } from "./settings.js";
import { isPersonalConnection, mediaTypeName, type SkillStore, type TimeZoneBinding } from "./skill-store.js";
import type { AdminTokenStore } from "./tokens.js";

/** The empty body of a PUT's 200 and of a 204. */
const NO_BODY = { raw: "" } as const;

/** Query parameters `GET /skills` documents; anything else is a 400. */
const LIST_PARAMETERS = new Set([
  "mediaTypeId",
  "outboundStrategy",
  "isActive",
  "searchString",
  "fields",
  "skip",
  "top",
  "orderBy",
  "updatedSince",
]);

export interface AdminApiDeps {
  store: SkillStore;
  tokens: AdminTokenStore;
  limiter: SlidingWindowLimiter;
  settings: Readonly<AdminSimulatorSettings>;
  businessUnit: () => Readonly<BusinessUnit>;
  tenantId: string;
  now: () => number;
  random: () => number;
}

export interface AdminApiRequest {
  kind: Exclude<AdminRequestKind, "discovery" | "token">;
  skillId: number | undefined;
  headers: IncomingHttpHeaders;
  /** The request's URL as the client addressed it (for `_links`). */
  url: URL;
  body: string;
  /** An injected fault: answer a PUT 200 without storing it. */
  ignoreWrite: boolean;
}

export interface AdminOutcome {
  reply: Reply;
  /** The access key behind the bearer token, once known. */
  accessKeyId?: string | undefined;
  clientId?: string | undefined;
  fault?: string | undefined;
}

export class AdminApi {
  readonly #deps: AdminApiDeps;

  constructor(deps: AdminApiDeps) {
    this.#deps = deps;
  }

  handle(request: AdminApiRequest): AdminOutcome {
    const { settings, tokens, limiter, now, random } = this.#deps;
    const token = parseBearer(request.headers.authorization);
    const grant = token === undefined ? undefined : tokens.verify(token);
    if (grant === undefined) {
      const description =
        token === undefined
          ? "an Authorization: Bearer <token> header is required"
          : "the access token is unknown, expired or revoked";
      return {
        reply: adminError(401, "invalid_token", description, {
          "www-authenticate": 'Bearer error="invalid_token"',
        }),
      };
    }
    const who = { accessKeyId: grant.accessKeyId, clientId: grant.clientId };
    const decision = limiter.take(grant.accessKeyId, now(), settings.rpm);
    if (!decision.allowed) {
      // CXone documents no limit and its 429s carry no reliable Retry-After: none is sent here.
      return {
        reply: adminError(
          429,
          "TooManyRequests",
          `more than ${settings.rpm} requests per minute for this access key`,
        ),
        ...who,
      };
    }
    if (settings.errorRate > 0 && random() < settings.errorRate) {
      const reply =
        random() < 0.5
          ? adminError(500, "InternalServerError", "simulated server error")
          : adminError(503, "ServiceUnavailable", "simulated outage");
      return { reply, ...who, fault: `random ${reply.status}` };
    }
    return { reply: this.#serve(request), ...who };
  }

  #serve(request: AdminApiRequest): Reply {
    switch (request.kind) {
      case "list":
        return this.#list(request.url);
      case "bulk":
        return this.#bulk(request.url.searchParams);
      case "business-unit":
        return this.#businessUnit(request.url.searchParams);
      case "get-schedule":
        return this.#getSchedule(request.skillId as number);
      case "put-schedule":
        return this.#putSchedule(request);
      case "get-time-zones":
        return this.#getTimeZones(request.skillId as number);
      case "put-time-zones":
        return this.#putTimeZones(request);
    }
  }

  // GET /skills: filters, then skip/top paging with `_links`; `mediaTypeId` is required (the
  // Swagger calls it a "required filter parameter"), and a page holds at most `maxPageSize`.
  #list(url: URL): Reply {
    const query = url.searchParams;
    const problems: string[] = [];
    for (const key of new Set(query.keys())) {
      if (!LIST_PARAMETERS.has(key)) problems.push(`${key} is not a parameter of GET /skills`);
      else if (query.getAll(key).length > 1) problems.push(`${key} is given more than once`);
    }
    const mediaTypeId = integerParameter(query, "mediaTypeId", problems, 1);
    if (query.get("mediaTypeId") === null) problems.push("mediaTypeId is required");
    const isActive = booleanParameter(query, "isActive", problems);
    const skip = integerParameter(query, "skip", problems, 0) ?? 0;
    const top = integerParameter(query, "top", problems, 1);
    const order = orderParameter(query.get("orderBy"), problems);
    const updatedSince = query.get("updatedSince");
    if (updatedSince !== null && Number.isNaN(Date.parse(updatedSince))) {
      problems.push(`updatedSince ${JSON.stringify(updatedSince)} is not an ISO 8601 time`);
    }
    if (problems.length > 0) return adminError(400, "InvalidParameter", problems.join("; "));

    const strategy = query.get("outboundStrategy");
    const search = query.get("searchString")?.toLowerCase();
    const matching = this.#deps.store
      .all()
      .filter(
        (skill) =>
          skill.mediaTypeId === mediaTypeId &&
          (strategy === null || skill.outboundStrategy === strategy) &&
          (isActive === undefined || skill.isActive === isActive) &&
          (search === undefined || skill.skillName.toLowerCase().includes(search)),
      );
    if (order !== undefined) matching.sort(order);
    const pageSize = Math.min(top ?? this.#deps.settings.maxPageSize, this.#deps.settings.maxPageSize);
    const page = matching.slice(skip, skip + pageSize);
    if (page.length === 0 && this.#deps.settings.emptyPageStatus === 204) {
      return { status: 204, headers: {}, body: NO_BODY };
    }
    const link = (at: number) => {
      const next = new URL(url);
      next.searchParams.set("skip", String(at));
      next.searchParams.set("top", String(pageSize));
      return next.toString();
    };
    const fields = fieldsParameter(query);
    return jsonReply(200, {
      _links: {
        self: url.toString(),
        next: skip + pageSize < matching.length ? link(skip + pageSize) : null,
        previous: skip > 0 ? link(Math.max(0, skip - pageSize)) : null,
      },
      businessUnitId: this.#deps.businessUnit().businessUnitId,
      lastPollTime: new Date(this.#deps.now()).toISOString(),
      totalRecords: matching.length,
      skills: page.map((skill) => project(listItem(skill), fields)),
    });
  }

  // GET /skills/parameters: every outbound dialer (PC) skill's parameter blocks, `skillNo` as id.
  #bulk(query: URLSearchParams): Reply {
    const { settings, store } = this.#deps;
    if (settings.bulkEndpoint === "missing")
      return adminError(404, "NotFound", "no resource at /skills/parameters");
    if (settings.bulkEndpoint === "failing") {
      return adminError(500, "InternalServerError", "the skill parameters could not be read");
    }
    const fields = fieldsParameter(query);
    const skills = store
      .all()
      .filter(isPersonalConnection)
      .map((skill) =>
        project(
          {
            skillName: skill.skillName,
            skillNo: skill.skillId,
            generalSettings: GENERAL_SETTINGS,
            callingLists: [],
            scheduleSettings: bulkScheduleSettings(
              skill.scheduleSettings as NonNullable<typeof skill.scheduleSettings>,
              settings.timesWithSeconds,
            ),
            timeZoneSettings: this.#timeZoneView(skill.timeZoneSettings).map((zone) => ({
              name: zone.name,
              description: zone.description,
              overrideTime: zone.overrideTime,
              timeZoneActiveToCall: zone.timeZoneActiveToCall,
              startTime: zone.startTime,
              endTime: zone.endTime,
            })),
          },
          fields,
        ),
      );
    return jsonReply(200, { skills });
  }

  #businessUnit(query: URLSearchParams): Reply {
    const unit = this.#deps.businessUnit();
    return jsonReply(200, {
      businessUnits: [
        project(
          {
            businessUnitId: unit.businessUnitId,
            businessUnitName: unit.businessUnitName,
            isActive: true,
            tenantId: this.#deps.tenantId,
            startDayOfWeek: 7,
            defaultTimeZone: unit.defaultTimeZone,
            agentsUseDefaultTimeZone: false,
            allowPredictiveDialing: true,
            timeZones: unit.timeZones.map((zone) => ({ ...zone })),
          },
          fieldsParameter(query),
        ),
      ],
    });
  }

  #getSchedule(skillId: number): Reply {
    const skill = this.#pcSkill(skillId);
    if (skill === undefined) return invalidSkill(skillId);
    return jsonReply(
      200,
      scheduleSettingsBody(
        skill.scheduleSettings as NonNullable<typeof skill.scheduleSettings>,
        this.#deps.settings.timesWithSeconds,
      ),
    );
  }

  // Existence first, then the media type, then the body: a PUT to a skill that is not PC is a
  // 404 whatever it carries.
  #putSchedule(request: AdminApiRequest): Reply {
    const skillId = request.skillId as number;
    if (this.#pcSkill(skillId) === undefined) return invalidSkill(skillId);
    const body = jsonBody(request);
    if ("reply" in body) return body.reply;
    const checked = validatePutBody(body.value);
    if (!checked.ok) return adminError(400, "InvalidRequest", checked.details.join("; "));
    if (!request.ignoreWrite) this.#deps.store.writeSchedule(skillId, checked.value);
    return { status: 200, headers: {}, body: NO_BODY };
  }

  #getTimeZones(skillId: number): Reply {
    const skill = this.#pcSkill(skillId);
    if (skill === undefined) return invalidSkill(skillId);
    return jsonReply(200, { timeZoneSettings: this.#timeZoneView(skill.timeZoneSettings) });
  }

  // "All timezone boundings not in the request will be deactivated": the list replaces the old one.
  #putTimeZones(request: AdminApiRequest): Reply {
    const skillId = request.skillId as number;
    if (this.#pcSkill(skillId) === undefined) return invalidSkill(skillId);
    const body = jsonBody(request);
    if ("reply" in body) return body.reply;
    const checked = this.#validateTimeZones(body.value);
    if ("problems" in checked) return adminError(400, "InvalidRequest", checked.problems.join("; "));
    if (!request.ignoreWrite) this.#deps.store.writeTimeZones(skillId, checked.bindings);
    return { status: 200, headers: {}, body: NO_BODY };
  }

  #validateTimeZones(body: unknown): { bindings: TimeZoneBinding[] } | { problems: string[] } {
    if (!isPlainObject(body)) return { problems: ["the body must be a JSON object"] };
    const problems: string[] = [];
    for (const key of Object.keys(body)) {
      if (key !== "timeZoneSettings")
        problems.push(`${key}: unknown property (the body is {"timeZoneSettings": [...]})`);
    }
    if (!("timeZoneSettings" in body)) problems.push("timeZoneSettings: required");
    const list = body.timeZoneSettings ?? [];
    if (!Array.isArray(list)) return { problems: [...problems, "timeZoneSettings: must be an array"] };
    const known = new Set(this.#deps.businessUnit().timeZones.map((zone) => zone.standardName));
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
  #timeZoneView(bindings: readonly TimeZoneBinding[] | undefined) {
    const byName = new Map((bindings ?? []).map((binding) => [binding.standardName, binding]));
    // Times as every time of this API is served: "HH:MM", or "HH:MM:SS" when told to add seconds.
    const time = (value: string | null | undefined) =>
      value == null ? null : formatTime(value, this.#deps.settings.timesWithSeconds);
    return this.#deps.businessUnit().timeZones.map((zone) => {
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

  #pcSkill(skillId: number) {
    const skill = this.#deps.store.get(skillId);
    return skill !== undefined && isPersonalConnection(skill) ? skill : undefined;
  }
}

// What the bulk read carries besides the schedule; fixed values, there so a client ignores them.
const GENERAL_SETTINGS = {
  minimumRetryMinutes: 60,
  maximumAttempts: 3,
  defaultContactExpiration: 0,
  loadCallbacks: true,
  loadFresh: true,
  loadNonFresh: true,
  maximumRingingDuration: 30,
  maximumRatio: 1,
  aggressiveness: 1,
};

function listItem(skill: ReturnType<SkillStore["all"]>[number]): Record<string, unknown> {
  return {
    skillId: skill.skillId,
    skillName: skill.skillName,
    mediaTypeId: skill.mediaTypeId,
    mediaTypeName: mediaTypeName(skill.mediaTypeId),
    isActive: skill.isActive,
    campaignId: skill.campaignId,
    campaignName: skill.campaignName,
    notes: "",
    isOutbound: skill.isOutbound,
    outboundStrategy: skill.outboundStrategy,
    isRunning: false,
    priorityBlending: false,
    callerIdOverride: null,
    scriptId: 0,
    scriptName: "",
    agentless: false,
    initialPriority: 0,
    acceleration: 1,
    maxPriority: 1000,
    serviceLevelThreshold: 30,
    serviceLevelGoal: 80,
  };
}

function invalidSkill(skillId: number): Reply {
  return adminError(
    404,
    "NotFound",
    `Invalid skillId: ${skillId} is not a Personal Connection skill of this business unit`,
  );
}

function jsonBody(request: AdminApiRequest): { value: unknown } | { reply: Reply } {
  const type = mediaType(request.headers["content-type"]);
  if (type !== "application/json") {
    return {
      reply: adminError(
        415,
        "UnsupportedMediaType",
        `Content-Type must be application/json, got ${type ?? "none"}`,
      ),
    };
  }
  try {
    return { value: JSON.parse(request.body) };
  } catch (error) {
    return {
      reply: adminError(400, "InvalidRequest", `the body is not valid JSON: ${(error as Error).message}`),
    };
  }
}

function integerParameter(
  query: URLSearchParams,
  name: string,
  problems: string[],
  min: number,
): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    problems.push(`${name} ${JSON.stringify(value)} is not an integer of at least ${min}`);
    return undefined;
  }
  return Number(value);
}

function booleanParameter(query: URLSearchParams, name: string, problems: string[]): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value !== "true" && value !== "false") {
    problems.push(`${name} ${JSON.stringify(value)} is not true or false`);
    return undefined;
  }
  return value === "true";
}

type Listed = ReturnType<SkillStore["all"]>[number];

function orderParameter(
  value: string | null,
  problems: string[],
): ((a: Listed, b: Listed) => number) | undefined {
  if (value === null) return undefined;
  const match = /^(skillId|skillName)(?: (asc|desc))?$/.exec(value.trim());
  if (match === null) {
    problems.push(
      `orderBy ${JSON.stringify(value)}: the simulator orders by skillId or skillName, asc or desc`,
    );
    return undefined;
  }
  const sign = match[2] === "desc" ? -1 : 1;
  return match[1] === "skillName"
    ? (a, b) =>
        sign * (a.skillName < b.skillName ? -1 : a.skillName > b.skillName ? 1 : a.skillId - b.skillId)
    : (a, b) => sign * (a.skillId - b.skillId);
}

/** The `fields` parameter: the top-level names to keep, or undefined for all. */
function fieldsParameter(query: URLSearchParams): Set<string> | undefined {
  const value = query.get("fields");
  if (value === null || value.trim() === "") return undefined;
  return new Set(value.split(",").map((name) => name.trim()));
}

function project(item: Record<string, unknown>, fields: Set<string> | undefined): Record<string, unknown> {
  if (fields === undefined) return item;
  return Object.fromEntries(Object.entries(item).filter(([key]) => fields.has(key)));
}
