/**
 * When a webhook delivery is retried and how long to wait: pure functions of the attempt, the
 * response and an injected random source, so the schedule is testable without a clock.
 *
 * The wait is journalled as the delivery's next-attempt time, so the budget is spent over time,
 * not per drain: a WFM system that is down for an hour costs a handful of attempts, however often
 * the daemon drains. The defaults spread 15 attempts over about four hours (the mean of the full
 * jitter; up to about eight), with no wait longer than an hour.
 */

export interface RetryPolicy {
  /** Attempts per delivery before it becomes a dead letter (counted across restarts). */
  maxAttempts: number;
  /** Backoff before attempt n+1 is up to baseDelayMs * 2^(n-1), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After is honoured up to this; a receiver asking for more is waited on this long. */
  maxRetryAfterMs: number;
  /** One attempt (connect, send, response headers and body) gets this long. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 15,
  // Steps of 30 s, 1, 2, 4, 8, 16 and 32 min, then an hour: with the jitter's mean of half a step,
  // the 14 waits add up to about four hours.
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  // Waiting is durable (journalled, not a sleep), so a receiver's request can be honoured in full.
  maxRetryAfterMs: 60 * 60_000,
  attemptTimeoutMs: 10_000,
};

/** 408, 429 and 5xx are worth another try; any other non-2xx will not change by retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Exponential backoff with full jitter (a uniformly random wait between 0 and the exponential
 * cap), which spreads retries from many senders instead of synchronising them.
 * `attempt` is the 1-based attempt that just failed.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header in milliseconds: either delta-seconds or an HTTP date (relative to
 * `nowMs`). Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The wait before the next attempt: the receiver's Retry-After when it gave one, else backoff. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelayMs(attempt, policy, random);
}
