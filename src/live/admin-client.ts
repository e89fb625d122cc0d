/**
 * The `cxone-admin` profile: the CxonePort over NICE's CXone Admin API. A campaign is a
 * Personal Connection (PC) skill; its schedule is the skill's schedule-settings (see
 * admin-wire.ts). This file assembles the client from its parts, which share one AdminContext
 * (admin-context.ts): the session (admin-session.ts), the business unit's facts
 * (admin-business-unit.ts), the reads (admin-reads.ts, admin-listing.ts) and the writes
 * (admin-writes.ts).
 */
import type { AdminCredentials } from "./admin-auth.js";
import { businessUnitOf } from "./admin-business-unit.js";
import type { AdminContext } from "./admin-context.js";
import { readCampaign, readCampaigns } from "./admin-reads.js";
import { openAdminSession } from "./admin-session.js";
import { writeCurfews, writeSchedule } from "./admin-writes.js";
import { CAPABILITIES } from "./capabilities.js";
import type { ClientTransportOptions } from "./client-transport.js";
import type { CxonePort, PortTarget } from "./port.js";

export interface AdminClientOptions extends ClientTransportOptions {
  /** e.g. https://cxone.niceincontact.com */
  issuer: string;
  /** "30.0" */
  apiVersion: string;
  credentials: AdminCredentials;
  /** CXONE_TENANT_ID: the tenant to discover when the access token carries no tenantId claim. */
  tenantId?: string | undefined;
  /** cxone.scheduleTimezone (IANA); default: the business unit's defaultTimeZone. */
  scheduleTimezone?: string | undefined;
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
