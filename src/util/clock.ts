/**
 * The one clock. Whatever needs the time or a timer is given a Clock, never reaches for one:
 * tests drive time by hand, and a daemon's timers can be listed and cancelled. This file is
 * the only place under src/ that reads the wall clock or starts a real timer.
 */
import { DateTime } from "luxon";

/** Cancels a timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/** Wall-clock time and node's own timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    // setTimeout clamps anything over 2^31-1 ms to 1 ms; a far-off wake-up must not fire at once.
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    return () => clearTimeout(handle);
  },
};

/** The clock's instant, in UTC. */
export function utcNow(clock: Clock): DateTime {
  return DateTime.fromMillis(clock.now(), { zone: "utc" });
}

/** The clock's instant as a Date (for APIs that take one). */
export function dateNow(clock: Clock): Date {
  return new Date(clock.now());
}

/** Resolves `ms` from now, by the clock's time. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(ms, resolve);
  });
}
