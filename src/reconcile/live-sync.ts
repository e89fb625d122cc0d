/**
 * Reading CXone on the daemon's own schedule: the live resync every reconcile.resyncInterval
 * (with jitter; the first one retried with backoff until it succeeds, and the daemon not ready
 * until then), one paged read of every managed campaign that puts the drifted ones on the work
 * queue; and the wake-ups at effective-schedule transitions (holiday and override boundaries,
 * and clock changes that move a translated window), which queue the campaigns they change.
 * Also what plans are made for, asked of CXone once.
 */
import { upcomingTransitions } from "../desired/effective.js";
import type { CxonePort, LiveCampaign } from "../live/port.js";
import { type PlanTarget, planCampaign } from "../plan/plan.js";
import { type Clock, dateNow, utcNow } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import type { CampaignLog } from "./campaign-log.js";
import { reasonOf } from "./failure-reason.js";
import type { DaemonHealth } from "./health.js";
import type { KeyedTimers } from "./keyed-timers.js";
import type { DaemonMetrics } from "./metrics.js";
import type { Snapshot } from "./snapshot.js";

/** Transitions further ahead than this are found by a later look. */
const TRANSITION_HORIZON_DAYS = 35;

export interface LiveSyncOptions {
  port: CxonePort;
  snapshot: () => Snapshot;
  resyncIntervalMs: () => number;
  /** Puts a campaign on the work queue. */
  enqueue: (id: string) => void;
  campaigns: CampaignLog;
  health: DaemonHealth;
  metrics: DaemonMetrics;
  clock: Clock;
  timers: KeyedTimers;
  random: () => number;
  log: Logger;
  /** A blocked campaign seen by a resync (reported, never compared). */
  onBlocked: (id: string, why: string) => void;
  /** A campaign a resync found in sync. */
  onInSync: (id: string, name: string, file: string) => void;
}

export class LiveSync {
  readonly #o: LiveSyncOptions;
  /** Live state read by the last resync, for the handler's first look at a drifted campaign. */
  readonly #live = new Map<string, LiveCampaign>();
  readonly #nextTransitions = new Map<string, number>();
  /** What plans are made for, settled from the port once CXone answers (see target()). */
  #target: PlanTarget | undefined;
  #curfewsOf: { snapshot: Snapshot; any: boolean } | undefined;

  constructor(options: LiveSyncOptions) {
    this.#o = options;
  }

  /** The live state the last resync read for `id`, once. */
  takeLive(id: string): LiveCampaign | undefined {
    const live = this.#live.get(id);
    this.#live.delete(id);
    return live;
  }

  /**
   * The profile's capabilities and the tenant's schedule zone, asked of CXone once: a daemon
   * that starts while CXone is unreachable asks again on the next resync. A change of the
   * business unit's zone takes a restart (as every cxone setting does).
   */
  async target(): Promise<PlanTarget> {
    // Campaigns that manage their curfews need the business unit's zones: asked once, when the
    // first one appears (at start, or when a reload brings one).
    const port = this.#o.port;
    const curfews = port.capabilities.curfews && this.#managesCurfews();
    if (!this.#target || (curfews && !this.#target.curfewZones)) {
      this.#target = {
        capabilities: port.capabilities,
        ...(await port.target(curfews ? { curfews: true } : {})),
      };
      // Transitions found before the zone was known missed the clock changes it brings.
      if (this.#target.scheduleZone !== undefined) this.scheduleTransitions();
    }
    return this.#target;
  }

  /** Whether any campaign manages its curfews; asked per campaign reconciled, so worked out once per snapshot. */
  #managesCurfews(): boolean {
    const snapshot = this.#o.snapshot();
    if (this.#curfewsOf?.snapshot !== snapshot) {
      const any = [...snapshot.campaigns.values()].some((c) => c.curfews !== undefined);
      this.#curfewsOf = { snapshot, any };
    }
    return this.#curfewsOf.any;
  }

  /** The first resync; until it succeeds the daemon is not ready, and it is retried with backoff. */
  async firstSync(attempt = 1): Promise<void> {
    if (await this.resync()) {
      this.#o.health.initialSyncDone = true;
      this.scheduleResync();
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
    this.#o.timers.set("resync", delay, () => this.firstSync(attempt + 1));
  }

  scheduleResync(): void {
    const base = this.#o.resyncIntervalMs();
    // ±10 % jitter, so several replicas (or restarts) do not read CXone in lockstep.
    const delay = Math.max(1000, base * (0.9 + 0.2 * this.#o.random()));
    this.#o.timers.set("resync", delay, async () => {
      if (await this.resync()) this.#o.health.initialSyncDone = true;
      this.scheduleResync();
    });
  }

  /**
   * One paged read of every managed campaign; drifted ones go on the queue with their live
   * state. False when CXone could not be read.
   */
  async resync(): Promise<boolean> {
    const { health, campaigns, metrics, enqueue, log } = this.#o;
    const snapshot = this.#o.snapshot();
    const ids = [...new Set([...snapshot.campaigns.keys(), ...snapshot.blocked.keys()])];
    if (ids.length === 0) return true;
    const started = this.#o.clock.now();
    let read: Awaited<ReturnType<CxonePort["readCampaigns"]>>;
    let target: PlanTarget;
    try {
      target = await this.target();
      read = await this.#o.port.readCampaigns(ids, {
        curfews: [...snapshot.campaigns.values()].filter((c) => c.curfews).map((c) => c.campaignId),
      });
    } catch (err) {
      health.lastResyncError = (err as Error).message;
      const reason = reasonOf(err);
      if (reason === "unauthorized") health.credentialError = health.lastResyncError;
      log.error({ err: health.lastResyncError, reason }, "live resync failed; retrying");
      return false;
    }
    health.lastResyncError = undefined;
    health.credentialError = undefined;
    const at = utcNow(this.#o.clock);
    // The desired state may have been reloaded while CXone was being read: what was read is
    // judged by the desired state as it is now. A file that broke meanwhile stays blocked; a
    // campaign read for another entry (blocked then, or its curfews' boundings read or not
    // read then) is left to the handler, which reads it again on its own.
    const current = this.#o.snapshot();
    let drifted = 0;
    for (const id of ids) {
      const why = current.blocked.get(id);
      if (why !== undefined) {
        this.#o.onBlocked(id, why);
        continue;
      }
      const c = current.campaigns.get(id);
      if (!c) continue; // no longer managed: the reload that dropped it has dealt with it
      const readAs = snapshot.campaigns.get(id);
      if (read.problems.has(id) || !readAs || (readAs.curfews === undefined) !== (c.curfews === undefined)) {
        enqueue(id); // the handler reads it on its own and reports
        continue;
      }
      const live = read.campaigns.get(id);
      const planned = planCampaign(c, live, undefined, at, target);
      if (planned.action === "noop") {
        campaigns.drifted.delete(id);
        campaigns.ok(id, "in_sync", c);
        this.#o.onInSync(id, c.name, c.file);
        continue;
      }
      campaigns.board.drifted(id);
      drifted++;
      if (live) this.#live.set(id, live);
      enqueue(id);
    }
    metrics.setDriftedCampaigns(drifted);
    metrics.markReconcileSuccess(dateNow(this.#o.clock));
    log.info({ campaigns: ids.length, drifted, ms: this.#o.clock.now() - started }, "live resync done");
    return true;
  }

  /** One timer for the earliest upcoming transition of any campaign. */
  scheduleTransitions(): void {
    const at = utcNow(this.#o.clock);
    this.#nextTransitions.clear();
    let earliest: number | undefined;
    for (const [id, c] of this.#o.snapshot().campaigns) {
      // With a schedule zone, clock changes that move a translated window are transitions too.
      const t = upcomingTransitions(c, at, TRANSITION_HORIZON_DAYS, this.#target?.scheduleZone)[0];
      if (!t) continue;
      const ms = Date.parse(t.at);
      this.#nextTransitions.set(id, ms);
      if (earliest === undefined || ms < earliest) earliest = ms;
    }
    this.#o.metrics.setNextTransition(earliest === undefined ? null : new Date(earliest));
    // Look again at least daily: the horizon moves, and timers are not meant for weeks.
    const wait = Math.min(
      earliest === undefined ? Number.POSITIVE_INFINITY : earliest - at.toMillis(),
      24 * 3_600_000,
    );
    this.#o.timers.set("transition", Math.max(0, wait) + 50, () => {
      const now = this.#o.clock.now();
      for (const [id, ms] of this.#nextTransitions) {
        if (ms <= now) {
          this.#o.log.info(
            { campaignId: id, at: new Date(ms).toISOString() },
            "effective schedule transition",
          );
          this.#o.enqueue(id);
        }
      }
      this.scheduleTransitions();
    });
  }
}
