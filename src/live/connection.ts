/** What connecting to CXone gives every command, whatever the profile. */
import type { Dispatcher } from "undici";
import type { Logger } from "../util/log.js";
import type { CxonePort } from "./port.js";
import type { RateBudget } from "./rate-budget.js";
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
}
