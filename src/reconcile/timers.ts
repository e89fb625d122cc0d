/**
 * The one way the reconciler's building blocks read the clock and wait. Passed in, never
 * reached for, so tests drive time by hand and a daemon's timers can be listed and cancelled.
 */

/** Cancels a timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

export interface Timers {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/** Wall-clock time and node's own timers. */
export function systemTimers(): Timers {
  return {
    now: () => Date.now(),
    setTimer(delayMs, callback) {
      // setTimeout clamps anything over 2^31-1 ms to 1 ms; a far-off wake-up must not fire at once.
      const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
      return () => clearTimeout(handle);
    },
  };
}
