/**
 * The `cxone-admin` profile: the CxonePort over NICE's CXone Admin API. A campaign is a
 * Personal Connection (PC) skill; its schedule is the skill's schedule-settings (see
 * admin-wire.ts). This file assembles the client from its parts, which share one AdminContext
 * (admin-context.ts): the session (admin-session.ts), the business unit's facts
 * (admin-business-unit.ts), the reads (admin-reads.ts, admin-listing.ts) and the writes
 * (admin-writes.ts).
 */
import type { Dispatcher } from "undici";
import type { ResponseLimits } from "../desired/config.js";
import type { Logger } from "../util/log.js";
import type { AdminCredentials } from "./admin-auth.js";
import { businessUnitOf } from "./admin-business-unit.js";
import type { AdminContext } from "./admin-context.js";
import { readCampaign, readCampaigns } from "./admin-reads.js";
import { openAdminSession } from "./admin-session.js";
import { writeCurfews, writeSchedule } from "./admin-writes.js";
import { CAPABILITIES } from "./capabilities.js";
import type { CxonePort, PortTarget } from "./port.js";
import type { RateBudget } from "./rate-budget.js";
import type { RequestEvent } from "./transport.js";

export interface AdminClientOptions {
  /** e.g. https://cxone.niceincontact.com */
  issuer: string;
  /** "30.0" */
  apiVersion: string;
  credentials: AdminCredentials;
  /** CXONE_TENANT_ID: the tenant to discover when the access token carries no tenantId claim. */
  tenantId?: string | undefined;
  /** cxone.scheduleTimezone (IANA); default: the business unit's defaultTimeZone. */
  scheduleTimezone?: string | undefined;
  budget?: RateBudget | undefined;
  requestsPerMinute?: number | undefined;
  concurrency?: number | undefined;
  /** Skills per listing page; at most 100 are asked for. Default 100. */
  pageSize?: number | undefined;
  maxResponseBytes?: Partial<ResponseLimits> | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  backoffBaseMs?: number | undefined;
  backoffCapMs?: number | undefined;
  maxRetryAfterMs?: number | undefined;
  dispatcher?: Dispatcher | undefined;
  logger?: Logger | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  onRequest?: ((event: RequestEvent) => void) | undefined;
}

export interface AdminClient extends CxonePort {
  readonly profile: "cxone-admin";
  /** "missing" once the bulk read failed; from then on skills are read one by one. */
  readonly bulkRead: "unknown" | "available" | "missing";
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const session = openAdminSession(options);
  const ctx: AdminContext = {
    ...session,
    ...businessUnitOf(session, options.scheduleTimezone),
    bulkRead: "unknown",
  };

  const target = async (targetOptions: { curfews?: boolean } = {}): Promise<PortTarget> => ({
    scheduleZone: await ctx.scheduleZone(),
    ...(targetOptions.curfews === true ? { curfewZones: await ctx.curfewZones() } : {}),
  });

  return {
    profile: "cxone-admin",
    capabilities: CAPABILITIES["cxone-admin"],
    target,
    get bulkRead() {
      return ctx.bulkRead;
    },
    readCampaign: (id, readOptions) => readCampaign(ctx, id, readOptions),
    readCampaigns: (ids, readOptions) => readCampaigns(ctx, ids, readOptions),
    writeSchedule: (id, schedule, expectedVersion) => writeSchedule(ctx, id, schedule, expectedVersion),
    writeCurfews: (id, curfews, expectedVersion) => writeCurfews(ctx, id, curfews, expectedVersion),
    close: session.close,
  };
}
