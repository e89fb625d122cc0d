/**
 * Executes a plan: PATCH exactly the campaigns whose action is "update", each with the ETag
 * it was planned against, and report every outcome. Fresh plans (plan and apply in one run)
 * resolve a 412 by re-reading and re-diffing; saved plans never overwrite a campaign that
 * changed after it was reviewed.
 *
 * Every write is bracketed by the recorder (the journal): an intent before the PATCH, and
 * either the change record or "abandoned" after it. When the outcome of a PATCH is uncertain
 * (the connection dropped after sending, or a retried PATCH answered 412 because the first
 * attempt had landed), live state is read again: if it now holds exactly what was sent, the
 * write is recorded as done, so its webhook and audit record are never lost.
 */
import type { WireSchedule } from "../desired/wire.js";
import { normalizeWire, wireEquals } from "../desired/wire.js";
import { HttpError, NetworkError, PreconditionFailedError, UnprocessableError } from "../live/errors.js";
import type { CxonePort } from "../live/port.js";
import { forEachBounded } from "../live/semaphore.js";
import { diffSchedules } from "../plan/diff.js";
import type { Plan, PlannedChange } from "../plan/plan.js";
import type { ChangeRecord } from "../state/change-record.js";
import { newChangeId } from "../util/ids.js";
import type { Logger } from "../util/log.js";

export interface WriteIntent {
  campaignId: string;
  name: string;
  file: string;
  revision: string | null;
  before: WireSchedule;
  after: WireSchedule;
  etagBefore: string;
}

/** Where writes are journalled; the journal implements it, tests may pass a fake. */
export interface WriteRecorder {
  intent(intent: WriteIntent): Promise<string>;
  written(intentId: string, change: ChangeRecord): Promise<void>;
  abandoned(intentId: string, reason: string): Promise<void>;
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
    const intentId = await recorder.intent({
      campaignId: planned.campaignId,
      name: planned.name,
      file: planned.file,
      revision,
      before,
      after: planned.after,
      etagBefore: etag,
    });
    const record = async (etagAfter: string, at: number): Promise<ChangeRecord> => {
      const change: ChangeRecord = {
        changeId: newChangeId(at),
        campaignId: planned.campaignId,
        name: planned.name,
        file: planned.file,
        revision,
        before,
        after: planned.after,
        etagBefore: etag,
        etagAfter,
        actor: options.actor,
        at: new Date(at).toISOString(),
      };
      await recorder.written(intentId, change);
      return change;
    };
    try {
      const t0 = now();
      const result = await port.writeSchedule(planned.campaignId, planned.after, etag);
      const change = await record(result.etag, now());
      log.info(
        {
          etagBefore: etag,
          etagAfter: result.etag,
          latencyMs: now() - t0,
          revision,
          changeId: change.changeId,
        },
        "campaign schedule written",
      );
      return done({ result: "updated", change });
    } catch (err) {
      if (err instanceof UnprocessableError) {
        await recorder.abandoned(intentId, `rejected by CXone (422): ${err.responseBody}`);
        log.error({ status: 422, reason: err.responseBody }, "CXone rejected the schedule");
        return done({
          result: "failed",
          error: `CXone rejected the schedule from ${planned.file} (422): ${apiReason(err)}`,
        });
      }
      if (!(err instanceof PreconditionFailedError) && !isUncertain(err)) {
        await recorder.abandoned(intentId, describe(err));
        log.error({ err: describe(err) }, "writing the campaign schedule failed");
        return done({ result: "failed", error: describe(err) });
      }
      // 412, or no answer: settle what actually happened by reading the campaign again.
      let live: Awaited<ReturnType<CxonePort["readCampaign"]>>;
      try {
        live = await port.readCampaign(planned.campaignId);
      } catch (readErr) {
        // Leave the intent open: the next start reads live state and settles it.
        log.error(
          { err: describe(readErr) },
          "write outcome unknown and the re-read failed; the journal will settle it",
        );
        return done({
          result: "failed",
          error: `${describe(err)}; re-reading it failed too (${describe(readErr)}), so whether the write landed is settled on the next run`,
        });
      }
      if (!live) {
        await recorder.abandoned(intentId, "the campaign no longer exists in CXone");
        return done({ result: "failed", error: "the campaign no longer exists in CXone" });
      }
      if (wireEquals(live.schedule, planned.after) && live.etag && live.etag !== etag) {
        const change = await record(live.etag, now());
        log.warn(
          { etagBefore: etag, etagAfter: live.etag, changeId: change.changeId },
          "write confirmed by re-reading after an uncertain answer",
        );
        return done({ result: "updated", change });
      }
      await recorder.abandoned(
        intentId,
        err instanceof PreconditionFailedError
          ? "412: the campaign changed since it was read"
          : describe(err),
      );
      if (!(err instanceof PreconditionFailedError)) return done({ result: "failed", error: describe(err) });
      if (options.mode === "saved") {
        log.warn({ etagPlanned: etag, etagLive: live.etag }, "live changed since the plan; not overwritten");
        return done({ result: "failed", error: "live changed since the plan; run plan again" });
      }
      if (diffSchedules(live.schedule, planned.after).length === 0) {
        log.info({ etagLive: live.etag }, "someone else already wrote the desired schedule; nothing to do");
        return done({ result: "converged" });
      }
      if (!live.etag)
        return done({
          result: "failed",
          error: "CXone returned no ETag on re-read; refusing to write without If-Match",
        });
      log.warn(
        { etagBefore: etag, etagLive: live.etag, attempt },
        "campaign changed while writing (412); re-planned against the new live state",
      );
      before = normalizeWire(live.schedule);
      etag = live.etag;
    }
  }
  return done({
    result: "failed",
    error: `the campaign kept changing while dialwindow wrote it (${tries} tries, each answered 412); run apply again`,
  });
}

/** A failure after which the PATCH may or may not have landed. */
function isUncertain(err: unknown): boolean {
  // TimeoutError is a NetworkError: the request may have reached the server.
  return err instanceof NetworkError || (err instanceof HttpError && err.status >= 500);
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
