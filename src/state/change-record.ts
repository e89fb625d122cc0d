/**
 * One successful write to CXone, as it is journalled, announced to WFM systems by webhook and
 * recorded in the git audit trail. It is created once, right after the write succeeds, and is
 * never rewritten: `changeId` is the webhook-id every delivery of it carries, and the
 * receiver's idempotency key.
 */
import type { Schedule } from "../desired/schedule.js";

/** What a write is about to do: journalled before the write, completed by its ChangeRecord. */
export interface WriteIntent {
  campaignId: string;
  /** metadata.name of the CampaignSchedule. */
  name: string;
  /** Desired-state file the schedule came from, relative to the desired-state directory. */
  file: string;
  /** Git commit of the desired state that was applied, or null outside a git checkout. */
  revision: string | null;
  /** Normalised canonical schedules. */
  before: Schedule;
  after: Schedule;
  /**
   * The live schedule's version the write expected: the tutorial profile's ETag, the
   * cxone-admin profile's content hash. Opaque.
   */
  versionBefore: string;
}

export interface ChangeRecord extends WriteIntent {
  /** Stable id of this change, e.g. "chg_01J…"; unique, and safe to use as a webhook-id. */
  changeId: string;
  /** The version after the write. */
  versionAfter: string;
  /** Who made the change: "dialwindow apply (user@host)" or "dialwindow reconcile (...)". */
  actor: string;
  /** ISO-8601 UTC instant the write succeeded. */
  at: string;
}

/** The change record of a write that landed, from its intent and the version it left. */
export function changeRecordFor(
  intent: WriteIntent,
  versionAfter: string,
  actor: string,
  atMs: number,
  changeId: string,
): ChangeRecord {
  return {
    changeId,
    campaignId: intent.campaignId,
    name: intent.name,
    file: intent.file,
    revision: intent.revision,
    before: intent.before,
    after: intent.after,
    versionBefore: intent.versionBefore,
    versionAfter,
    actor,
    at: new Date(atMs).toISOString(),
  };
}
