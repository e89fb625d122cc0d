/**
 * The cxone-admin session: the client's options checked, one Transport (rate budget,
 * concurrency, retries, response limits) with the tokens it sends, the API endpoint discovered
 * once, and how an answer becomes an HttpError or JSON with every secret scrubbed. Every
 * request the reads and writes send goes through it.
 */
import { DialwindowError, UsageError } from "../util/errors.js";
import {
  DiscoveryError,
  discoverApiEndpoint,
  discoverTokenEndpoint,
  passwordGrant,
  tenantIdClaim,
} from "./admin-auth.js";
import type { AdminClientOptions } from "./admin-client.js";
import { type ClientTransport, checkUrl, openClientTransport } from "./client-transport.js";
import { AuthenticationError, HttpError, NetworkError, ProtocolError, TimeoutError } from "./errors.js";
import { httpErrorFor, type IncomingResponse, type OutgoingRequest, redactUrl, scrub } from "./http.js";
import { TokenProvider } from "./token-provider.js";

/** The most skills one listing page is asked for: what the API serves at most. */
const MAX_PAGE = 100;

export interface Endpoints {
  apiBase: string;
  tenantId: string;
}

/** The client's transport (pageSize at most MAX_PAGE), its tokens, discovery and answer handling. */
export interface AdminSession extends ClientTransport {
  readonly tokens: TokenProvider;
  /** Discovery, once per client (single flight; a failure is asked again next time). */
  api(): Promise<Endpoints>;
  /** A non-2xx answer as an HttpError; a 403 names the permission the access key's user lacks. */
  failure(response: IncomingResponse, request: OutgoingRequest): HttpError;
  /** The answer's body parsed; a ProtocolError naming `what` when it is not JSON. */
  json(response: IncomingResponse, what: string): unknown;
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
  const client = openClientTransport(options, { maxPageSize: MAX_PAGE, defaultRequestsPerMinute: 180 });
  const { transport, logger, now } = client;

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
    ...client,
    tokens,
    api,
    failure,
    json,
  };
}

/** Refused credentials, no connection at all, discovery: reading other skills would repeat them. */
export function isWholeCallFailure(err: unknown): boolean {
  if (err instanceof AuthenticationError || err instanceof DiscoveryError) return true;
  if (err instanceof NetworkError && !(err instanceof TimeoutError)) return true;
  return !(err instanceof DialwindowError);
}
