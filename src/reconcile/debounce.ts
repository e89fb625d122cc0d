/**
 * Trailing debounce with a ceiling: fires once no poke arrived for `quietMs`, but never later
 * than `maxWaitMs` after the first poke of a burst, so a directory that never goes quiet (a
 * tool rewriting a file every second) is still reconciled.
 */
import type { CancelTimer, Clock } from "../util/clock.js";

export interface DebounceOptions {
  quietMs: number;
  maxWaitMs: number;
  clock: Clock;
  fire: () => void;
}

export class Debounce {
  readonly #o: DebounceOptions;
  #burstStart: number | undefined;
  #cancel: CancelTimer = () => {};

  constructor(options: DebounceOptions) {
    if (!(options.quietMs >= 0) || !(options.maxWaitMs >= options.quietMs)) {
      throw new RangeError(
        `debounce needs 0 <= quietMs <= maxWaitMs, got ${options.quietMs} and ${options.maxWaitMs}`,
      );
    }
    this.#o = options;
  }

  /** Something happened: (re)start the quiet period. */
  poke(): void {
    const now = this.#o.clock.now();
    this.#burstStart ??= now;
    this.#cancel();
    const delay = Math.max(0, Math.min(this.#o.quietMs, this.#burstStart + this.#o.maxWaitMs - now));
    this.#cancel = this.#o.clock.setTimer(delay, () => {
      this.#burstStart = undefined;
      this.#o.fire();
    });
  }

  /** Forgets the current burst without firing. */
  cancel(): void {
    this.#cancel();
    this.#burstStart = undefined;
  }
}
