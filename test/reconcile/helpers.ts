/**
 * Shared test helpers for the reconciler's building blocks: a hand-driven clock, a way to
 * hold a handler open until the test lets it go, polling for something that happens on its
 * own time (file watchers), and a capturing logger.
 */
import type { CxonePort } from "../../src/live/port.js";
import type { CancelTimer, Clock } from "../../src/util/clock.js";
import { createLogger, type Logger } from "../../src/util/log.js";

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock that only moves when the test says so. */
export class FakeTimers implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimer = (delayMs: number, callback: () => void): CancelTimer => {
    const timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  };

  /** Timers not yet fired. */
  pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.callback();
      await settle();
    }
    this.#now = target;
  }

  /** Moves time to the next timer and fires it (and any due at the same instant). */
  async next(): Promise<void> {
    const first = [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (first === undefined) throw new Error("no timer pending");
    await this.advance(first.at - this.#now);
  }
}

/** Lets every pending promise callback and I/O-free continuation run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls until `check` returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A logger whose lines (raw JSON text and parsed) can be inspected. */
export function capturingLogger(): {
  logger: Logger;
  text: () => string;
  lines: Array<Record<string, unknown>>;
} {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "debug",
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, text: () => raw.join(""), lines };
}

/** A read the test holds: `read` settles when it has returned, and it goes on after `release`. */
export interface HeldRead {
  read: Deferred<void>;
  release: Deferred<void>;
}

/**
 * `port`, whose next read of every campaign, once `holdNextRead()` is called, is held after it
 * returns until the test releases it: the test can change things while a resync is mid-read.
 */
export function holdingPort(port: CxonePort): { port: CxonePort; holdNextRead(): HeldRead } {
  let hold: HeldRead | undefined;
  const held = new Proxy(port, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
        const current = hold;
        if (key === "readCampaigns" && current) {
          hold = undefined;
          current.read.resolve();
          await current.release.promise;
        }
        return result;
      };
    },
  }) as CxonePort;
  return {
    port: held,
    holdNextRead() {
      hold = { read: deferred(), release: deferred() };
      return hold;
    },
  };
}
