/**
 * Where things live on the cxone-admin simulator's one port, and what a method and path ask
 * for. The issuer is the origin itself, as `https://cxone.niceincontact.com` is; the API endpoint
 * that discovery hands out is a path below it, so a client that calls the issuer for API
 * resources, or drops the endpoint's path, gets a 404 rather than an answer.
 */
import { jsonReply, type Reply } from "../reply.js";
import type { AdminLoggedKind, AdminRequestKind } from "./faults.js";
import { parseSkillId } from "./skill-store.js";

export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
export const CXONE_CONFIGURATION_PATH = "/.well-known/cxone-configuration";
export const TOKEN_PATH = "/auth/token";
/** The API endpoint's path; `api_endpoint` is the origin plus this. */
export const API_ENDPOINT_PATH = "/api-sim1";

export type AdminRoute =
  | {
      kind: AdminRequestKind;
      skillId: number | undefined;
      /** `30.0` for `/v30.0/`. */
      apiVersion: string | undefined;
      refusal?: undefined;
    }
  | { kind: AdminLoggedKind; skillId: number | undefined; apiVersion: string | undefined; refusal: Reply };

/** The Admin API's error body: `{error, error_description}`. */
export function adminError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(status, { error, error_description: description }, headers);
}

export function routeAdmin(method: string, path: string): AdminRoute {
  if (path === OPENID_CONFIGURATION_PATH || path === CXONE_CONFIGURATION_PATH) {
    return only(method, "GET", { kind: "discovery", skillId: undefined, apiVersion: undefined });
  }
  if (path === TOKEN_PATH) {
    return only(method, "POST", { kind: "token", skillId: undefined, apiVersion: undefined });
  }
  const api = splitApiPath(path);
  if (api === undefined) return notFound(path, undefined);
  const { version, segments } = api;
  const [first, second, third, fourth, ...rest] = segments;
  if (first === "business-unit" && segments.length === 1) {
    return only(method, "GET", { kind: "business-unit", skillId: undefined, apiVersion: version });
  }
  if (first !== "skills") return notFound(path, version);
  if (segments.length === 1)
    return only(method, "GET", { kind: "list", skillId: undefined, apiVersion: version });
  if (second === "parameters" && segments.length === 2) {
    return only(method, "GET", { kind: "bulk", skillId: undefined, apiVersion: version });
  }
  if (third !== "parameters" || rest.length > 0) return notFound(path, version);
  const pair =
    fourth === "schedule-settings"
      ? (["get-schedule", "put-schedule"] as const)
      : fourth === "time-zones"
        ? (["get-time-zones", "put-time-zones"] as const)
        : undefined;
  if (pair === undefined) return notFound(path, version);
  const kind = method === "PUT" ? pair[1] : pair[0];
  const skillId = parseSkillId(second ?? "");
  if (method !== "GET" && method !== "PUT") {
    return { ...methodNotAllowed(method, "GET, PUT"), skillId, apiVersion: version };
  }
  if (skillId === undefined) {
    return {
      kind,
      skillId,
      apiVersion: version,
      refusal: adminError(
        400,
        "InvalidSkillId",
        `Invalid skillId: ${JSON.stringify(second)} is not a skill id`,
      ),
    };
  }
  return { kind, skillId, apiVersion: version };
}

/**
 * `{API_ENDPOINT_PATH}/inContactAPI/services/v{N}.0/...`: the version and the segments after it.
 * `inContactAPI` is matched without regard to case, because NICE's own code spells it both ways.
 */
function splitApiPath(path: string): { version: string; segments: string[] } | undefined {
  if (!path.startsWith(`${API_ENDPOINT_PATH}/`)) return undefined;
  const [product, services, version, ...segments] = path.slice(API_ENDPOINT_PATH.length + 1).split("/");
  if (product?.toLowerCase() !== "incontactapi" || services !== "services") return undefined;
  const match = /^v([1-9]\d{0,2})\.0$/.exec(version ?? "");
  if (match === null) return undefined;
  return { version: `${match[1]}.0`, segments };
}

function only(method: string, allowed: string, route: AdminRoute & { refusal?: undefined }): AdminRoute {
  return method === allowed ? route : { ...methodNotAllowed(method, allowed), apiVersion: route.apiVersion };
}

function methodNotAllowed(method: string, allow: string): AdminRoute {
  return {
    kind: "other",
    skillId: undefined,
    apiVersion: undefined,
    refusal: adminError(405, "MethodNotAllowed", `${method} is not allowed here (allowed: ${allow})`, {
      allow,
    }),
  };
}

function notFound(path: string, apiVersion: string | undefined): AdminRoute {
  return {
    kind: "other",
    skillId: undefined,
    apiVersion,
    refusal: adminError(404, "NotFound", `no resource at ${path}`),
  };
}
