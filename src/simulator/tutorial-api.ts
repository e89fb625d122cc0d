/**
 * The "tutorial" API profile as the simulator serves it: routing, the OAuth token endpoint and
 * the campaign endpoints, each turning a request into a Reply. No sockets here: the server
 * (simulator.ts) reads requests, applies latency and connection-level faults, and writes replies.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CampaignSnapshot, CampaignStore } from "./campaign-store.js";
import type { FaultQueue, RequestKind } from "./faults.js";
import { mediaType, parseBearer } from "./http-parsing.js";
import { authenticateClient, oauthError } from "./oauth.js";
import type { SlidingWindowLimiter } from "./rate-limiter.js";
import { errorReply, jsonReply, type Reply } from "./reply.js";
import type { LoggedKind } from "./request-log.js";
import { validatePatchBody } from "./schedule-validation.js";
import { KNOWN_SCOPES, READ_SCOPE, type TokenStore, WRITE_SCOPE } from "./tokens.js";

export const API_PREFIX = "/api/v2";
export const TOKEN_PATH = "/oauth/token";
const CAMPAIGNS_PATH = `${API_PREFIX}/outbound/campaigns`;
const DEFAULT_PAGE_SIZE = 100;

/** The knobs tests may turn while the simulator runs. */
export interface SimulatorSettings {
  /** Lifetime of issued tokens. */
  tokenTtlSeconds: number;
  /** API calls per client per sliding 60 s; Infinity for no limit. */
  rpm: number;
  /** When false the list route answers 404, as on tenants without it. */
  listEndpoint: boolean;
  /** Largest `pageSize` the list endpoint accepts. */
  maxPageSize: number;
  /** The licence tier's cap on dialing-hour blocks in one schedule. */
  maxDialingBlocks: number;
  /** Delay before every answer. */
  latencyMs: number;
  /** Share of API calls (0..1) answered with a random 500 or 503. */
  errorRate: number;
}

/**
 * Either a request to serve, or one answered by routing alone. A refused request keeps its kind
 * when it has one (the list route while disabled is still a "list" call in the request log).
 */
export type Route =
  | { kind: RequestKind; campaignId: string | undefined; refusal?: undefined }
  | { kind: LoggedKind; refusal: Reply };

/** Maps method and path to what is being asked for, or to the 404/405 that answers it. */
export function route(method: string, path: string, listEndpoint: boolean): Route {
  if (path === TOKEN_PATH) {
    return method === "POST" ? { kind: "token", campaignId: undefined } : methodNotAllowed(method, "POST");
  }
  if (path === CAMPAIGNS_PATH) {
    if (!listEndpoint) {
      return {
        kind: "list",
        refusal: errorReply(404, "not_found", `${path} is not available on this tenant`),
      };
    }
    return method === "GET" ? { kind: "list", campaignId: undefined } : methodNotAllowed(method, "GET");
  }
  if (path.startsWith(`${CAMPAIGNS_PATH}/`)) {
    const segment = path.slice(CAMPAIGNS_PATH.length + 1);
    const id = segment.includes("/") ? undefined : decodeSegment(segment);
    if (id !== undefined && id !== "") {
      if (method === "GET") return { kind: "get", campaignId: id };
      if (method === "PATCH") return { kind: "patch", campaignId: id };
      return methodNotAllowed(method, "GET, PATCH");
    }
  }
  return notFound(`no route for ${path}`);
}

export interface ApiRequest {
  kind: RequestKind;
  campaignId: string | undefined;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: string;
}

export interface Outcome {
  reply: Reply;
  /** Whose request it was, once known (token credentials or bearer token). */
  clientId?: string | undefined;
  /** A fault that shaped the answer from inside the handler (random error, stale write). */
  fault?: string | undefined;
}

export interface TutorialApiDeps {
  store: CampaignStore;
  tokens: TokenStore;
  limiter: SlidingWindowLimiter;
  faults: FaultQueue;
  settings: Readonly<SimulatorSettings>;
  /** clientId -> secret. */
  clients: ReadonlyMap<string, string>;
  now: () => number;
  random: () => number;
}

export class TutorialApi {
  readonly #deps: TutorialApiDeps;

  constructor(deps: TutorialApiDeps) {
    this.#deps = deps;
  }

  handle(request: ApiRequest): Outcome {
    return request.kind === "token" ? this.#token(request) : this.#apiCall(request);
  }

  // RFC 6749 section 4.4, client credentials, with the error codes of section 5.2.
  #token(request: ApiRequest): Outcome {
    const client = authenticateClient(request.headers, request.body, this.#deps.clients);
    if (!client.ok) return { reply: client.reply, clientId: client.clientId };
    const { form, clientId } = client;
    const grantType = form.get("grant_type");
    if (grantType === null) {
      return { reply: oauthError(400, "invalid_request", "grant_type is required"), clientId };
    }
    if (grantType !== "client_credentials") {
      return {
        reply: oauthError(400, "unsupported_grant_type", `grant_type ${grantType} is not supported`),
        clientId,
      };
    }
    // No scope asked for, no scope granted: a client that forgets `scope` finds out at once.
    const scopes = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
    if (unknown.length > 0) {
      return { reply: oauthError(400, "invalid_scope", `unknown scope: ${unknown.join(" ")}`), clientId };
    }
    const ttl = this.#deps.settings.tokenTtlSeconds;
    const token = this.#deps.tokens.issue(clientId, scopes, ttl);
    return {
      reply: jsonReply(
        200,
        { access_token: token, token_type: "Bearer", expires_in: ttl },
        { "cache-control": "no-store", pragma: "no-cache" },
      ),
      clientId,
    };
  }

  #apiCall(request: ApiRequest): Outcome {
    const { settings, tokens, limiter, now, random } = this.#deps;
    const token = parseBearer(request.headers.authorization);
    const grant = token === undefined ? undefined : tokens.verify(token);
    if (grant === undefined) {
      const message =
        token === undefined
          ? "an Authorization: Bearer <token> header is required"
          : "the access token is unknown, expired or revoked";
      return {
        reply: errorReply(401, "invalid_token", message, {
          headers: { "www-authenticate": 'Bearer error="invalid_token"' },
        }),
      };
    }
    const clientId = grant.clientId;
    // Every authenticated call spends budget, even one refused for its scope, as at a gateway.
    const decision = limiter.take(clientId, now(), settings.rpm);
    if (!decision.allowed) {
      return {
        reply: errorReply(
          429,
          "rate_limited",
          `more than ${settings.rpm} requests per minute from client ${clientId}; retry after ${decision.retryAfterSeconds} s`,
          { headers: { "retry-after": String(decision.retryAfterSeconds) } },
        ),
        clientId,
      };
    }
    const needed = request.kind === "patch" ? WRITE_SCOPE : READ_SCOPE;
    if (!grant.scopes.has(needed)) {
      return { reply: insufficientScope(needed), clientId };
    }
    if (settings.errorRate > 0 && random() < settings.errorRate) {
      const reply =
        random() < 0.5
          ? errorReply(500, "internal_error", "simulated server error")
          : errorReply(503, "service_unavailable", "simulated outage");
      return { reply, clientId, fault: `random ${reply.status}` };
    }
    const outcome =
      request.kind === "list"
        ? this.#list(request)
        : request.kind === "get"
          ? this.#get(request.campaignId as string)
          : this.#patch(request);
    return { ...outcome, clientId };
  }

  #list(request: ApiRequest): Outcome {
    const { store, settings } = this.#deps;
    const details: string[] = [];
    for (const key of new Set(request.query.keys())) {
      if (key !== "page" && key !== "pageSize") {
        details.push(`${key}: unknown query parameter (allowed: page, pageSize)`);
      } else if (request.query.getAll(key).length > 1) {
        details.push(`${key}: given more than once`);
      }
    }
    const page = positiveInteger(request.query.get("page"), 1, "page", details);
    const pageSize = positiveInteger(request.query.get("pageSize"), DEFAULT_PAGE_SIZE, "pageSize", details);
    if (pageSize > settings.maxPageSize) {
      details.push(`pageSize: ${pageSize} exceeds the maximum of ${settings.maxPageSize}`);
    }
    if (details.length > 0) {
      return { reply: errorReply(400, "invalid_request", details.join("; "), { extra: { details } }) };
    }
    const items = store
      .slice((page - 1) * pageSize, pageSize)
      .map((campaign) => ({ ...campaignBody(campaign), etag: campaign.etag }));
    return { reply: jsonReply(200, { items, total: store.size, page, pageSize }) };
  }

  #get(id: string): Outcome {
    const campaign = this.#deps.store.get(id);
    if (campaign === undefined) return { reply: campaignNotFound(id) };
    return { reply: jsonReply(200, campaignBody(campaign), { etag: campaign.etag }) };
  }

  // Checks run in RFC 9110's order: existence before preconditions, preconditions before the
  // body is looked at, so a stale write is a 412 even when its payload is also bad.
  #patch(request: ApiRequest): Outcome {
    const { store, faults, settings } = this.#deps;
    const id = request.campaignId as string;
    if (store.get(id) === undefined) return { reply: campaignNotFound(id) };
    const contentType = mediaType(request.headers["content-type"]);
    if (contentType !== "application/json") {
      return {
        reply: errorReply(
          415,
          "unsupported_media_type",
          `Content-Type must be application/json, got ${contentType ?? "none"}`,
        ),
      };
    }
    const ifMatch = request.headers["if-match"];
    if (ifMatch === undefined || ifMatch === "") {
      return {
        reply: errorReply(
          428,
          "precondition_required",
          "If-Match with the campaign's current ETag is required",
        ),
      };
    }
    const stale = faults.take({ kind: "patch", campaignId: id }, true);
    if (stale !== undefined) store.touch(id);
    const current = store.get(id) as CampaignSnapshot;
    if (ifMatch !== current.etag) {
      return {
        reply: errorReply(
          412,
          "precondition_failed",
          `campaign ${id} changed since ETag ${ifMatch} was read (only the current strong ETag is accepted)`,
        ),
        fault: stale === undefined ? undefined : "stale",
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch (error) {
      return {
        reply: errorReply(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`),
      };
    }
    const checked = validatePatchBody(body, { maxDialingBlocks: settings.maxDialingBlocks });
    if (!checked.ok) {
      return {
        reply: errorReply(422, "invalid_schedule", checked.details.join("; "), {
          extra: { details: checked.details },
        }),
      };
    }
    const written = store.write(id, checked.value);
    return { reply: jsonReply(200, campaignBody(written), { etag: written.etag }) };
  }
}

function campaignBody(campaign: Readonly<CampaignSnapshot>): Record<string, unknown> {
  return { id: campaign.id, name: campaign.name, status: campaign.status, schedule: campaign.schedule };
}

function campaignNotFound(id: string): Reply {
  return errorReply(404, "not_found", `campaign ${id} does not exist`);
}

function notFound(message: string): Route {
  return { kind: "other", refusal: errorReply(404, "not_found", message) };
}

function methodNotAllowed(method: string, allow: string): Route {
  return {
    kind: "other",
    refusal: errorReply(405, "method_not_allowed", `${method} is not allowed here (allowed: ${allow})`, {
      headers: { allow },
    }),
  };
}

function insufficientScope(scope: string): Reply {
  return errorReply(403, "insufficient_scope", `the access token lacks the ${scope} scope`, {
    headers: { "www-authenticate": `Bearer error="insufficient_scope", scope="${scope}"` },
    extra: { scope },
  });
}

function positiveInteger(value: string | null, fallback: number, name: string, details: string[]): number {
  if (value === null) return fallback;
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    details.push(`${name}: ${JSON.stringify(value)} is not a positive integer`);
    return fallback;
  }
  return Number(value);
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
