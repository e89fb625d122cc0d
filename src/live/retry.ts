/**
 * Retry policy shared by every request the tutorial client sends: which answers are worth
 * another attempt, how long to wait, and how to read a server's `Retry-After`.
 */

export interface BackoffPolicy {
  /** The first retry's ceiling, in ms; each further retry doubles it. */
  baseMs: number;
  /** No single wait is longer than this, in ms. */
  capMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform draw in [0, min(cap, base * 2^attempt)).
 * Full jitter rather than equal jitter because several clients (a daemon's shards, CI jobs)
 * often fail together on the same outage; spreading them over the whole interval is what
 * keeps their retries from arriving as one wave.
 */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

/**
 * The wait a `Retry-After` header asks for, in ms, or undefined when there is none or it is
 * unreadable. Both forms of RFC 9110 §10.2.3 are accepted: delay-seconds and an HTTP-date
 * (compared with `nowMs`, which must therefore be wall-clock time).
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const raw = typeof value === "string" ? value : value?.[0];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form names a month; without one, Date.parse would take "-3" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Answers that say "not now" rather than "no": 408 and 429, and server errors except
 * 501 Not Implemented, which will not start working on a second try.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}
