/**
 * What every Admin API resource handler of the simulator shares: the dependencies it reads, the
 * request it is given once the bearer token, rate limit and random faults have let it through,
 * and the answers common to them (an unknown or non-PC skill, a JSON body, an empty 200).
 */
import type { IncomingHttpHeaders } from "node:http";
import { mediaType } from "../http-parsing.js";
import type { SlidingWindowLimiter } from "../rate-limiter.js";
import type { Reply } from "../reply.js";
import type { AdminRequestKind } from "./faults.js";
import { adminError } from "./routes.js";
import type { AdminSimulatorSettings, BusinessUnit } from "./settings.js";
import { isPersonalConnection, type SkillStore } from "./skill-store.js";
import type { AdminTokenStore } from "./tokens.js";

/** The empty body of a PUT's 200 and of a 204. */
export const NO_BODY = { raw: "" } as const;

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

export function pcSkill(deps: AdminApiDeps, skillId: number) {
  const skill = deps.store.get(skillId);
  return skill !== undefined && isPersonalConnection(skill) ? skill : undefined;
}

export function invalidSkill(skillId: number): Reply {
  return adminError(
    404,
    "NotFound",
    `Invalid skillId: ${skillId} is not a Personal Connection skill of this business unit`,
  );
}

export function jsonBody(request: AdminApiRequest): { value: unknown } | { reply: Reply } {
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
