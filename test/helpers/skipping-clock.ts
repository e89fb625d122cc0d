/**
 * A clock that skips every wait: a timer fires on the next turn of the event loop, and the
 * clock's time moves to when it was due. A command's retry backoff, Retry-After and webhook
 * retries then take no real time, while what they would have waited is still there to assert
 * (`waits`, `waitedMs`). Real I/O (sockets, git, request timeouts on node's timers) runs as it would.
 */
import type { CancelTimer, Clock } from "../../src/util/clock.js";

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

export class SkippingClock implements Clock {
  readonly #start: number;
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];
  #scheduled = false;
  /** Every wait asked for, in ms, in the order asked. */
  readonly waits: number[] = [];

  constructor(start = Date.now()) {
    this.#start = start;
    this.#now = start;
  }

  now = (): number => this.#now;

  /** How far the clock has moved past its start: the waits it skipped. */
  get waitedMs(): number {
    return this.#now - this.#start;
  }

  setTimer = (delayMs: number, callback: () => void): CancelTimer => {
    this.waits.push(delayMs);
    const timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#pending.push(timer);
    this.#schedule();
    return () => {
      this.#pending = this.#pending.filter((t) => t !== timer);
    };
  };

  /** Fires the earliest timer on the next turn (timers set meanwhile wait their turn by due time). */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const due = [...this.#pending].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) return;
      this.#pending = this.#pending.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      if (this.#pending.length > 0) this.#schedule();
      due.callback();
    });
  }
}
