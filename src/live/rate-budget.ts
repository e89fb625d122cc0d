/**
 * The client-side request budget for one credential. CXone limits requests per credential,
 * not per process, so one RateBudget is created per credential by whoever holds the
 * credential and handed to every client that uses it (a daemon's several clients share one).
 * It is deliberately not a module-level singleton: two credentials in one process must not
 * share a budget, and a daemon loop must not inherit a previous loop's debt.
 */
import { setTimeout as delay } from "node:timers/promises";
import { UsageError } from "../util/errors.js";

export interface RateBudgetOptions {
  /** The ceiling: no 60-second window ever holds more requests than this. */
  requestsPerMinute: number;
  /**
   * How many requests may go out back to back after a quiet spell. Default: about three
   * seconds' worth (requestsPerMinute / 20), at least 1.
   */
  burst?: number | undefined;
  /**
   * Milliseconds on any clock that never goes back; injectable so tests need no real time.
   * Default: performance.now(), because a wall clock stepped back by NTP would make the
   * budget wait out the step.
   */
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * A token bucket, implemented as GCRA (a virtual scheduling clock), so a caller reserves its
 * slot the moment it asks and then sleeps until the slot: callers are served in arrival order
 * and concurrent callers never race for the same token.
 *
 * The bucket holds `burst` tokens and refills at `requestsPerMinute + 1 - burst` per minute.
 * A plain bucket refilling at the full rate would let a full burst plus a minute of refill
 * through in one 60-second window (burst + rate), which is above the limit the operator
 * configured; with this refill rate even a window that starts on a full bucket holds at most
 * `requestsPerMinute` requests, so a budget set below the server's limit never draws a 429.
 */
export class RateBudget {
  readonly requestsPerMinute: number;
  readonly burst: number;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Theoretical arrival time of the next request (GCRA's TAT). */
  #tat = Number.NEGATIVE_INFINITY;

  constructor(options: RateBudgetOptions) {
    const rpm = options.requestsPerMinute;
    if (!Number.isFinite(rpm) || rpm < 1) {
      throw new UsageError(`requestsPerMinute must be a number >= 1, got ${String(rpm)}`);
    }
    const burst = options.burst ?? Math.max(1, Math.floor(rpm / 20));
    if (!Number.isInteger(burst) || burst < 1 || burst > rpm) {
      throw new UsageError(`burst must be an integer between 1 and requestsPerMinute (${rpm}), got ${burst}`);
    }
    this.requestsPerMinute = rpm;
    this.burst = burst;
    this.#intervalMs = 60_000 / (rpm + 1 - burst);
    this.#toleranceMs = (burst - 1) * this.#intervalMs;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /**
   * Waits until one request may be sent and returns how long that took, in ms. The caller
   * must send right away: a reserved slot that is spent later could bunch up with the next.
   */
  async take(): Promise<number> {
    const t = this.#now();
    const allowAt = Math.max(t, this.#tat - this.#toleranceMs);
    this.#tat = Math.max(this.#tat, allowAt) + this.#intervalMs;
    // Rounding up keeps floating-point drift in the schedule from letting a request out a
    // fraction of a millisecond early.
    const wait = Math.ceil(allowAt - t);
    if (wait > 0) await this.#sleep(wait);
    return Math.max(0, wait);
  }

  /**
   * Grants nothing for the next `ms`: when the server answers 429 with Retry-After anyway,
   * every client on this credential backs off, not only the one that was told. (A duration,
   * not an instant, because the budget's clock need not be the caller's.)
   */
  pauseFor(ms: number): void {
    this.#tat = Math.max(this.#tat, this.#now() + ms + this.#toleranceMs);
  }
}
