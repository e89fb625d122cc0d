/**
 * What the parts of one cxone-admin client share: its session (requests, tokens, discovery),
 * its business unit's facts, and whether the bulk read works. createAdminClient makes one and
 * hands it to every read and write; nothing is kept at module level.
 */
import type { BusinessUnit } from "./admin-business-unit.js";
import type { AdminClient } from "./admin-client.js";
import type { AdminSession } from "./admin-session.js";

export interface AdminContext extends AdminSession, BusinessUnit {
  /** Set by each bulk read (admin-listing.ts); "missing" makes later reads skip it. */
  bulkRead: AdminClient["bulkRead"];
}
