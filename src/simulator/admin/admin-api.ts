/**
 * The Admin API resources the simulator serves, each turning an authenticated request into a
 * Reply. Here: the gate every call passes (bearer token, rate limit, random faults), the dispatch
 * to each resource, and the bulk parameters read, a PC skill's schedule-settings and the business
 * unit; the skills list is in skill-list-api.ts, the time-zones resource in time-zones-api.ts.
 * No sockets here (see simulator.ts), and no versions or ETags anywhere: the real API has none.
 */
import { parseBearer } from "../http-parsing.js";
import { jsonReply, type Reply } from "../reply.js";
import {
  type AdminApiDeps,
  type AdminApiRequest,
  invalidSkill,
  jsonBody,
  NO_BODY,
  pcSkill,
} from "./admin-request.js";
import { adminError } from "./routes.js";
import { bulkScheduleSettings, scheduleSettingsBody, validatePutBody } from "./schedule-settings.js";
import { fieldsParameter, listSkills, project } from "./skill-list-api.js";
import { isPersonalConnection } from "./skill-store.js";
import { getTimeZones, putTimeZones, timeZoneView } from "./time-zones-api.js";

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
        return listSkills(this.#deps, request.url);
      case "bulk":
        return this.#bulk(request.url.searchParams);
      case "business-unit":
        return this.#businessUnit(request.url.searchParams);
      case "get-schedule":
        return this.#getSchedule(request.skillId as number);
      case "put-schedule":
        return this.#putSchedule(request);
      case "get-time-zones":
        return getTimeZones(this.#deps, request.skillId as number);
      case "put-time-zones":
        return putTimeZones(this.#deps, request);
    }
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
            timeZoneSettings: timeZoneView(this.#deps, skill.timeZoneSettings).map((zone) => ({
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
    const skill = pcSkill(this.#deps, skillId);
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
    if (pcSkill(this.#deps, skillId) === undefined) return invalidSkill(skillId);
    const body = jsonBody(request);
    if ("reply" in body) return body.reply;
    const checked = validatePutBody(body.value);
    if (!checked.ok) return adminError(400, "InvalidRequest", checked.details.join("; "));
    if (!request.ignoreWrite) this.#deps.store.writeSchedule(skillId, checked.value);
    return { status: 200, headers: {}, body: NO_BODY };
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
