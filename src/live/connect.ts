/**
 * Builds the CxonePort for a desired-state repository: the profile and URLs from
 * dialwindow.yaml (CXONE_API_URL / CXONE_TOKEN_URL override them), credentials only from the
 * environment.
 */
import type { Dispatcher } from "undici";
import type { ResolvedConfig } from "../desired/config.js";
import { profileProblem } from "../desired/config-checks.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { redactUrl } from "./http.js";
import { RateBudget } from "./rate-budget.js";
import type { RequestEvent } from "./transport.js";
import { createTutorialClient, type TutorialClient } from "./tutorial-client.js";

export interface Connection {
  client: TutorialClient;
  /** The API base, for messages ("against https://…"). */
  target: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  logger: Logger;
  onRequest?: (event: RequestEvent) => void;
  /** Share one budget between clients of one credential (the daemon). */
  budget?: RateBudget;
  dispatcher?: Dispatcher;
}

export function connect(
  config: ResolvedConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: ConnectOptions,
): Connection {
  const c = config.cxone;
  // The same check is validate's DW175.
  const profile = profileProblem(c.profile);
  if (profile) throw new UsageError(profile);
  const missing: string[] = [];
  if (!c.apiUrl) missing.push("the API URL (cxone.apiUrl in dialwindow.yaml, or env CXONE_API_URL)");
  if (!c.tokenUrl) missing.push("the token URL (cxone.tokenUrl, or env CXONE_TOKEN_URL)");
  const clientId = env.CXONE_CLIENT_ID?.trim();
  const clientSecret = env.CXONE_CLIENT_SECRET;
  if (!clientId) missing.push("env CXONE_CLIENT_ID");
  if (!clientSecret) missing.push("env CXONE_CLIENT_SECRET");
  if (missing.length > 0) throw new UsageError(`cannot connect to CXone: missing ${missing.join(", ")}.`);
  const client = createTutorialClient({
    apiUrl: c.apiUrl as string,
    tokenUrl: c.tokenUrl as string,
    clientId: clientId as string,
    clientSecret: clientSecret as string,
    scope: c.scope,
    budget: options.budget ?? new RateBudget({ requestsPerMinute: c.requestsPerMinute }),
    concurrency: c.concurrency,
    pageSize: c.pageSize,
    timeoutMs: c.timeoutMs,
    logger: options.logger,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  // The target is printed (plan, apply): never with credentials an env URL may carry.
  return { client, target: redactUrl(c.apiUrl as string), close: () => client.close() };
}
