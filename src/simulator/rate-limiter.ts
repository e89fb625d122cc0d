/**
 * A per-client sliding-window limit, as CXone documents its API limit ("N requests per
 * minute per client"). A sliding log rather than a fixed bucket so that a client-side token
 * bucket that bursts at a window boundary is caught: whatever 60 s span you look at, at most
 * `limit` calls were accepted.
 */

export const WINDOW_MS = 60_000;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  // Per client: accepted call times, oldest first, from `head` on (a queue without shifting).
  readonly #calls = new Map<string, { times: number[]; head: number }>();

  /**
   * Counts one call at `now` when it fits under `limit`. A rejected call is not counted, so a
   * client that waits the advertised Retry-After is let through.
   */
  take(clientId: string, now: number, limit: number): RateDecision {
    if (!Number.isFinite(limit)) return { allowed: true };
    let log = this.#calls.get(clientId);
    if (log === undefined) {
      log = { times: [], head: 0 };
      this.#calls.set(clientId, log);
    }
    while (log.head < log.times.length && (log.times[log.head] as number) <= now - WINDOW_MS) log.head++;
    if (log.head > 1024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.head = 0;
    }
    const inWindow = log.times.length - log.head;
    if (inWindow >= limit) {
      // The call that frees a slot is the one `limit` places back from the newest.
      const freeing = log.times[log.times.length - limit] ?? now;
      const waitMs = freeing + WINDOW_MS - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    log.times.push(now);
    return { allowed: true };
  }

  reset(): void {
    this.#calls.clear();
  }
}
