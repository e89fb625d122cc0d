/**
 * A level-triggered work queue keyed by string (a campaign id), after client-go's workqueue:
 * a key says "look at this campaign again", not "apply this change", so adding a key that is
 * already waiting does nothing, and a key added while its handler runs is run once more
 * afterwards. A key is never handled by two workers at once, so one campaign's reads and writes
 * can never interleave with each other.
 *
 * Failures back off per key: exponential from `baseMs`, capped at `capMs` (minutes, not
 * controller-runtime's 16: a campaign that failed because CXone was down should be retried soon
 * after CXone is back), with jitter so campaigns that failed together do not retry together.
 */

import { type CancelTimer, type Clock, systemClock } from "../util/clock.js";
import { type Logger, silentLogger } from "../util/log.js";

export type WorkResult = "done" | "retry";

/** Handles one key. A throw counts as "retry". */
export type WorkHandler = (key: string) => Promise<WorkResult>;

export interface BackoffPolicy {
  /** The ceiling of the first retry's delay, in ms; each further failure doubles it. */
  baseMs: number;
  /** No retry waits longer than this, in ms. */
  capMs: number;
}

export const DEFAULT_WORK_BACKOFF: Readonly<BackoffPolicy> = { baseMs: 1_000, capMs: 300_000 };

export interface WorkQueueOptions {
  handler: WorkHandler;
  /** Handlers running at once; default 1. */
  concurrency?: number;
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  /** In [0, 1); drives the jitter. */
  random?: () => number;
  logger?: Logger;
  /** Called when a failed key's next attempt is armed (the caller says why it failed). */
  onRetry?: (key: string, failures: number, delayMs: number) => void;
}

export interface WorkQueueStats {
  /** Keys waiting to be handled now (including keys re-added while being handled). */
  queued: number;
  /** Keys being handled. */
  inFlight: number;
  /** Keys waiting for a delay to pass (`addAfter`, retries). */
  delayed: number;
}

export interface ShutdownResult {
  /** Every handler running at shutdown finished within `drainMs`. */
  drained: boolean;
  /** Keys that were waiting and were never started. */
  dropped: string[];
  /** Keys whose handlers were still running when `drainMs` ran out. */
  unfinished: string[];
}

/**
 * The delay before retry number `failures` (1 for the first): a draw in [c/2, c) where
 * c = min(cap, base * 2^(failures - 1)). Half the ceiling is kept as a floor (rather than full
 * jitter's zero) so a campaign failing again and again really does slow down.
 */
export function retryDelayMs(failures: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.max(0, failures - 1);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(exponent, 52));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(policy.capMs, Math.floor(ceiling / 2 + (r * ceiling) / 2));
}

export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #concurrency: number;
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #onRetry: WorkQueueOptions["onRetry"];

  /** Waiting to start, in arrival order (a Set: de-duplicated and ordered). */
  readonly #ready = new Set<string>();
  readonly #processing = new Set<string>();
  /** Added while being processed: goes back to #ready when its handler finishes. */
  readonly #again = new Set<string>();
  readonly #delayed = new Map<string, { at: number; cancel: CancelTimer }>();
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #drainWaiters: Array<() => void> = [];
  #closed = false;
  #shutdown: Promise<ShutdownResult> | undefined;

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`work queue concurrency must be a positive integer, got ${concurrency}`);
    }
    const backoff = { ...DEFAULT_WORK_BACKOFF, ...options.backoff };
    if (!(backoff.baseMs > 0) || !(backoff.capMs >= backoff.baseMs)) {
      throw new RangeError(`work queue backoff needs 0 < baseMs <= capMs, got ${JSON.stringify(backoff)}`);
    }
    this.#handler = options.handler;
    this.#concurrency = concurrency;
    this.#backoff = backoff;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? silentLogger();
    this.#onRetry = options.onRetry;
  }

  /** Queues `key` unless it is already waiting. After shutdown began, does nothing. */
  add(key: string): void {
    if (this.#closed) return;
    if (this.#processing.has(key)) this.#again.add(key);
    else this.#ready.add(key);
    this.#pump();
  }

  /**
   * Queues `key` after `delayMs`. When the key already has a pending delayed add, the earlier
   * of the two wins: a retry in 5 minutes must not postpone a transition due in 1.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#closed) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.cancel();
    }
    const cancel = this.#clock.setTimer(delayMs, () => {
      if (this.#delayed.get(key)?.cancel !== cancel) return;
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { at, cancel });
  }

  /** Resets `key`'s backoff. Done automatically when its handler answers "done". */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Failures of `key` since it last succeeded (or was forgotten). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** When `key` is due from a delay (a retry, `addAfter`), epoch ms; undefined when none is pending. */
  dueAt(key: string): number | undefined {
    return this.#delayed.get(key)?.at;
  }

  /** Keys waiting to be handled now. */
  depth(): number {
    return this.#ready.size + this.#again.size;
  }

  stats(): WorkQueueStats {
    return { queued: this.depth(), inFlight: this.#processing.size, delayed: this.#delayed.size };
  }

  /** Resolves when nothing is queued or running (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: queued and delayed keys are dropped, and `add` does nothing from now on.
   * Handlers already running are waited for, at most `drainMs`. Calling it again returns the
   * first call's result.
   */
  shutdown(options: { drainMs: number }): Promise<ShutdownResult> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    this.#closed = true;
    const dropped = [...this.#ready, ...this.#again, ...this.#delayed.keys()].filter(
      (key, i, all) => all.indexOf(key) === i,
    );
    this.#ready.clear();
    this.#again.clear();
    for (const { cancel } of this.#delayed.values()) cancel();
    this.#delayed.clear();
    this.#shutdown = new Promise<ShutdownResult>((resolve) => {
      if (this.#processing.size === 0) {
        resolve({ drained: true, dropped, unfinished: [] });
        return;
      }
      let cancelDeadline: CancelTimer = () => {};
      const finished = () => {
        cancelDeadline();
        resolve({ drained: true, dropped, unfinished: [] });
      };
      this.#drainWaiters.push(finished);
      cancelDeadline = this.#clock.setTimer(options.drainMs, () => {
        const index = this.#drainWaiters.indexOf(finished);
        if (index >= 0) this.#drainWaiters.splice(index, 1);
        const unfinished = [...this.#processing];
        this.#logger.warn(
          { unfinished, drainMs: options.drainMs },
          "work still running at shutdown deadline",
        );
        resolve({ drained: false, dropped, unfinished });
      });
    });
    this.#settle();
    return this.#shutdown;
  }

  #pump(): void {
    while (!this.#closed && this.#processing.size < this.#concurrency) {
      const next = this.#ready.values().next();
      if (next.done) break;
      const key = next.value;
      this.#ready.delete(key);
      this.#processing.add(key);
      void this.#run(key);
    }
    this.#settle();
  }

  async #run(key: string): Promise<void> {
    let result: WorkResult;
    let error: unknown;
    try {
      // Through a promise chain so a handler that throws synchronously is still a "retry".
      result = await Promise.resolve().then(() => this.#handler(key));
    } catch (err) {
      result = "retry";
      error = err;
    }
    this.#processing.delete(key);
    if (result === "done") {
      this.#failures.delete(key);
    } else if (!this.#closed) {
      const failures = this.failures(key) + 1;
      this.#failures.set(key, failures);
      const delayMs = retryDelayMs(failures, this.#backoff, this.#random);
      // The handler says why it asked (the reconciler logs a campaign's failure once per reason).
      if (error === undefined) {
        this.#logger.debug({ key, failures, delayMs }, "work item asked to be retried");
      } else {
        this.#logger.warn({ key, failures, delayMs, err: error }, "work item failed; retrying");
      }
      this.addAfter(key, delayMs);
      try {
        this.#onRetry?.(key, failures, delayMs);
      } catch (err) {
        this.#logger.warn({ key, err }, "onRetry hook threw; ignored");
      }
    }
    if (this.#again.delete(key) && !this.#closed) this.#ready.add(key);
    this.#pump();
  }

  #isIdle(): boolean {
    return this.#ready.size === 0 && this.#again.size === 0 && this.#processing.size === 0;
  }

  #settle(): void {
    if (this.#isIdle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    if (this.#processing.size === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }
}
