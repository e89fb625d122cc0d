/**
 * The path every request of a CXone client takes (either profile): bounded concurrency, an access token,
 * the credential's rate budget, one exchange, and retries with backoff. Answers come back
 * as they are (any status); mapping them to errors is the caller's, because only the caller
 * knows that, say, a 404 on the list endpoint means "no list endpoint".
 */
import type { Dispatcher } from "undici";
import type { ResponseLimits } from "../desired/config.js";
import type { Logger } from "../util/log.js";
import { NetworkError, ResponseTooLargeError, TimeoutError } from "./errors.js";
import {
  type BodyLimit,
  exchange,
  type HttpMethod,
  type IncomingResponse,
  type OutgoingRequest,
  redactUrl,
} from "./http.js";
import type { RateBudget } from "./rate-budget.js";
import { type BackoffPolicy, fullJitterDelay, isRetryableStatus, parseRetryAfter } from "./retry.js";
import type { Semaphore } from "./semaphore.js";

/**
 * What a request is for (metrics and response-size caps): token, discovery (cxone-admin's
 * well-known documents and business unit), list (a page of campaigns or skills), bulk
 * (cxone-admin's every-skill parameters), get (one schedule), patch / put (one write).
 */
export type RequestKind = "token" | "discovery" | "list" | "bulk" | "get" | "patch" | "put";

/** One HTTP attempt, for metrics and the benchmark. */
export interface RequestEvent {
  kind: RequestKind;
  method: string;
  status: number | "network" | "timeout";
  durationMs: number;
  /** How long this attempt waited for the rate budget before it was sent. */
  rateLimitWaitMs: number;
}

/** Where a request gets its bearer token. */
export interface TokenSource {
  get(): Promise<string>;
  /** The token was refused; drop it unless it has already been replaced. */
  invalidate(token: string): void;
}

export interface TransportOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** Largest success body read, per kind of request (token and discovery; get, patch, put: campaign; list; bulk). */
  maxResponseBytes: ResponseLimits;
  maxRetries: number;
  backoff: BackoffPolicy;
  /** A Retry-After longer than this is not waited out: the request fails with the 429. */
  maxRetryAfterMs: number;
  budget: RateBudget;
  semaphore: Semaphore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: Logger;
  onRequest?: ((event: RequestEvent) => void) | undefined;
}

export interface SendOptions {
  kind: RequestKind;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Sends `Authorization: Bearer`, and on a 401 refreshes once and retries once. */
  tokens?: TokenSource | undefined;
  /**
   * Retry after an outcome that leaves it unknown whether the server acted (no response,
   * timeout, 408, 5xx). Default true. Writes pass false: their caller settles what happened
   * by reading the resource again, which also tells "my write landed" from "someone else
   * changed it" when a retry would only have seen a 412 for both.
   */
  retryUncertain?: boolean | undefined;
  /**
   * Retry 408 and 5xx answers. Default true; false for a read that has its own fallback (the
   * bulk read falls back to one GET per skill rather than wait out a failing endpoint).
   */
  retryServerErrors?: boolean | undefined;
}

export interface SendResult {
  response: IncomingResponse;
  /** What was sent on the final attempt (with its Authorization header: never log it). */
  request: OutgoingRequest;
}

export class Transport {
  readonly #o: TransportOptions;

  constructor(options: TransportOptions) {
    this.#o = options;
  }

  /**
   * Sends with retries. Network errors, timeouts, 408, 429 and 5xx are retried up to
   * `maxRetries` times; what is left after that is returned (a status) or thrown (no
   * response). With `retryUncertain: false` (writes) only 429 and the 401 refresh are
   * retried: those are refused before the server acts, every other failure goes back to the
   * caller at once.
   */
  async send(opts: SendOptions): Promise<SendResult> {
    const o = this.#o;
    const url = redactUrl(opts.url);
    let attempt = 0;
    let refreshedAuth = false;
    const maxRetries = o.maxRetries;
    for (;;) {
      // The token is fetched before a concurrency slot and a budget slot are taken, so a
      // reserved budget slot is spent at once and never waits behind a token refresh.
      const token = opts.tokens ? await opts.tokens.get() : undefined;
      const request: OutgoingRequest = {
        method: opts.method,
        url: opts.url,
        headers: token === undefined ? opts.headers : { ...opts.headers, authorization: `Bearer ${token}` },
        body: opts.body,
      };
      let response: IncomingResponse;
      try {
        response = await this.#attempt(opts.kind, request);
      } catch (err) {
        if (!(err instanceof NetworkError) || attempt >= maxRetries || opts.retryUncertain === false)
          throw err;
        const delayMs = fullJitterDelay(attempt, o.backoff, o.random);
        attempt++;
        o.logger.warn(
          { kind: opts.kind, method: opts.method, url, attempt, delayMs, error: err.code },
          "cxone request got no response; retrying",
        );
        await o.sleep(delayMs);
        continue;
      }

      if (response.status === 401 && opts.tokens && token !== undefined && !refreshedAuth) {
        // Tokens can be revoked or expire early (clock skew, a rotated secret): one fresh
        // token and one more try tells that apart from credentials that no longer work.
        refreshedAuth = true;
        opts.tokens.invalidate(token);
        o.logger.info(
          { kind: opts.kind, method: opts.method, url },
          "access token refused; refreshing it once",
        );
        continue;
      }

      const uncertain = response.status !== 429;
      if (
        isRetryableStatus(response.status) &&
        attempt < maxRetries &&
        !(uncertain && (opts.retryUncertain === false || opts.retryServerErrors === false))
      ) {
        let delayMs = fullJitterDelay(attempt, o.backoff, o.random);
        const retryAfterMs =
          response.status === 429 || response.status === 503
            ? parseRetryAfter(response.headers["retry-after"], o.now())
            : undefined;
        if (retryAfterMs !== undefined) {
          if (retryAfterMs > o.maxRetryAfterMs) {
            o.logger.warn(
              { kind: opts.kind, method: opts.method, url, status: response.status, retryAfterMs },
              "cxone asked to wait longer than allowed; not retrying",
            );
            return { response, request };
          }
          delayMs = retryAfterMs;
          if (response.status === 429) o.budget.pauseFor(retryAfterMs);
        }
        attempt++;
        o.logger.warn(
          { kind: opts.kind, method: opts.method, url, attempt, delayMs, status: response.status },
          "cxone request failed; retrying",
        );
        await o.sleep(delayMs);
        continue;
      }
      return { response, request };
    }
  }

  async #attempt(kind: RequestKind, request: OutgoingRequest): Promise<IncomingResponse> {
    const o = this.#o;
    // Token requests skip the concurrency bound: they are made on behalf of requests that
    // already hold a slot, and at most one is in flight (single flight), so taking a slot
    // could only deadlock a client whose every slot waits for a token.
    const release = kind === "token" ? () => {} : await o.semaphore.acquire();
    try {
      const rateLimitWaitMs = await o.budget.take();
      const started = o.now();
      let status: RequestEvent["status"] = "network";
      try {
        const response = await exchange(
          o.dispatcher,
          request,
          o.timeoutMs,
          bodyLimit(kind, o.maxResponseBytes),
        );
        status = response.status;
        return response;
      } catch (err) {
        if (err instanceof TimeoutError) status = "timeout";
        if (err instanceof ResponseTooLargeError) status = err.status;
        throw err;
      } finally {
        const durationMs = Math.max(0, o.now() - started);
        o.logger.debug(
          { kind, method: request.method, url: redactUrl(request.url), status, durationMs, rateLimitWaitMs },
          "cxone request",
        );
        this.#emit({ kind, method: request.method, status, durationMs, rateLimitWaitMs });
      }
    } finally {
      release();
    }
  }

  #emit(event: RequestEvent): void {
    try {
      this.#o.onRequest?.(event);
    } catch (err) {
      // A broken metrics hook must not turn a successful request into a failed one.
      this.#o.logger.warn({ err }, "onRequest hook threw; ignored");
    }
  }
}

function bodyLimit(kind: RequestKind, limits: ResponseLimits): BodyLimit {
  const key =
    kind === "get" || kind === "patch" || kind === "put" ? "campaign" : kind === "discovery" ? "token" : kind;
  return { bytes: limits[key], setting: `cxone.maxResponseBytes.${key}` };
}
