/**
 * The webhook body: the tutorial's `CAMPAIGN_SCHEDULE_UPDATED` event, plus what a receiver needs
 * to apply it safely (`previous_schedule`, `revision`, and `change_id`, which equals the
 * `webhook-id` header). A write of a managed campaign's recipient time-zone boundings is its own
 * event, `CAMPAIGN_CURFEWS_UPDATED`, with `curfews` and `previous_curfews` (the active boundings;
 * every zone not listed is inactive) in place of the schedules: the event names the part that
 * changed. Everything comes from the ChangeRecord, so every retry and every redelivery after a
 * crash sends byte-for-byte the same body.
 */
import type { Curfews } from "../desired/curfews.js";
import type { Schedule } from "../desired/schedule.js";
import type { ChangeRecord } from "../state/change-record.js";

export const WEBHOOK_EVENT = "CAMPAIGN_SCHEDULE_UPDATED";
export const CURFEWS_EVENT = "CAMPAIGN_CURFEWS_UPDATED";

export interface ScheduleUpdatedEvent {
  event: typeof WEBHOOK_EVENT;
  campaign_id: string;
  schedule: Schedule;
  previous_schedule: Schedule;
  revision: string | null;
  change_id: string;
  /** When the write to CXone succeeded (the change's `at`), not when this delivery was sent. */
  timestamp: string;
}

export interface CurfewsUpdatedEvent {
  event: typeof CURFEWS_EVENT;
  campaign_id: string;
  curfews: Curfews;
  previous_curfews: Curfews;
  revision: string | null;
  change_id: string;
  timestamp: string;
}

export function scheduleUpdatedEvent(change: ChangeRecord): ScheduleUpdatedEvent | CurfewsUpdatedEvent {
  if (change.part === "curfews") {
    return {
      event: CURFEWS_EVENT,
      campaign_id: change.campaignId,
      curfews: change.after,
      previous_curfews: change.before,
      revision: change.revision,
      change_id: change.changeId,
      timestamp: change.at,
    };
  }
  return {
    event: WEBHOOK_EVENT,
    campaign_id: change.campaignId,
    schedule: change.after,
    previous_schedule: change.before,
    revision: change.revision,
    change_id: change.changeId,
    timestamp: change.at,
  };
}

/** The exact bytes that are signed and sent. */
export function webhookBody(change: ChangeRecord): string {
  return JSON.stringify(scheduleUpdatedEvent(change));
}
