/**
 * The cxone-admin session: the client's options checked, one Transport (rate budget,
 * concurrency, retries, response limits) with the tokens it sends, the API endpoint discovered
 * once, and how an answer becomes an HttpError or JSON with every secret scrubbed. Every
 * request the reads and writes send goes through it.
 */
import { setTimeout as delay } from "node:timers/promises";
import { Agent, type Dispatcher } from "undici";
import { defaultResponseLimits, type ResponseLimits } from "../desired/config.js";
import { systemClock } from "../util/clock.js";
import { DialwindowError, UsageError } from "../util/errors.js";
import { type Logger, silentLogger } from "../util/log.js";
import {
  DiscoveryError,
  discoverApiEndpoint,
  discoverTokenEndpoint,
  passwordGrant,
  tenantIdClaim,
} from "./admin-auth.js";
import type { AdminClientOptions } from "./admin-client.js";
import { AuthenticationError, HttpError, NetworkError, ProtocolError, TimeoutError } from "./errors.js";
import { httpErrorFor, type IncomingResponse, type OutgoingRequest, redactUrl, scrub } from "./http.js";
import { RateBudget } from "./rate-budget.js";
import { Semaphore } from "./semaphore.js";
import { TokenProvider } from "./token-provider.js";
import { Transport } from "./transport.js";

/** The most skills one listing page is asked for: what the API serves at most. */
const MAX_PAGE = 100;
export const JSON_ACCEPT = { accept: "application/json" };

export interface Endpoints {
  apiBase: string;
  tenantId: string;
}

export interface AdminSession {
  readonly transport: Transport;
  readonly tokens: TokenProvider;
  readonly logger: Logger;
  /** Requests in flight at once (the Transport's semaphore); also how many per-skill reads run at once. */
  readonly concurrency: number;
  /** Skills per listing page, at most MAX_PAGE. */
  readonly pageSize: number;
  /** Discovery, once per client (single flight; a failure is asked again next time). */
  api(): Promise<Endpoints>;
  /** A non-2xx answer as an HttpError; a 403 names the permission the access key's user lacks. */
  failure(response: IncomingResponse, request: OutgoingRequest): HttpError;
  /** The answer's body parsed; a ProtocolError naming `what` when it is not JSON. */
  json(response: IncomingResponse, what: string): unknown;
  /** Closes the dispatcher, when the session made it. */
  close(): Promise<void>;
}

export function openAdminSession(options: AdminClientOptions): AdminSession {
  const issuer = checkUrl("cxone.issuer", options.issuer).replace(/\/+$/, "");
  if (!/^[1-9]\d{0,2}\.0$/.test(options.apiVersion))
    throw new UsageError(`cxone.apiVersion must look like "30.0", got ${JSON.stringify(options.apiVersion)}`);
  const creds = options.credentials;
  for (const [name, value] of [
    ["CXONE_ACCESS_KEY_ID", creds.accessKeyId],
    ["CXONE_ACCESS_KEY_SECRET", creds.accessKeySecret],
    ["CXONE_CLIENT_ID", creds.clientId],
    ["CXONE_CLIENT_SECRET", creds.clientSecret],
  ] as const) {
    if (value === "") throw new UsageError(`${name} is empty`);
  }
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
  const pageSize = Math.min(MAX_PAGE, positiveInteger("pageSize", options.pageSize ?? MAX_PAGE));
  const timeoutMs = positiveInteger("timeoutMs", options.timeoutMs ?? 30_000);
  const now = options.now ?? systemClock.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const logger = options.logger ?? silentLogger();
  const budget =
    options.budget ??
    new RateBudget({ requestsPerMinute: options.requestsPerMinute ?? 180, now: options.now, sleep });
  // TLS verification is undici's default and stays on.
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const ownsDispatcher = options.dispatcher === undefined;
  const maxResponseBytes: ResponseLimits = { ...defaultResponseLimits(pageSize) };
  for (const [kind, bytes] of Object.entries(options.maxResponseBytes ?? {})) {
    if (bytes !== undefined)
      maxResponseBytes[kind as keyof ResponseLimits] = positiveInteger(`maxResponseBytes.${kind}`, bytes);
  }
  const transport = new Transport({
    dispatcher,
    timeoutMs,
    maxResponseBytes,
    maxRetries: options.maxRetries ?? 4,
    backoff: { baseMs: options.backoffBaseMs ?? 500, capMs: options.backoffCapMs ?? 30_000 },
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    budget,
    semaphore: new Semaphore(concurrency),
    now,
    sleep,
    random: options.random ?? Math.random,
    logger,
    onRequest: options.onRequest,
  });

  const refreshTokens: string[] = [];
  let tokenEndpoint: Promise<string> | undefined;
  const tokens = new TokenProvider({
    now,
    fetch: passwordGrant({
      tokenEndpoint: () => {
        tokenEndpoint ??= discoverTokenEndpoint(transport, issuer, secrets, now).catch((err: unknown) => {
          tokenEndpoint = undefined; // asked again next time
          throw err;
        });
        return tokenEndpoint;
      },
      credentials: creds,
      transport,
      now,
      onRefreshToken: (t) => {
        refreshTokens.splice(0, refreshTokens.length, t);
      },
    }),
  });
  function secrets(): string[] {
    return [creds.accessKeySecret, creds.clientSecret, ...refreshTokens, ...tokens.knownTokens()];
  }

  let endpoints: Promise<Endpoints> | undefined;
  /** Discovery, once per client (single flight; a failure is asked again next time). */
  function api(): Promise<Endpoints> {
    endpoints ??= (async () => {
      const token = await tokens.get();
      const claimed = tenantIdClaim(token);
      const tenantId = options.tenantId ?? claimed;
      if (tenantId === undefined) {
        throw new DiscoveryError(
          "the access token carries no tenantId claim, so the tenant to discover is unknown; set CXONE_TENANT_ID to your tenant's id",
        );
      }
      const endpoint = await discoverApiEndpoint(transport, issuer, tenantId, secrets, now);
      const apiBase = `${endpoint}/inContactAPI/services/v${options.apiVersion}`;
      logger.debug({ apiBase: redactUrl(apiBase) }, "cxone-admin endpoint discovered");
      return { apiBase, tenantId };
    })().catch((err: unknown) => {
      endpoints = undefined;
      throw err;
    });
    return endpoints;
  }

  const failure = (response: IncomingResponse, request: OutgoingRequest): HttpError => {
    const err = httpErrorFor(response, request, secrets(), now());
    if (err.status !== 403) return err;
    // httpErrorFor speaks of OAuth scopes; here it is the access key's user that lacks a permission.
    return new HttpError(
      {
        status: 403,
        request: err.request,
        responseBody: err.responseBody,
        message: `${err.method} ${err.url} answered 403 Forbidden; the user of CXONE_ACCESS_KEY_ID needs a role that may view and edit skills (Skills: View, Edit)`,
      },
      { cause: err },
    );
  };

  const json = (response: IncomingResponse, what: string): unknown => {
    try {
      return JSON.parse(response.body);
    } catch {
      throw new ProtocolError(scrub(`${what} is not valid JSON`, secrets()));
    }
  };

  return {
    transport,
    tokens,
    logger,
    concurrency,
    pageSize,
    api,
    failure,
    json,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** Refused credentials, no connection at all, discovery: reading other skills would repeat them. */
export function isWholeCallFailure(err: unknown): boolean {
  if (err instanceof AuthenticationError || err instanceof DiscoveryError) return true;
  if (err instanceof NetworkError && !(err instanceof TimeoutError)) return true;
  return !(err instanceof DialwindowError);
}

function checkUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return value;
  } catch {
    // reported below
  }
  throw new UsageError(`${name} must be an http:// or https:// URL`);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name} must be a positive integer, got ${value}`);
  return value;
}
