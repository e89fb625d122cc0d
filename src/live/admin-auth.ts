/**
 * The cxone-admin profile's way in: OpenID discovery of the token endpoint, the password grant
 * (an access key id and secret as username and password, the registered application's client
 * id and secret as HTTP Basic), token refresh with the refresh token (a new password grant when
 * that is refused), the tenant id from the access token's `tenantId` claim (or
 * CXONE_TENANT_ID), and the tenant's API endpoint from `cxone-configuration`.
 *
 * Every refusal names the setting or variable to check, never a secret.
 */
import { DialwindowError } from "../util/errors.js";
import { AuthenticationError, type HttpError, NetworkError, ProtocolError } from "./errors.js";
import { apiReason, httpErrorFor, redactRequest, redactUrl, scrub } from "./http.js";
import { type AccessToken, parseTokenResponse } from "./token-provider.js";
import type { Transport } from "./transport.js";

export interface AdminCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  clientId: string;
  clientSecret: string;
}

/** A failure to find the tenant's endpoints: names the issuer and what to check. */
export class DiscoveryError extends DialwindowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DW_DISCOVERY", message, options);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function jsonOf(body: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ProtocolError(`${what} is not valid JSON`);
  }
  if (!isObject(parsed)) throw new ProtocolError(`${what} is not a JSON object`);
  return parsed;
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? value.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/** GET a discovery document; unreachable or refused becomes a DiscoveryError naming `setting`. */
async function discoveryGet(
  transport: Transport,
  url: string,
  what: string,
  setting: string,
  secrets: () => readonly string[],
  now: () => number,
): Promise<{ status: number; body: Record<string, unknown> | undefined; error: HttpError | undefined }> {
  let sent: Awaited<ReturnType<Transport["send"]>>;
  try {
    sent = await transport.send({
      kind: "discovery",
      method: "GET",
      url,
      headers: { accept: "application/json" },
    });
  } catch (err) {
    if (err instanceof NetworkError) {
      throw new DiscoveryError(
        `cannot reach CXone's ${what} at ${redactUrl(url)} (${err.message}); check ${setting} and the network`,
        { cause: err },
      );
    }
    throw err;
  }
  const { response, request } = sent;
  if (response.status < 200 || response.status > 299) {
    return {
      status: response.status,
      body: undefined,
      error: httpErrorFor(response, request, secrets(), now()),
    };
  }
  return {
    status: response.status,
    body: jsonOf(response.body, `the ${what} at ${redactUrl(url)}`),
    error: undefined,
  };
}

/** `{issuer}/.well-known/openid-configuration` -> token_endpoint. */
export async function discoverTokenEndpoint(
  transport: Transport,
  issuer: string,
  secrets: () => readonly string[],
  now: () => number,
): Promise<string> {
  const url = `${issuer}/.well-known/openid-configuration`;
  const { body, error } = await discoveryGet(
    transport,
    url,
    "OpenID discovery",
    "cxone.issuer (or CXONE_ISSUER)",
    secrets,
    now,
  );
  if (error) {
    throw new DiscoveryError(
      `CXone's OpenID discovery at ${redactUrl(url)} answered ${error.status}; check cxone.issuer (or CXONE_ISSUER): ` +
        "https://cxone.niceincontact.com, or https://cxone-gov.niceincontact.com for FedRAMP tenants",
      { cause: error },
    );
  }
  const endpoint = httpUrl(body?.token_endpoint);
  if (!endpoint)
    throw new ProtocolError(`the OpenID discovery at ${redactUrl(url)} has no usable token_endpoint`);
  return endpoint;
}

/** `{issuer}/.well-known/cxone-configuration?tenantId=` -> api_endpoint. */
export async function discoverApiEndpoint(
  transport: Transport,
  issuer: string,
  tenantId: string,
  secrets: () => readonly string[],
  now: () => number,
): Promise<string> {
  const url = `${issuer}/.well-known/cxone-configuration?tenantId=${encodeURIComponent(tenantId)}`;
  const { body, error } = await discoveryGet(
    transport,
    url,
    "tenant discovery",
    "cxone.issuer (or CXONE_ISSUER)",
    secrets,
    now,
  );
  if (error) {
    const unknown = error.status === 404 || error.status === 400;
    throw new DiscoveryError(
      unknown
        ? `CXone's discovery at ${redactUrl(issuer)} does not know tenant ${tenantId} (${error.status}${reasonOf(error)}); ` +
            "check CXONE_TENANT_ID (or unset it to use the access token's tenant), and that cxone.issuer is your tenant's " +
            "(https://cxone-gov.niceincontact.com for FedRAMP tenants)"
        : `CXone's tenant discovery at ${redactUrl(url)} answered ${error.status}${reasonOf(error)}`,
      { cause: error },
    );
  }
  const endpoint = httpUrl(body?.api_endpoint);
  if (!endpoint)
    throw new ProtocolError(`the tenant discovery at ${redactUrl(url)} has no usable api_endpoint`);
  return endpoint;
}

function reasonOf(error: HttpError): string {
  const reason = apiReason(error.responseBody);
  return reason ? `: ${reason}` : "";
}

/**
 * The `tenantId` claim of a JWT access token, without verifying it: the token is only read to
 * learn which tenant to discover, never trusted for anything else (CXone checks it on every call).
 */
export function tenantIdClaim(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    if (!isObject(claims)) return undefined;
    const id = claims.tenantId ?? claims.tenant_id;
    return typeof id === "string" && id.trim() !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface PasswordGrantOptions {
  tokenEndpoint: () => Promise<string>;
  credentials: AdminCredentials;
  transport: Transport;
  now: () => number;
  /** Told of each refresh token, so error texts quoting it can be scrubbed. */
  onRefreshToken?: (token: string) => void;
}

/**
 * Token fetching for a TokenProvider: the refresh token of the last answer when there is one,
 * and when it is refused (expired, revoked, already used) a new password grant. The request
 * bodies are form-encoded (access keys end in "=", and may hold "+" or "/").
 */
export function passwordGrant(options: PasswordGrantOptions): () => Promise<AccessToken> {
  const { credentials, transport, now } = options;
  let refreshToken: string | undefined;
  const secrets = () => [
    credentials.accessKeySecret,
    credentials.clientSecret,
    ...(refreshToken ? [refreshToken] : []),
  ];
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString("base64")}`;

  const request = async (form: URLSearchParams, grant: "password" | "refresh_token") => {
    const url = await options.tokenEndpoint();
    const { response, request: sent } = await transport.send({
      kind: "token",
      method: "POST",
      url,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: basic,
      },
      body: form.toString(),
    });
    if (response.status === 400 || response.status === 401) {
      const body = scrub(response.body, secrets());
      let code: string | undefined;
      try {
        const parsed = JSON.parse(body) as { error?: unknown };
        code = typeof parsed.error === "string" ? parsed.error : undefined;
      } catch {
        code = undefined;
      }
      const reason = apiReason(body);
      const check =
        grant === "refresh_token"
          ? "the refresh token was refused"
          : code === "invalid_client"
            ? `the registered application's credentials were refused for client id "${credentials.clientId}"; check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET`
            : code === "invalid_grant"
              ? `the access key "${credentials.accessKeyId}" was refused; check CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET (and that the key is active)`
              : "check CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET, CXONE_CLIENT_ID and CXONE_CLIENT_SECRET";
      throw new AuthenticationError({
        status: response.status,
        code: "AUTH",
        request: redactRequest(sent),
        responseBody: body,
        message: `the token endpoint ${redactUrl(url)} refused the ${grant === "password" ? "password grant" : "token refresh"} (${response.status}${reason ? `: ${reason}` : ""}); ${check}`,
      });
    }
    if (response.status < 200 || response.status > 299) throw httpErrorFor(response, sent, secrets(), now());
    return parseTokenResponse(response.body, redactUrl(url));
  };

  const remember = (token: AccessToken & { refreshToken?: string }): AccessToken => {
    refreshToken = token.refreshToken;
    if (refreshToken) options.onRefreshToken?.(refreshToken);
    return { value: token.value, lifetimeMs: token.lifetimeMs };
  };

  return async () => {
    if (refreshToken !== undefined) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
      try {
        return remember(await request(form, "refresh_token"));
      } catch (err) {
        // A refused refresh token is no reason to stop: the access key still works.
        if (!(err instanceof AuthenticationError)) throw err;
        refreshToken = undefined;
      }
    }
    const form = new URLSearchParams({
      grant_type: "password",
      username: credentials.accessKeyId,
      password: credentials.accessKeySecret,
    });
    return remember(await request(form, "password"));
  };
}
