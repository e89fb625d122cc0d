/**
 * The work queue's handler: one campaign, level-triggered. Read it from CXone (or take what the
 * resync just read), plan it against the desired state, let decide() say what to do, and write
 * with the same engine and journal as `dialwindow apply`. Every attempt ends in one result
 * (ReconcileResult), counted, put on the campaign board and announced as an event; a failure
 * asks the work queue to retry with backoff.
 */
import type { DateTime } from "luxon";
import { applyPlan } from "../apply/apply.js";
import { actorName, type WritePipeline } from "../apply/pipeline.js";
import type { CampaignSchedule } from "../desired/model.js";
import { AuthenticationError } from "../live/errors.js";
import type { CxonePort } from "../live/port.js";
import { attributeCurfews, attributeUpdate } from "../plan/cause.js";
import { PLAN_FORMAT_VERSION, type PlannedChange, type PlanTarget, planCampaign } from "../plan/plan.js";
import type { ChangeRecord } from "../state/change-record.js";
import { type Clock, dateNow, utcNow } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import type { CampaignLog } from "./campaign-log.js";
import { decide } from "./decide.js";
import type { DesiredWatch } from "./desired-watch.js";
import { AttemptWitness, type FailureReason, reasonOf } from "./failure-reason.js";
import { FLUSH_DEBOUNCE_MS } from "./flusher.js";
import type { DaemonHealth } from "./health.js";
import type { LiveSync } from "./live-sync.js";
import type { DaemonMetrics, ReconcileResult } from "./metrics.js";

export interface ReconcileEvent {
  campaignId: string;
  name: string;
  file: string;
  result: ReconcileResult;
  /** Why (blocked, held, failed) or what (the drift, in report mode). */
  detail?: string;
  /** Applied: the first change made (the schedule's, else the boundings'). */
  change?: ChangeRecord;
  /** Applied: every change made, one per part written. */
  changes?: ChangeRecord[];
  planned?: PlannedChange;
  /** Applied: how long the write took. */
  latencyMs?: number;
}

export interface CampaignHandlerOptions {
  port: CxonePort;
  desired: DesiredWatch;
  mode: () => "enforce" | "report";
  live: LiveSync;
  /** Puts a campaign back on the work queue `delayMs` from now. */
  requeueAfter: (id: string, delayMs: number) => void;
  pipeline: WritePipeline;
  campaigns: CampaignLog;
  health: DaemonHealth;
  metrics: DaemonMetrics;
  clock: Clock;
  log: Logger;
  emit: (event: ReconcileEvent) => void;
  /** Webhooks and the audit commit for a write, shortly. */
  scheduleFlush: (delayMs: number) => void;
}

type Outcome = Omit<ReconcileEvent, "result" | "campaignId">;

export class CampaignHandler {
  readonly #o: CampaignHandlerOptions;

  constructor(options: CampaignHandlerOptions) {
    this.#o = options;
  }

  async reconcile(id: string): Promise<"done" | "retry"> {
    const { campaigns, desired, health } = this.#o;
    const started = this.#o.clock.now();
    const finish = (result: ReconcileResult, e: Outcome, reason?: FailureReason): "done" | "retry" =>
      this.#finish(id, started, result, e, reason);
    const c = desired.snapshot.campaigns.get(id);
    if (!c) {
      const why = desired.snapshot.blocked.get(id);
      if (why) return finish("blocked", { name: id, file: "", detail: why }, "invalid_file");
      return "done"; // no longer managed
    }
    const base = { name: c.name, file: c.file };
    let live = this.#o.live.takeLive(id);
    let target: PlanTarget;
    try {
      target = await this.#o.live.target();
    } catch (err) {
      return finish("failed", {
        ...base,
        detail: `reading the tenant's settings failed: ${(err as Error).message}`,
      });
    }
    if (!live) {
      try {
        live = await this.#o.port.readCampaign(id, { curfews: c.curfews !== undefined });
        health.credentialError = undefined;
      } catch (err) {
        const detail = `reading it from CXone failed: ${(err as Error).message}`;
        // Refused credentials stop every campaign; a 403 on one campaign is that campaign's.
        if (err instanceof AuthenticationError) health.credentialError = detail;
        return finish("failed", { ...base, detail }, reasonOf(err));
      }
    }
    const at = utcNow(this.#o.clock);
    const planned = planCampaign(c, live, undefined, at, target);
    const decision = decide(planned, {
      frozen: desired.frozen,
      mode: this.#o.mode(),
      window: desired.syncWindows.check(at),
      at,
    });
    switch (decision.result) {
      case "noop":
        campaigns.drifted.delete(id);
        campaigns.held.delete(id);
        return finish("noop", base);
      case "failed":
        return finish(
          "failed",
          { ...base, detail: decision.detail, planned },
          live ? "invalid_response" : "not_found",
        );
      case "blocked":
        campaigns.drifted.add(id);
        return finish("blocked", { ...base, planned, detail: decision.detail }, "desired_state_invalid");
      case "drift_reported":
        campaigns.drifted.add(id);
        this.#o.log.warn(
          {
            campaignId: id,
            campaign: c.name,
            file: c.file,
            diff: planned.diff,
            ...((planned.curfews?.diff.length ?? 0) > 0 ? { curfewsDiff: planned.curfews?.diff } : {}),
          },
          "drift detected (report mode: not written)",
        );
        return finish("drift_reported", { ...base, planned, detail: decision.detail });
      case "held":
        campaigns.drifted.add(id);
        this.#o.requeueAfter(id, decision.requeueAfter);
        campaigns.held.add(id);
        this.#o.log.info(
          { campaignId: id, campaign: c.name, until: decision.until.toISO() },
          "write held by a deny sync window",
        );
        return finish("held", { ...base, planned, detail: decision.detail });
      case "write":
        campaigns.drifted.add(id);
        return this.#write(id, c, planned, target, at, finish);
    }
  }

  async #write(
    id: string,
    c: CampaignSchedule,
    planned: PlannedChange,
    target: PlanTarget,
    at: DateTime,
    finish: (result: ReconcileResult, e: Outcome, reason?: FailureReason) => "done" | "retry",
  ): Promise<"done" | "retry"> {
    const { campaigns, desired, health, metrics, pipeline } = this.#o;
    const base = { name: c.name, file: c.file };
    this.#logDrift(c, planned, at);
    const witness = new AttemptWitness();
    const revision = desired.snapshot.revision;
    let result: Awaited<ReturnType<typeof applyPlan>>;
    try {
      result = await applyPlan(
        {
          formatVersion: PLAN_FORMAT_VERSION,
          profile: target.capabilities.profile,
          ...(target.scheduleZone === undefined ? {} : { scheduleZone: target.scheduleZone }),
          at: at.toUTC().toISO() as string,
          revision,
          summary: { update: 1, noop: 0, error: 0 },
          changes: [planned],
          transitions: [],
        },
        witness.watch(this.#o.port, "cxone"),
        {
          mode: "fresh",
          actor: actorName("reconcile"),
          revision,
          logger: this.#o.log,
          recorder: witness.watch(pipeline.recorder, "journal"),
          concurrency: 1,
          clock: this.#o.clock,
        },
      );
    } catch (err) {
      health.noteAttempt(witness);
      return finish("failed", { ...base, planned, detail: (err as Error).message }, witness.reason(err));
    }
    health.noteAttempt(witness);
    const outcome = result.outcomes[0];
    campaigns.held.delete(id);
    if (outcome?.result === "converged") {
      campaigns.drifted.delete(id);
      return finish("noop", { ...base, planned, detail: "CXone already held the desired schedule" });
    }
    if (outcome?.result === "updated") {
      campaigns.drifted.delete(id);
      metrics.setDriftedCampaigns(campaigns.drifted.size);
      metrics.markReconcileSuccess(dateNow(this.#o.clock));
      if (outcome.change) this.#o.scheduleFlush(FLUSH_DEBOUNCE_MS);
      return finish("applied", {
        ...base,
        planned,
        latencyMs: outcome.latencyMs,
        ...(outcome.change ? { change: outcome.change } : {}),
        ...(outcome.changes ? { changes: outcome.changes } : {}),
      });
    }
    return finish("failed", { ...base, planned, detail: outcome?.error ?? "apply failed" }, witness.reason());
  }

  /** Counted, announced, and put on the board: a failure is retried, the rest is done. */
  #finish(
    id: string,
    started: number,
    result: ReconcileResult,
    e: Outcome,
    reason?: FailureReason,
  ): "done" | "retry" {
    const { campaigns } = this.#o;
    this.#o.metrics.recordReconcile(result, this.#o.clock.now() - started);
    this.#o.emit({ campaignId: id, result, ...e });
    if (result === "failed") {
      campaigns.problem(id, "failing", reason ?? "other", e.detail ?? "failed", e.planned);
      return "retry";
    }
    if (result === "blocked") {
      campaigns.problem(id, "blocked", reason ?? "desired_state_invalid", e.detail ?? "blocked", e.planned);
    } else if (result === "noop" || result === "applied") {
      campaigns.ok(id, "in_sync", this.#o.desired.snapshot.campaigns.get(id));
    } else {
      campaigns.ok(id, "drifted");
    }
    return "done";
  }

  /**
   * A hand edit about to be undone (enforce mode): the campaign was in sync with the same desired
   * schedule, and CXone now holds something the desired state never asked for.
   */
  #logDrift(c: CampaignSchedule, planned: PlannedChange, at: DateTime): void {
    if (!planned.before) return;
    const synced = this.#o.campaigns.syncedAs.get(c.campaignId);
    if (planned.curfews && planned.curfews.diff.length > 0 && synced) {
      const why = attributeCurfews(c, synced);
      if (why.cause === "drift") {
        this.#o.log.warn(
          {
            campaignId: c.campaignId,
            campaign: c.name,
            file: c.file,
            part: "curfews",
            cause: why.cause,
            because: why.because,
            diff: planned.curfews.diff,
          },
          "drift detected: undoing a change made in CXone (enforce mode)",
        );
      }
    }
    if (planned.diff.length === 0) return;
    const attribution = attributeUpdate(c, planned.before, at, synced);
    if (attribution.cause !== "drift") return;
    this.#o.log.warn(
      {
        campaignId: c.campaignId,
        campaign: c.name,
        file: c.file,
        cause: attribution.cause,
        because: attribution.because,
        diff: planned.diff,
      },
      "drift detected: undoing a change made in CXone (enforce mode)",
    );
  }
}
