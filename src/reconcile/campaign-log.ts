/**
 * Where each campaign stands (the board behind /status and the `dialwindow_campaigns`
 * metrics), and the log lines that say so: a problem once when it starts or changes, a
 * failure once its retry is armed (so the line can say when), a recovery once. Also what the
 * daemon remembers of each campaign between attempts: drifted and not yet written, held by a
 * deny window, and how it looked when last seen in sync.
 */
import type { CampaignSchedule } from "../desired/model.js";
import type { PlannedChange } from "../plan/plan.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import { CampaignBoard, type CampaignProblem } from "./campaign-status.js";
import type { FailureReason } from "./failure-reason.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Snapshot } from "./snapshot.js";

export interface CampaignLogOptions {
  clock: Clock;
  log: Logger;
  metrics: DaemonMetrics;
  /** The campaigns in force now (for their names and files). */
  snapshot: () => Snapshot;
  /** --once: no retry comes after the pass, so none is announced. */
  once: () => boolean;
}

export class CampaignLog {
  readonly board = new CampaignBoard();
  /** Drifted campaigns not written yet (blocked, reported, held or failed). */
  readonly drifted = new Set<string>();
  /** Campaigns whose write a deny window is holding right now. */
  readonly held = new Set<string>();
  /** Each campaign as it was when last seen in sync: what tells a hand edit from a change in git. */
  readonly syncedAs = new Map<string, CampaignSchedule>();
  /** Failures whose log line waits for the retry time (logged once it is armed). */
  readonly #unlogged = new Set<string>();
  readonly #o: CampaignLogOptions;

  constructor(options: CampaignLogOptions) {
    this.#o = options;
  }

  /** The snapshot's invalid files counted, its blocked campaigns each logged once, when it is news. */
  reportBlocked(s: Snapshot): void {
    this.#o.metrics.setInvalidFiles(s.invalidFiles.length);
    this.board.keepOnly((id) => s.campaigns.has(id) || s.blocked.has(id));
    const now = this.#o.clock.now();
    for (const [id, why] of s.blocked) {
      const detail = s.blockedDetail.get(id);
      const { news } = this.board.problem(id, "blocked", "invalid_file", why, now);
      if (!news) continue;
      this.#o.log.error(
        {
          campaignId: id,
          campaign: detail?.name,
          file: detail?.file,
          line: detail?.finding?.line,
          reason: "invalid_file",
          error: why,
        },
        "campaign blocked: its file is invalid; no writes until fixed",
      );
    }
  }

  /** A blocked or failed attempt: counted, put on the board, logged when it is news. */
  problem(
    id: string,
    state: "blocked" | "failing",
    reason: FailureReason,
    message: string,
    planned: PlannedChange | undefined,
  ): void {
    if (state === "failing") this.#o.metrics.recordCampaignFailure(reason);
    const { news } = this.board.problem(id, state, reason, message, this.#o.clock.now());
    const log = this.#o.log;
    if (!news) {
      log.debug(
        { campaignId: id, reason },
        state === "failing" ? "campaign still failing" : "campaign still blocked",
      );
      return;
    }
    if (state === "failing") {
      // Logged once the work queue has armed the retry, so the line can say when.
      this.#unlogged.add(id);
      return;
    }
    const c = this.#o.snapshot().campaigns.get(id);
    log.warn(
      { campaignId: id, campaign: c?.name, file: c?.file, reason, error: message, diff: planned?.diff },
      "campaign blocked: the desired state is invalid; drift not corrected until it is fixed",
    );
  }

  /** The work queue armed a failing campaign's next attempt, due at `at` (epoch ms). */
  retryArmed(id: string, at: number | undefined): void {
    if (at !== undefined) this.board.retryAt(id, at);
    if (this.#unlogged.delete(id)) this.#logFailing(id);
  }

  /**
   * Reconciled fine; a problem this ends is logged as recovered. Not while the desired state as
   * it is now blocks the campaign: a reconcile or resync that began before its file broke cannot
   * clear that.
   */
  ok(id: string, state: "in_sync" | "drifted", c?: CampaignSchedule): void {
    if (this.#o.snapshot().blocked.has(id)) return;
    if (state === "in_sync" && c) this.syncedAs.set(id, c);
    const ended: CampaignProblem | undefined = this.board.ok(id, state);
    this.#unlogged.delete(id);
    if (!ended) return;
    const campaign = c ?? this.#o.snapshot().campaigns.get(id);
    this.#o.log.info(
      {
        campaignId: id,
        campaign: campaign?.name,
        file: campaign?.file,
        state,
        was: ended.reason,
        failures: ended.failures,
        since: new Date(ended.since).toISOString(),
      },
      "campaign recovered",
    );
  }

  /** At shutdown: failures whose retry the shutdown cancelled are still worth their one line. */
  logUnannounced(): void {
    for (const id of [...this.#unlogged]) this.#logFailing(id);
    this.#unlogged.clear();
  }

  #logFailing(id: string): void {
    const p = this.board.problemOf(id);
    if (!p) return;
    const c = this.#o.snapshot().campaigns.get(id);
    this.#o.log.warn(
      {
        campaignId: id,
        campaign: c?.name,
        file: c?.file,
        reason: p.reason,
        error: p.message,
        failures: p.failures,
        // --once stops after its pass: the retry the queue armed never comes.
        nextRetryAt:
          p.nextRetryAt === undefined || this.#o.once() ? null : new Date(p.nextRetryAt).toISOString(),
      },
      "campaign failing",
    );
  }
}
