/**
 * The daemon's timers, one per name (resync, transition, flush, git, flush-retry): setting a
 * name again replaces its timer, and stop() cancels them all and refuses new ones. A task that
 * fails is logged, never left to the clock.
 */
import type { CancelTimer, Clock } from "../util/clock.js";
import type { Logger } from "../util/log.js";

export class KeyedTimers {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #cancels = new Map<string, CancelTimer>();
  #stopped = false;

  constructor(clock: Clock, log: Logger) {
    this.#clock = clock;
    this.#log = log;
  }

  /** Runs `fn` once, `delayMs` from now, in place of any timer of the same name. */
  set(name: string, delayMs: number, fn: () => unknown): void {
    this.#cancels.get(name)?.();
    if (this.#stopped) return;
    this.#cancels.set(
      name,
      this.#clock.setTimer(delayMs, () => {
        this.#cancels.delete(name);
        if (!this.#stopped)
          void Promise.resolve(fn()).catch((err: unknown) =>
            this.#log.error({ err: String(err), timer: name }, "timer task failed"),
          );
      }),
    );
  }

  /** Runs `fn` every `intervalMs`, re-arming only after it settles: a slow run never piles up. */
  every(name: string, intervalMs: number, fn: () => unknown): void {
    this.set(name, intervalMs, async () => {
      try {
        await fn();
      } finally {
        this.every(name, intervalMs, fn);
      }
    });
  }

  /** Cancels every timer; none is set from now on. */
  stop(): void {
    this.#stopped = true;
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
  }
}
