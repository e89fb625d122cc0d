/**
 * One HTTP exchange over undici, and the helpers that turn its outcome into dialwindow's typed
 * errors with every secret removed. No retries, budgets or tokens here (see transport.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, request } from "undici";
import { isSecretQueryParam } from "../desired/secrets.js";
import { readBodyCapped, readBodyExcerpt } from "../util/http-body.js";
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  PreconditionFailedError,
  type RedactedRequest,
  ResponseTooLargeError,
  TimeoutError,
  UnprocessableError,
} from "./errors.js";
import { parseRetryAfter } from "./retry.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT";

export interface OutgoingRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface IncomingResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * A success's whole body as text; for any other status at most ERROR_BODY_BYTES of it, enough
   * for the reason a person reads in the error.
   */
  body: string;
}

/** How much of a response body to read, and the setting that raises it (for the error). */
export interface BodyLimit {
  bytes: number;
  setting?: string | undefined;
}

/**
 * The most read of a body that is not a success's: error messages quote 2,000 characters at
 * most, so a gateway's megabytes of HTML never need to be held.
 */
export const ERROR_BODY_BYTES = 64 * 1024;

/** undici's own timeout codes; all of them mean "no answer in time", not "no route". */
const UNDICI_TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Sends one request and reads the response within `timeoutMs` (connect, headers and body
 * together). Throws TimeoutError or NetworkError when there is no complete response, and
 * ResponseTooLargeError when a success's body is over `limit` (the rest is not read); any
 * status, including 5xx, is returned, not thrown. TLS verification is undici's default (on) and
 * is never turned off here.
 */
export async function exchange(
  dispatcher: Dispatcher,
  req: OutgoingRequest,
  timeoutMs: number,
  limit: BodyLimit,
): Promise<IncomingResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const status = res.statusCode;
    if (status < 200 || status > 299) {
      return { status, headers: res.headers, body: await readBodyExcerpt(res.body, ERROR_BODY_BYTES) };
    }
    const body = await readBodyCapped(res.body, res.headers, limit.bytes);
    if (body === undefined) {
      throw new ResponseTooLargeError({
        method: req.method,
        url: redactUrl(req.url),
        status,
        limitBytes: limit.bytes,
        setting: limit.setting,
      });
    }
    return { status, headers: res.headers, body };
  } catch (err) {
    if (err instanceof ResponseTooLargeError) throw err;
    const url = redactUrl(req.url);
    if (timedOut || UNDICI_TIMEOUT_CODES.has(errorCode(err) ?? "")) {
      throw new TimeoutError(req.method, url, timeoutMs, { cause: err });
    }
    throw new NetworkError(req.method, url, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The first value of a response header (undici lowercases names). */
export function header(res: IncomingResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|secret|token|api[-_]?key|password/i;

/** The request as it may be shown to a person: credentials-bearing headers are left out. */
export function redactRequest(req: OutgoingRequest): RedactedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!SECRET_HEADER.test(name)) headers[name] = value;
  }
  return { method: req.method, url: redactUrl(req.url), headers };
}

/** Broad on purpose: redacting a harmless parameter costs nothing, missing a secret does. */
const SECRET_PARAM = /secret|token|password|key|signature|code/i;

function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name) || isSecretQueryParam(name);
}

/** A URL without userinfo, and with secret-looking query parameters blanked. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Unparseable, but a user:password@ authority can still be cut out.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, "$1");
  }
  parsed.username = "";
  parsed.password = "";
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretParam(name)) parsed.searchParams.set(name, "[redacted]");
  }
  return parsed.toString();
}

/**
 * The URL with its credentials left out entirely (no userinfo, no secret-looking query
 * parameters), for writing into a file that is committed; `removed` says whether any were.
 * A URL without credentials comes back exactly as given.
 */
export function urlWithoutCredentials(url: string): { url: string; removed: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const cut = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, "$1");
    return { url: cut, removed: cut !== url };
  }
  const secretParams = [...new Set(parsed.searchParams.keys())].filter(isSecretParam);
  if (parsed.username === "" && parsed.password === "" && secretParams.length === 0)
    return { url, removed: false };
  parsed.username = "";
  parsed.password = "";
  for (const name of secretParams) parsed.searchParams.delete(name);
  return { url: parsed.toString(), removed: true };
}

/**
 * Removes known secrets and anything shaped like a bearer token or an OAuth token field from
 * text that came from a server, before it is put in an error or a log line: a token endpoint
 * that echoes the request, or an API that quotes the Authorization header, must not leak it.
 * A secret is removed as written and as it travels: URL-encoded, form-encoded (the token
 * request's body, where a space is +), and JSON-escaped.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === "") continue;
    for (const form of secretForms(secret)) out = out.split(form).join("[redacted]");
  }
  return out
    .replace(/(bearer\s+)[^\s"',;]+/gi, "$1[redacted]")
    .replace(/("(?:access_token|refresh_token|id_token|client_secret)"\s*:\s*")[^"]*"/gi, '$1[redacted]"')
    .replace(
      /((?:^|[^A-Za-z0-9_])(?:client_secret|client_assertion|password|access_token|refresh_token|id_token)=)[^&\s"',;<>]+/gi,
      "$1[redacted]",
    );
}

/** The spellings of a secret a server may echo, longest first. */
function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    json,
    json.replaceAll("/", "\\/"),
  ]);
  // Percent-escapes may come back in lower case (%2b).
  for (const form of [...forms]) {
    if (form.includes("%")) forms.add(form.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The typed error for a response that is not a success. `secrets` are scrubbed from the
 * stored body; `nowMs` (wall clock) reads an HTTP-date Retry-After.
 */
export function httpErrorFor(
  res: IncomingResponse,
  req: OutgoingRequest,
  secrets: readonly string[],
  nowMs: number,
): HttpError {
  const request = redactRequest(req);
  const responseBody = scrub(res.body, secrets);
  const retryAfterMs = parseRetryAfter(res.headers["retry-after"], nowMs);
  const init = {
    status: res.status,
    request,
    responseBody,
    retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
  };
  const what = `${request.method} ${request.url}`;
  switch (res.status) {
    case 401:
      return new AuthenticationError({
        ...init,
        code: "AUTH",
        message: `${what} answered 401 even with a freshly issued access token; the client's credentials or permissions were revoked`,
      });
    case 403:
      return new HttpError({
        ...init,
        message: `${what} answered 403 Forbidden; check that the API client has the scope it needs (for example outbound:campaign:read outbound:campaign:write)`,
      });
    case 412:
      return new PreconditionFailedError({
        ...init,
        message: `${what} answered 412 Precondition Failed: the campaign changed since its ETag was read`,
      });
    case 422:
      return new UnprocessableError({
        ...init,
        message: `${what} was rejected as unprocessable (422): ${apiReason(responseBody) ?? "the API gave no reason"}`,
      });
    default:
      return new HttpError(init);
  }
}

/**
 * The human reason in an error body, in the shapes APIs commonly use, as one line: its
 * headline fields (message, error, ...) then, after a colon, its list of problems (`errors`,
 * `details`). A message that only repeats the list is left out.
 */
export function apiReason(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return text === "" ? undefined : text.slice(0, 500);
  }
  if (typeof parsed === "string") return parsed;
  if (parsed === null || typeof parsed !== "object") return undefined;
  const record = parsed as Record<string, unknown>;
  const items: string[] = [];
  for (const list of [record.errors, record.details]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item === "string") items.push(item);
      else if (item !== null && typeof item === "object") {
        const message = (item as Record<string, unknown>).message;
        const field = (item as Record<string, unknown>).field;
        if (typeof message === "string")
          items.push(typeof field === "string" ? `${field}: ${message}` : message);
      }
    }
  }
  const list = [...new Set(items)].join("; ");
  const headline = new Set<string>();
  for (const key of ["message", "reason", "error_description", "detail", "error", "title"]) {
    const value = record[key];
    if (typeof value === "string" && value !== "" && value !== list) headline.add(value);
  }
  const reason = [[...headline].join("; "), list].filter((part) => part !== "").join(": ");
  return reason !== "" ? reason.slice(0, 1000) : body.trim().slice(0, 500) || undefined;
}
