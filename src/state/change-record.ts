/**
 * One successful write to CXone, as it is journalled, announced to WFM systems by webhook and
 * recorded in the git audit trail. It is created once, right after the write succeeds, and is
 * never rewritten: `changeId` is the webhook-id every delivery of it carries, and the
 * receiver's idempotency key.
 */
import type { Curfews } from "../desired/curfews.js";
import type { Schedule } from "../desired/schedule.js";

/** What every write names, whichever part of the campaign it replaces. */
interface WriteBase {
  campaignId: string;
  /** metadata.name of the CampaignSchedule. */
  name: string;
  /** Desired-state file the schedule came from, relative to the desired-state directory. */
  file: string;
  /** Git commit of the desired state that was applied, or null outside a git checkout. */
  revision: string | null;
  /**
   * The live part's version the write expected: the tutorial profile's ETag, the cxone-admin
   * profile's content hash. Opaque.
   */
  versionBefore: string;
}

/** A write of the schedule. Records of it carry no `part` (as every record before curfews). */
export interface ScheduleWrite extends WriteBase {
  part?: undefined;
  /** Normalised canonical schedules. */
  before: Schedule;
  after: Schedule;
}

/** A write of a managed campaign's recipient time-zone boundings (cxone-admin). */
export interface CurfewsWrite extends WriteBase {
  part: "curfews";
  /** The active boundings, normalised; every zone not listed is inactive. */
  before: Curfews;
  after: Curfews;
}

/** What a write is about to do: journalled before the write, completed by its ChangeRecord. */
export type WriteIntent = ScheduleWrite | CurfewsWrite;

export type ChangeRecord = WriteIntent & ChangeFields;

interface ChangeFields {
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
  const fields = {
    changeId,
    campaignId: intent.campaignId,
    name: intent.name,
    file: intent.file,
    revision: intent.revision,
  };
  const after = {
    versionBefore: intent.versionBefore,
    versionAfter,
    actor,
    at: new Date(atMs).toISOString(),
  };
  return intent.part === "curfews"
    ? { ...fields, part: "curfews", before: intent.before, after: intent.after, ...after }
    : { ...fields, before: intent.before, after: intent.after, ...after };
}

/** Which part of its campaign a change or intent replaced, for people: "schedule", "curfews". */
export function partOf(change: WriteIntent): "schedule" | "curfews" {
  return change.part === "curfews" ? "curfews" : "schedule";
}
