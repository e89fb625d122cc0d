/** What connecting to CXone gives every command, whatever the profile. */
import type { Dispatcher } from "undici";
import type { ResolvedConfig } from "../desired/config.js";
import { type Clock, sleep } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import type { CxonePort } from "./port.js";
import { RateBudget } from "./rate-budget.js";
import type { RequestEvent } from "./transport.js";

export interface Connection {
  port: CxonePort;
  /** The API base, for messages ("against https://…"), without credentials. */
  endpoint: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  logger: Logger;
  onRequest?: (event: RequestEvent) => void;
  /** Share one budget between clients of one credential (the daemon). */
  budget?: RateBudget;
  dispatcher?: Dispatcher;
  /**
   * The command's clock: retry backoff, Retry-After and the rate budget wait on its timers.
   * Absent, node's timers (and a monotonic clock for the budget).
   */
  clock?: Clock;
}

/** The client settings every profile takes from cxone: in dialwindow.yaml and the options. */
export function transportSettings(c: ResolvedConfig["cxone"], options: ConnectOptions) {
  const clock = options.clock;
  const timing = clock ? { now: clock.now, sleep: (ms: number) => sleep(clock, ms) } : {};
  return {
    budget: options.budget ?? new RateBudget({ requestsPerMinute: c.requestsPerMinute, ...timing }),
    ...timing,
    concurrency: c.concurrency,
    pageSize: c.pageSize,
    timeoutMs: c.timeoutMs,
    maxResponseBytes: c.maxResponseBytes,
    logger: options.logger,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  };
}
