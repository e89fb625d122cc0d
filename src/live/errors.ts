/**
 * Typed errors for talking to CXone (and to any other HTTP peer). Retry decisions depend on
 * telling a network failure (no response at all) from an HTTP error (a response with a status),
 * so they are different classes; callers branch on `code` or `instanceof`, never on messages.
 * Every field that can hold a secret is redacted before it is stored here.
 */
import { DialwindowError } from "../util/errors.js";

/** What was sent, with credentials removed: safe to log and to print. */
export interface RedactedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export class HttpError extends DialwindowError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly request: RedactedRequest;
  /** The response body as text, truncated, for the message a person reads. */
  readonly responseBody: string;
  /** Seconds from a Retry-After header, when there was one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    init: {
      status: number;
      request: RedactedRequest;
      responseBody?: string;
      retryAfterSeconds?: number | undefined;
      message?: string;
      code?: string;
    },
    options?: { cause?: unknown },
  ) {
    const body = init.responseBody ?? "";
    super(
      init.code ?? `HTTP_${init.status}`,
      init.message ??
        `${init.request.method} ${init.request.url} answered ${init.status}${body ? `: ${truncate(body, 300)}` : ""}`,
      options,
    );
    this.status = init.status;
    this.method = init.request.method;
    this.url = init.request.url;
    this.request = init.request;
    this.responseBody = truncate(body, 2000);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** 412: the campaign changed since the ETag sent in If-Match was read. */
export class PreconditionFailedError extends HttpError {}

/** 422: the API rejected the payload; `responseBody` carries its reason. */
export class UnprocessableError extends HttpError {}

/** 401 after a fresh token, or a token endpoint refusing the credentials. */
export class AuthenticationError extends HttpError {}

/** No HTTP response at all: refused, reset, DNS, TLS. */
export class NetworkError extends DialwindowError {
  readonly method: string;
  readonly url: string;

  constructor(method: string, url: string, options?: { cause?: unknown }) {
    const reason = describeCause(options?.cause);
    super("NETWORK", `${method} ${url} failed before any response${reason ? `: ${reason}` : ""}`, options);
    this.method = method;
    this.url = url;
  }
}

/** The peer did not answer within the request's timeout. */
export class TimeoutError extends NetworkError {
  readonly timeoutMs: number;

  constructor(method: string, url: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(method, url, options);
    this.message = `${method} ${url} timed out after ${timeoutMs} ms`;
    (this as { code: string }).code = "TIMEOUT";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The response body is larger than dialwindow reads for its kind: the rest was not read (the
 * connection is dropped), so a hostile or broken server costs at most `limitBytes` of memory.
 * Not retried: the same request would get the same body.
 */
export class ResponseTooLargeError extends DialwindowError {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly limitBytes: number;

  constructor(init: {
    method: string;
    url: string;
    status: number;
    limitBytes: number;
    setting?: string | undefined;
  }) {
    super(
      "RESPONSE_TOO_LARGE",
      `${init.method} ${init.url} answered with a body over the ${init.limitBytes}-byte limit (status ${init.status}); ` +
        `the rest was not read${init.setting ? `. If such a body is expected, raise ${init.setting} in dialwindow.yaml` : ""}`,
    );
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.limitBytes = init.limitBytes;
  }
}

/** The response arrived but is not what the contract says (bad JSON, no ETag, wrong shape). */
export class ProtocolError extends DialwindowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PROTOCOL", message, options);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code} ${cause.message}` : cause.message;
  }
  return "";
}
