/**
 * What a command needs from the process, passed in so commands can run in-process in tests:
 * output streams, environment, working directory and the clock.
 */
import type { DateTime } from "luxon";
import { type Clock, systemClock, utcNow } from "../util/clock.js";
import { createLogger, type Logger } from "../util/log.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now: () => DateTime;
  /**
   * The command's clock: the daemon's timers and instants, and every wait of a one-shot command
   * (retry backoff, Retry-After, the rate budget, webhook retries). When absent, node's timers
   * (the daemon takes its instants from `now`; one-shot commands wait on the system clock).
   * Tests pass one they move by hand, or one that skips each wait.
   */
  clock?: Clock;
  /** A logger writing to stderr; DIALWINDOW_LOG_LEVEL overrides `defaultLevel`. */
  logger: (defaultLevel: string) => Logger;
  /** The daemon's logger: stdout, JSON, or pretty on a terminal. */
  daemonLogger: (defaultLevel: string) => Logger;
  /** Calls `handler` once on SIGTERM or SIGINT (long-running commands stop cleanly). */
  onStopSignal: (handler: (signal: string) => void) => void;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: () => utcNow(systemClock),
    logger: (defaultLevel) =>
      createLogger({ level: process.env.DIALWINDOW_LOG_LEVEL ?? defaultLevel, stderr: true }),
    daemonLogger: (defaultLevel) => createLogger({ level: process.env.DIALWINDOW_LOG_LEVEL ?? defaultLevel }),
    onStopSignal: (handler) => {
      const once = (signal: string) => {
        process.off("SIGTERM", once);
        process.off("SIGINT", once);
        handler(signal);
      };
      process.on("SIGTERM", once);
      process.on("SIGINT", once);
    },
  };
}

/** `{ clock }` for connect() and WritePipeline.open() when the command was given one; else nothing. */
export function clockOption(io: CliIo): { clock?: Clock } {
  return io.clock ? { clock: io.clock } : {};
}

/** Exit codes, as the README's CLI reference defines them. */
export const EXIT = { ok: 0, failure: 1, changes: 2 } as const;
