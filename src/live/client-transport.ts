/**
 * What every CXone client (either profile) does before its first request: its transport
 * options checked, the dispatcher, rate budget and response limits made, and one Transport
 * built from them. A profile adds only what differs: its own options, its page-size cap and
 * whether a missing budget has a default.
 */
import { setTimeout as delay } from "node:timers/promises";
import { Agent, type Dispatcher } from "undici";
import { defaultResponseLimits, type ResponseLimits } from "../desired/config.js";
import { httpUrlProblem } from "../desired/config-checks.js";
import { systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import { type Logger, silentLogger } from "../util/log.js";
import { RateBudget } from "./rate-budget.js";
import { Semaphore } from "./semaphore.js";
import { type RequestEvent, Transport } from "./transport.js";

/** The transport options every client accepts, whatever its profile. */
export interface ClientTransportOptions {
  /**
   * The credential's budget, shared by every client using the credential. When absent the
   * client makes its own from `requestsPerMinute` (fine for one-shot commands).
   */
  budget?: RateBudget | undefined;
  /** Used only when no `budget` is given. The tutorial profile needs one of the two; cxone-admin defaults to 180. */
  requestsPerMinute?: number | undefined;
  /** Requests in flight at once, over all of this client's calls. Default 4. */
  concurrency?: number | undefined;
  /** Items per list page. Default 100; cxone-admin asks for at most 100 skills a page. */
  pageSize?: number | undefined;
  /**
   * Largest response body read, per kind (cxone.maxResponseBytes); a larger one is a
   * ResponseTooLargeError and is not read further. Defaults: token 64 KiB, campaign 1 MiB,
   * list `pageSize` x 32 KiB (at least 1 MiB).
   */
  maxResponseBytes?: Partial<ResponseLimits> | undefined;
  /** Per request: connect, headers and body together. Default 30 s. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt (network errors, timeouts, 408, 429, 5xx). Default 4. */
  maxRetries?: number | undefined;
  /** Backoff ceiling of the first retry; doubles each retry. Default 500 ms. */
  backoffBaseMs?: number | undefined;
  /** No backoff wait is longer. Default 30 s. */
  backoffCapMs?: number | undefined;
  /** A Retry-After longer than this fails the request instead of stalling. Default 120 s. */
  maxRetryAfterMs?: number | undefined;
  /** Default: an Agent of the client's own, closed by close(). A given one is left open. */
  dispatcher?: Dispatcher | undefined;
  logger?: Logger | undefined;
  /** Wall-clock ms (an HTTP-date Retry-After is compared with it). Default the system clock. */
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** In [0, 1); backoff jitter. Default Math.random. */
  random?: (() => number) | undefined;
  onRequest?: ((event: RequestEvent) => void) | undefined;
}

/** Where the profiles differ in making their transport. */
export interface ClientTransportProfile {
  /** The most items a list page asks for; a larger `pageSize` is lowered to it. */
  maxPageSize?: number | undefined;
  /** The budget's rate when neither `budget` nor `requestsPerMinute` is given; absent, that is an error. */
  defaultRequestsPerMinute?: number | undefined;
}

/** A client's transport and the settings its reads go on using. */
export interface ClientTransport {
  readonly transport: Transport;
  readonly logger: Logger;
  readonly now: () => number;
  /** Requests in flight at once (the Transport's semaphore); also how many one-by-one reads run at once. */
  readonly concurrency: number;
  /** Items per list page, at most the profile's `maxPageSize`. */
  readonly pageSize: number;
  /** Closes the dispatcher, when it was made here. */
  close(): Promise<void>;
}

export function openClientTransport(
  options: ClientTransportOptions,
  profile: ClientTransportProfile = {},
): ClientTransport {
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
  const askedPageSize = positiveInteger("pageSize", options.pageSize ?? 100);
  const pageSize =
    profile.maxPageSize === undefined ? askedPageSize : Math.min(profile.maxPageSize, askedPageSize);
  const timeoutMs = positiveInteger("timeoutMs", options.timeoutMs ?? 30_000);
  const maxRetries = nonNegativeInteger("maxRetries", options.maxRetries ?? 4);
  const now = options.now ?? systemClock.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const logger = options.logger ?? silentLogger();
  const budget = options.budget ?? makeBudget(options, profile.defaultRequestsPerMinute, sleep);
  const maxResponseBytes: ResponseLimits = { ...defaultResponseLimits(pageSize) };
  for (const [kind, bytes] of Object.entries(options.maxResponseBytes ?? {})) {
    if (bytes !== undefined)
      maxResponseBytes[kind as keyof ResponseLimits] = positiveInteger(`maxResponseBytes.${kind}`, bytes);
  }
  // Made last, once every option is known good, so a bad one leaves no Agent open.
  // TLS verification is undici's default and stays on: no connect option here disables it.
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const ownsDispatcher = options.dispatcher === undefined;

  const transport = new Transport({
    dispatcher,
    timeoutMs,
    maxResponseBytes,
    maxRetries,
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
  return {
    transport,
    logger,
    now,
    concurrency,
    pageSize,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

function makeBudget(
  options: ClientTransportOptions,
  defaultRequestsPerMinute: number | undefined,
  sleep: (ms: number) => Promise<void>,
): RateBudget {
  const rpm = options.requestsPerMinute ?? defaultRequestsPerMinute;
  if (rpm === undefined) throw new UsageError("give either a rate budget or requestsPerMinute");
  // The caller's clock, or the budget's own when none was given.
  return new RateBudget({ requestsPerMinute: rpm, now: options.now, sleep });
}

/** An http(s) URL option, as is; a UsageError naming `name` otherwise. */
export function checkUrl(name: string, value: string): string {
  const problem = httpUrlProblem(name, value);
  if (problem) throw new UsageError(problem);
  return value;
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name} must be a positive integer, got ${value}`);
  return value;
}

export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}
