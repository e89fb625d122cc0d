/**
 * Access tokens: cached until shortly before they expire, refreshed by one request however
 * many callers need one at the same moment, dropped when the API refuses them.
 */
import { AuthenticationError, ProtocolError } from "./errors.js";
import { apiReason, httpErrorFor, redactRequest, redactUrl, scrub } from "./http.js";
import type { TokenSource, Transport } from "./transport.js";

export interface AccessToken {
  value: string;
  /** Lifetime from the moment the token was requested, in ms. */
  lifetimeMs: number;
}

export interface TokenProviderOptions {
  /** Obtains a new token (one grant request). */
  fetch: () => Promise<AccessToken>;
  now: () => number;
}

/** Refresh this long before expiry, at most; short-lived tokens refresh at half-life instead. */
const MAX_REFRESH_MARGIN_MS = 60_000;

export class TokenProvider implements TokenSource {
  readonly #fetch: () => Promise<AccessToken>;
  readonly #now: () => number;
  #cached: { value: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  /** The token this one replaced; kept only so error text quoting it can still be scrubbed. */
  #previous: string | undefined;

  constructor(options: TokenProviderOptions) {
    this.#fetch = options.fetch;
    this.#now = options.now;
  }

  get(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return Promise.resolve(cached.value);
    if (!this.#inflight) {
      this.#inflight = this.#refresh().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  invalidate(token: string): void {
    // Several requests refused with the same old token must cause one refresh, not one each:
    // only the token that is still cached is dropped.
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  /** Token values that may still appear in text from a server, for scrubbing. */
  knownTokens(): string[] {
    return [this.#cached?.value, this.#previous].filter((t): t is string => t !== undefined);
  }

  async #refresh(): Promise<string> {
    // Measured from the request, not the response, so a slow token endpoint errs on the early side.
    const requestedAt = this.#now();
    const token = await this.#fetch();
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, token.lifetimeMs / 2);
    if (this.#cached) this.#previous = this.#cached.value;
    this.#cached = { value: token.value, refreshAt: requestedAt + token.lifetimeMs - margin };
    return token.value;
  }
}

export interface ClientCredentialsGrantOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  transport: Transport;
  now: () => number;
}

/** When the token endpoint omits expires_in (it is only RECOMMENDED in RFC 6749 §5.1). */
const DEFAULT_LIFETIME_MS = 300_000;

/**
 * OAuth2 client credentials (RFC 6749 §4.4): a form-encoded POST with the credentials in the
 * body. Refused credentials become an AuthenticationError that names the client id and the
 * environment variables to check, never the secret.
 */
export function clientCredentialsGrant(options: ClientCredentialsGrantOptions): () => Promise<AccessToken> {
  const { tokenUrl, clientId, clientSecret, scope, transport, now } = options;
  return async () => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope,
    });
    const { response, request } = await transport.send({
      kind: "token",
      method: "POST",
      url: tokenUrl,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    });
    const secrets = [clientSecret];
    if (response.status === 400 || response.status === 401) {
      const body = scrub(response.body, secrets);
      const reason = apiReason(body);
      throw new AuthenticationError({
        status: response.status,
        code: "AUTH",
        request: redactRequest(request),
        responseBody: body,
        message:
          `the token endpoint ${redactUrl(tokenUrl)} refused the credentials for client id "${clientId}" ` +
          `(${response.status}${reason ? `: ${reason}` : ""}); check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET`,
      });
    }
    if (response.status < 200 || response.status > 299) {
      throw httpErrorFor(response, request, secrets, now());
    }
    const { value, lifetimeMs } = parseTokenResponse(response.body, redactUrl(tokenUrl));
    return { value, lifetimeMs };
  };
}

/**
 * An OAuth2 token endpoint's answer (RFC 6749 §5.1): a bearer access token, its lifetime, and a
 * refresh token when one was issued. Never quotes the body: a half-valid token response still
 * holds a live token.
 */
export function parseTokenResponse(body: string, url: string): AccessToken & { refreshToken?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new ProtocolError(`the token endpoint ${url} answered with something that is not JSON`, {
      cause: new Error(err instanceof Error ? err.name : "parse error"),
    });
  }
  const record = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  const value = record.access_token;
  if (typeof value !== "string" || value === "") {
    throw new ProtocolError(`the token endpoint ${url} answered without an access_token`);
  }
  const tokenType = record.token_type;
  if (typeof tokenType === "string" && tokenType.toLowerCase() !== "bearer") {
    throw new ProtocolError(
      `the token endpoint ${url} issued a "${tokenType}" token; only bearer tokens are supported`,
    );
  }
  const expiresIn = typeof record.expires_in === "string" ? Number(record.expires_in) : record.expires_in;
  let lifetimeMs = DEFAULT_LIFETIME_MS;
  if (expiresIn !== undefined) {
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new ProtocolError(`the token endpoint ${url} answered with an unusable expires_in`);
    }
    lifetimeMs = expiresIn * 1000;
  }
  const refresh =
    typeof record.refresh_token === "string" && record.refresh_token !== ""
      ? record.refresh_token
      : undefined;
  return { value, lifetimeMs, ...(refresh ? { refreshToken: refresh } : {}) };
}
