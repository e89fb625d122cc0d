/**
 * Executes a plan: PATCH exactly the campaigns whose action is "update", each with the ETag
 * it was planned against, and report every outcome. Fresh plans (plan and apply in one run)
 * resolve a 412 by re-reading and re-diffing; saved plans never overwrite a campaign that
 * changed after it was reviewed.
 *
 * Every write is bracketed by the recorder (the journal): an intent before the PATCH, and
 * either the change record or "abandoned" after it. Once a 2xx has arrived the intent is never
 * abandoned. When the outcome is uncertain (no answer, 408, 5xx, or a 2xx the client could
 * not use) live state is read again: if it now holds exactly what was sent under a new ETag,
 * the write is recorded, so its webhook and audit record are never lost. A PATCH is never
 * retried blindly, so a 412 always means someone else changed the campaign: if that left it
 * in the desired state the outcome is "converged", with no change record of ours.
 */
import { normalizeWire, wireEquals } from "../desired/wire.js";
import {
  HttpError,
  NetworkError,
  PreconditionFailedError,
  ProtocolError,
  UnprocessableError,
} from "../live/errors.js";
import type { CxonePort } from "../live/port.js";
import { forEachBounded } from "../live/semaphore.js";
import type { Plan, PlannedChange } from "../plan/plan.js";
import { type ChangeRecord, changeRecordFor, type WriteIntent } from "../state/change-record.js";
import { newChangeId } from "../util/ids.js";
import type { Logger } from "../util/log.js";

export type { WriteIntent } from "../state/change-record.js";

/** Where writes are journalled; the journal implements it, tests may pass a fake. */
export interface WriteRecorder {
  intent(intent: WriteIntent): Promise<string>;
  written(intentId: string, change: ChangeRecord): Promise<void>;
  abandoned(intentId: string, reason: string): Promise<void>;
  /** The write's outcome is unknown: the intent stays open, to be settled from live state. */
  release?(intentId: string): void;
}

export type OutcomeResult = "updated" | "unchanged" | "converged" | "failed" | "skipped";

export interface CampaignOutcome {
  campaignId: string;
  name: string;
  file: string;
  result: OutcomeResult;
  change?: ChangeRecord;
  error?: string;
  latencyMs: number;
}

export interface ApplyResult {
  outcomes: CampaignOutcome[];
  changes: ChangeRecord[];
  summary: { updated: number; unchanged: number; converged: number; failed: number; skipped: number };
}

export interface ApplyOptions {
  /** "fresh": planned in this run; a 412 re-reads and re-diffs. "saved": a reviewed plan; a 412 fails. */
  mode: "fresh" | "saved";
  actor: string;
  revision: string | null;
  logger: Logger;
  recorder?: WriteRecorder | undefined;
  now?: () => number;
  /** PATCHes in flight at once (the client also bounds its own concurrency). */
  concurrency?: number;
  /** Fresh mode: writes per campaign after 412s before giving up. */
  maxConflictRetries?: number;
  /** Campaigns to leave alone this run (e.g. a sync window holds them), with the reason. */
  hold?: (change: PlannedChange) => string | undefined;
}

const noRecorder: WriteRecorder = {
  intent: async () => "",
  written: async () => {},
  abandoned: async () => {},
};

export async function applyPlan(plan: Plan, port: CxonePort, options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? Date.now;
  const outcomes: CampaignOutcome[] = [];
  const updates: PlannedChange[] = [];
  for (const c of plan.changes) {
    const base = { campaignId: c.campaignId, name: c.name, file: c.file, latencyMs: 0 };
    if (c.action === "noop") outcomes.push({ ...base, result: "unchanged" });
    else if (c.action === "error")
      outcomes.push({ ...base, result: "failed", error: c.error ?? "planning failed" });
    else {
      const held = options.hold?.(c);
      if (held) outcomes.push({ ...base, result: "skipped", error: held });
      else updates.push(c);
    }
  }
  await forEachBounded(updates, options.concurrency ?? 4, async (c) => {
    outcomes.push(await applyOne(c, plan.revision, port, options, now));
  });
  const order = new Map(plan.changes.map((c, i) => [c.campaignId, i]));
  outcomes.sort((a, b) => (order.get(a.campaignId) ?? 0) - (order.get(b.campaignId) ?? 0));
  const count = (r: OutcomeResult) => outcomes.filter((o) => o.result === r).length;
  return {
    outcomes,
    changes: outcomes.flatMap((o) => (o.change ? [o.change] : [])),
    summary: {
      updated: count("updated"),
      unchanged: count("unchanged"),
      converged: count("converged"),
      failed: count("failed"),
      skipped: count("skipped"),
    },
  };
}

async function applyOne(
  planned: PlannedChange,
  revision: string | null,
  port: CxonePort,
  options: ApplyOptions,
  now: () => number,
): Promise<CampaignOutcome> {
  const recorder = options.recorder ?? noRecorder;
  const log = options.logger.child({
    campaignId: planned.campaignId,
    campaign: planned.name,
    file: planned.file,
  });
  const started = now();
  const base = { campaignId: planned.campaignId, name: planned.name, file: planned.file };
  const done = (o: Omit<CampaignOutcome, keyof typeof base | "latencyMs">): CampaignOutcome => ({
    ...base,
    ...o,
    latencyMs: now() - started,
  });

  let before = planned.before ?? planned.after;
  let etag = planned.etag as string;
  const tries = options.mode === "fresh" ? 1 + (options.maxConflictRetries ?? 3) : 1;
  for (let attempt = 1; attempt <= tries; attempt++) {
    const intent: WriteIntent = {
      campaignId: planned.campaignId,
      name: planned.name,
      file: planned.file,
      revision,
      before,
      after: planned.after,
      etagBefore: etag,
    };
    const intentId = await recorder.intent(intent);
    /** Journals the change; once a write has landed its intent is never abandoned. */
    const record = async (etagAfter: string): Promise<CampaignOutcome> => {
      const at = now();
      const change = changeRecordFor(intent, etagAfter, options.actor, at, newChangeId(at));
      try {
        await recorder.written(intentId, change);
      } catch (err) {
        // The write is in CXone but not in the journal: the open intent is settled from live
        // state by the next run (or the daemon's next flush), which records it then.
        recorder.release?.(intentId);
        log.error(
          { err: describe(err) },
          "the write landed but journalling it failed; it is settled from live state later",
        );
        return done({
          result: "failed",
          error: `written to CXone, but journalling it failed (${describe(err)}); it is recorded from live state on the next run`,
        });
      }
      return done({ result: "updated", change });
    };

    const t0 = now();
    let written: Awaited<ReturnType<CxonePort["writeSchedule"]>> | undefined;
    let failure: unknown;
    try {
      written = await port.writeSchedule(planned.campaignId, planned.after, etag);
    } catch (err) {
      failure = err;
    }
    if (written) {
      const outcome = await record(written.etag);
      if (outcome.change) {
        log.info(
          {
            etagBefore: etag,
            etagAfter: written.etag,
            latencyMs: now() - t0,
            revision,
            changeId: outcome.change.changeId,
          },
          "campaign schedule written",
        );
      }
      return outcome;
    }

    if (failure instanceof UnprocessableError) {
      await recorder.abandoned(intentId, `rejected by CXone (422): ${failure.responseBody}`);
      // Debug: the outcome carries the reason, and each caller reports it once (apply's summary,
      // the reconciler's log line per reason), not once per retry.
      log.debug({ status: 422, reason: failure.responseBody }, "CXone rejected the schedule");
      return done({
        result: "failed",
        error: `CXone rejected the schedule from ${planned.file} (422): ${apiReason(failure)}`,
      });
    }
    const conflict = failure instanceof PreconditionFailedError;
    if (!conflict && !isUncertain(failure)) {
      await recorder.abandoned(intentId, describe(failure));
      log.debug({ err: describe(failure) }, "writing the campaign schedule failed");
      return done({ result: "failed", error: describe(failure) });
    }

    // A 412, or an answer that leaves it unknown whether CXone acted: read the campaign again.
    let live: Awaited<ReturnType<CxonePort["readCampaign"]>>;
    try {
      live = await port.readCampaign(planned.campaignId);
    } catch (readErr) {
      if (conflict) {
        await recorder.abandoned(intentId, "412: the campaign changed since it was read");
      } else {
        // Whether the write landed is unknown: the intent stays open and is settled later.
        recorder.release?.(intentId);
      }
      log.error({ err: describe(readErr) }, "re-reading the campaign after a failed write failed");
      return done({
        result: "failed",
        error: `${describe(failure)}; re-reading it failed too (${describe(readErr)})${conflict ? "" : ", so whether the write landed is settled on the next run"}`,
      });
    }
    if (!live) {
      await recorder.abandoned(intentId, "the campaign no longer exists in CXone");
      return done({ result: "failed", error: "the campaign no longer exists in CXone" });
    }
    const holdsDesired = wireEquals(live.schedule, planned.after);
    if (!conflict && holdsDesired && live.etag && live.etag !== etag) {
      // No answer, but CXone now holds exactly what was sent under a new version: it landed.
      log.warn(
        { etagBefore: etag, etagAfter: live.etag },
        "write confirmed by reading the campaign again after an uncertain answer",
      );
      return record(live.etag);
    }
    await recorder.abandoned(
      intentId,
      conflict ? "412: the campaign changed since it was read" : `did not land: ${describe(failure)}`,
    );
    if (holdsDesired) {
      // Someone else already wrote exactly this schedule: nothing to write, nothing to announce.
      log.info({ etagLive: live.etag }, "CXone already holds the desired schedule; nothing written");
      return done({ result: "converged" });
    }
    if (options.mode === "saved") {
      if (conflict) {
        log.warn({ etagPlanned: etag, etagLive: live.etag }, "live changed since the plan; not overwritten");
        return done({ result: "failed", error: "live changed since the plan; run plan again" });
      }
      return done({ result: "failed", error: `${describe(failure)}; the write did not land` });
    }
    if (!live.etag)
      return done({
        result: "failed",
        error: "CXone returned no ETag on re-read; refusing to write without If-Match",
      });
    log.warn(
      { etagBefore: etag, etagLive: live.etag, attempt, status: conflict ? 412 : describe(failure) },
      conflict
        ? "campaign changed while writing (412); re-planned against the new live state"
        : "write did not land; trying again",
    );
    before = normalizeWire(live.schedule);
    etag = live.etag;
  }
  return done({
    result: "failed",
    error: `the campaign kept changing or refusing writes (${tries} tries); run apply again`,
  });
}

/**
 * A failure after which the PATCH may or may not have landed: no response (a timeout is a
 * NetworkError: the request may have reached the server), 408 or 5xx, or a 2xx the client
 * could not use (ProtocolError: no ETag, malformed body).
 */
function isUncertain(err: unknown): boolean {
  return (
    err instanceof NetworkError ||
    err instanceof ProtocolError ||
    (err instanceof HttpError && (err.status >= 500 || err.status === 408))
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function apiReason(err: UnprocessableError): string {
  try {
    const body = JSON.parse(err.responseBody) as { error?: unknown; details?: unknown; message?: unknown };
    const details = Array.isArray(body.details) ? body.details.map(String).join("; ") : "";
    return (
      [typeof body.message === "string" ? body.message : body.error, details].filter(Boolean).join(": ") ||
      err.responseBody
    );
  } catch {
    return err.responseBody || err.message;
  }
}
