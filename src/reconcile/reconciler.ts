/**
 * The reconciler daemon: keeps CXone equal to the desired state, level-triggered.
 *
 * Triggers put campaign ids on one de-duplicated work queue; the handler plans that one
 * campaign against live state and, in enforce mode and outside deny windows, applies it with
 * the same engine and write pipeline as `dialwindow apply`. Triggers:
 *   - a change in the desired state (file watcher with --dir; git fetch or POST /hooks/git
 *     with --repo): campaigns whose effective schedule changed;
 *   - the live resync every reconcile.resyncInterval (with jitter): one paged read of every
 *     managed campaign, catching changes made by hand in CXone;
 *   - effective-schedule transitions (holiday and override boundaries at local midnight);
 *   - a deny sync window ending, for writes it held;
 *   - retries with capped per-campaign backoff.
 * After writes, webhooks and the audit commit are flushed in batches.
 */
import { join } from "node:path";
import { DateTime } from "luxon";
import { applyPlan } from "../apply/apply.js";
import { actorName, type FinishSummary, WritePipeline } from "../apply/pipeline.js";
import type { ResolvedConfig } from "../desired/config.js";
import { effectiveSchedule, upcomingTransitions } from "../desired/effective.js";
import { desiredRevision } from "../desired/revision.js";
import { SchemaValidators } from "../desired/schema.js";
import { validateDesiredState } from "../desired/validate.js";
import { type Connection, connect } from "../live/connect.js";
import type { CxonePort, LiveCampaign } from "../live/port.js";
import { RateBudget } from "../live/rate-budget.js";
import { PLAN_FORMAT_VERSION, type PlannedChange, type PlanTarget, planCampaign } from "../plan/plan.js";
import type { ChangeRecord } from "../state/change-record.js";
import { mergeRetryRequests, takeRetryRequests } from "../state/retry-requests.js";
import { checkStateDir, resolveStateDir } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { type DirWatcher, watchDesiredDir } from "./dir-watcher.js";
import { GitSource } from "./git-source.js";
import { GIT_WEBHOOK_SECRET_ENV } from "./github-hook.js";
import { type DaemonHttpServer, type Readiness, startHttpServer } from "./http-server.js";
import { DaemonMetrics, type ReconcileResult } from "./metrics.js";
import { nextSnapshot, type Snapshot, selectCampaigns } from "./snapshot.js";
import { SyncWindows } from "./sync-windows.js";
import { type CancelTimer, systemTimers, type Timers } from "./timers.js";
import { WorkQueue } from "./work-queue.js";

export interface ReconcileEvent {
  campaignId: string;
  name: string;
  file: string;
  result: ReconcileResult;
  /** Why (blocked, held, failed) or what (the drift, in report mode). */
  detail?: string;
  change?: ChangeRecord;
  planned?: PlannedChange;
}

export interface ReconcilerEvents {
  onReconciled?(event: ReconcileEvent): void;
  onFlushed?(summary: FinishSummary): void;
  onLoaded?(snapshot: Snapshot, changed: readonly string[]): void;
}

export interface ReconcilerOptions {
  /** Watch this desired-state directory. */
  dir?: string;
  /** Or follow this remote (cloned under the state directory). */
  repo?: { url: string; branch?: string };
  stateDir?: string;
  /** Overrides reconcile.mode. */
  mode?: "enforce" | "report";
  /** Manage only campaigns with these labels (`--selector`). */
  selector?: ReadonlyMap<string, string>;
  /** HOST:PORT for /healthz, /readyz, /metrics and /hooks/git. */
  listen?: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Adjust the configuration after it is read (the demo points webhooks at its receiver). */
  transformConfig?: (config: ResolvedConfig) => ResolvedConfig;
  /** Where audit commits go: null local only, undefined the checkout's origin (or --repo). */
  auditRemote?: string | null;
  events?: ReconcilerEvents;
  now?: () => DateTime;
  timers?: Timers;
  random?: () => number;
}

/** How long a write pipeline flush waits for webhook receivers before leaving deliveries pending. */
const FLUSH_DELIVERY_MS = 10_000;
/** Writes are flushed (webhooks, one audit commit) this long after the last one of a burst. */
const FLUSH_DEBOUNCE_MS = 1_000;
/** Pending work (webhooks, audit, open intents, retry requests) is looked at this often. */
const FLUSH_RETRY_MS = 10_000;
/** Transitions further ahead than this are found by a later look. */
const TRANSITION_HORIZON_DAYS = 35;

export class Reconciler {
  readonly metrics = new DaemonMetrics();
  private snapshot!: Snapshot;
  private config!: ResolvedConfig;
  private desiredDir!: string;
  private pipeline!: WritePipeline;
  private connection!: Connection;
  /** What plans are made for, settled from the port once CXone answers (see planTarget()). */
  private settledTarget: PlanTarget | undefined;
  private queue!: WorkQueue;
  private syncWindows!: SyncWindows;
  private server: DaemonHttpServer | undefined;
  private watcher: DirWatcher | undefined;
  private git: GitSource | undefined;
  private readonly schemas = new SchemaValidators();
  private readonly timers: Timers;
  private readonly now: () => DateTime;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly liveCache = new Map<string, LiveCampaign>();
  private readonly drifted = new Set<string>();
  private readonly nextTransitions = new Map<string, number>();
  private readonly cancels = new Map<string, CancelTimer>();
  private initialSyncDone = false;
  /** Set while the desired state cannot be read at all (the previous state stays in force). */
  private readError: string | undefined;
  private lastResyncError: string | undefined;
  private readErrorBefore = false;
  private stopping = false;
  private flushing: Promise<void> | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private failures = 0;
  /** Campaigns whose write a deny window is holding right now. */
  private readonly held = new Set<string>();
  private stopped!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly done: Promise<void>;

  private constructor(private readonly options: ReconcilerOptions) {
    this.timers = options.timers ?? systemTimers();
    this.now = options.now ?? (() => DateTime.utc());
    this.random = options.random ?? Math.random;
    this.log = options.logger;
    this.done = new Promise((resolve) => {
      this.stopped = resolve;
    });
  }

  get mode(): "enforce" | "report" {
    return this.options.mode ?? this.config.reconcile.mode;
  }

  get address(): string | undefined {
    return this.server?.url;
  }

  static async start(options: ReconcilerOptions): Promise<Reconciler> {
    if ((options.dir === undefined) === (options.repo === undefined)) {
      throw new UsageError("reconcile needs either --dir or --repo (not both).");
    }
    const r = new Reconciler(options);
    await r.init();
    return r;
  }

  private async init(): Promise<void> {
    const o = this.options;
    const stateDir = resolveStateDir({
      flag: o.stateDir,
      env: o.env,
      desiredDir: o.dir ?? o.cwd,
      cwd: o.cwd,
    }).path;
    if (o.repo) {
      // The checkout goes in the state directory, before the pipeline opens (and checks) it.
      await checkStateDir(stateDir, { logger: this.log });
      this.git = await GitSource.open({
        url: o.repo.url,
        ...(o.repo.branch ? { branch: o.repo.branch } : {}),
        dir: join(stateDir, "checkout"),
        logger: this.log,
      });
      const first = await this.git.fetch();
      if (first.status === "error") throw first.error;
      this.desiredDir = this.git.dir;
    } else {
      this.desiredDir = o.dir as string;
    }

    const result = await validateDesiredState(this.desiredDir, {
      at: this.now(),
      env: o.env,
      schemas: this.schemas,
    });
    const configErrors = result.findings.filter(
      (f) => f.file === "dialwindow.yaml" && f.severity === "error",
    );
    if (configErrors.length > 0 || result.findings.some((f) => f.code === "DW006" || f.code === "DW007")) {
      const first = result.findings.find((f) => f.severity === "error");
      throw new UsageError(
        `cannot start: ${first ? `${first.file}:${first.line}:${first.col} ${first.message}` : "dialwindow.yaml is invalid"}`,
      );
    }
    this.snapshot = this.select(nextSnapshot(result, await this.revision(), undefined));
    this.config = o.transformConfig ? o.transformConfig(this.snapshot.config) : this.snapshot.config;
    this.syncWindows = new SyncWindows(this.config.reconcile.syncWindows);
    this.reportSnapshot(this.snapshot);

    this.pipeline = await WritePipeline.open({
      stateDir,
      desiredDir: this.desiredDir,
      config: this.config,
      env: o.env,
      logger: this.log,
      command: "reconcile",
      ...(o.auditRemote !== undefined
        ? { auditRemote: o.auditRemote }
        : o.repo
          ? { auditRemote: o.repo.url }
          : {}),
      onWebhookOutcome: (target, result) => this.metrics.recordWebhookDelivery(target, result),
    });
    try {
      this.connection = connect(this.config, o.env, {
        logger: this.log,
        budget: new RateBudget({ requestsPerMinute: this.config.cxone.requestsPerMinute }),
        onRequest: (e) => this.metrics.recordRequest(e),
      });
      this.queue = new WorkQueue({
        handler: (id) => this.reconcileCampaign(id),
        concurrency: this.config.cxone.concurrency,
        timers: this.timers,
        random: this.random,
        logger: this.log,
      });
      if (o.listen) {
        this.server = await startHttpServer({
          listen: o.listen,
          readiness: () => this.readiness(),
          metrics: { text: () => this.metricsText(), contentType: this.metrics.contentType },
          gitHook: this.git
            ? { secret: o.env[GIT_WEBHOOK_SECRET_ENV], onDelivery: () => void this.fetchNow("webhook") }
            : undefined,
          logger: this.log,
        });
        this.log.info({ url: this.server.url }, "listening for /healthz, /readyz, /metrics");
      }
      const recovery = await this.pipeline.recover(this.connection.port);
      if (recovery.confirmed + recovery.abandoned > 0) this.scheduleFlush(0);
      this.log.info(
        {
          mode: this.mode,
          dir: this.desiredDir,
          revision: this.snapshot.revision,
          campaigns: this.snapshot.campaigns.size,
        },
        "reconciler started",
      );
    } catch (err) {
      await this.closeResources();
      throw err;
    }
  }

  /** Starts the loops: watching, resync, transitions, flushes. Ready once all of them run. */
  async run(): Promise<void> {
    // Watch first: an edit made while the first resync runs must not be missed.
    if (this.git) {
      this.every("git", this.config.reconcile.gitIntervalMs, () => this.fetchNow("interval"));
    } else {
      this.watcher = await watchDesiredDir({
        dir: this.desiredDir,
        debounceMs: this.config.reconcile.debounceMs,
        ignore: [this.pipeline.stateDir.path],
        onChange: (change) => {
          this.log.info(
            { paths: change.paths.slice(0, 10), swapped: change.swapped },
            "desired state changed on disk",
          );
          void this.reload();
        },
        logger: this.log,
        timers: this.timers,
      });
    }
    this.every("flush-retry", FLUSH_RETRY_MS, () => {
      const p = this.pipeline;
      if (p.outboxDepth() > 0 || p.auditBacklog() > 0 || p.auditUnpushed() || p.openIntentCount() > 0) {
        return this.flush();
      }
      return this.takeRetryRequests().then(() =>
        this.pipeline.outboxDepth() > 0 ? this.flush() : undefined,
      );
    });
    this.scheduleTransitions();
    await this.firstSync();
  }

  /** The first resync; until it succeeds the daemon is not ready, and it is retried with backoff. */
  private async firstSync(attempt = 1): Promise<void> {
    if (await this.resync()) {
      this.initialSyncDone = true;
      this.scheduleResync();
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
    this.timer("resync", delay, () => this.firstSync(attempt + 1));
  }

  /** --once: one full pass, wait for the queue, flush, stop. Returns the number of failed campaigns. */
  async runOnce(): Promise<number> {
    const read = await this.resync();
    this.initialSyncDone = read;
    await this.queue.whenIdle();
    await this.flush();
    // A campaign held by a deny window or left failed is not reconciled: --once says so.
    const notDone = (read ? 0 : 1) + this.failures + this.held.size;
    if (this.held.size > 0)
      this.log.warn({ campaigns: [...this.held] }, "--once: writes held by a deny sync window were not made");
    await this.stop("--once finished");
    return notDone;
  }

  // --- triggers -------------------------------------------------------------------------

  private async revision(): Promise<string | null> {
    return this.git ? this.git.revision() : desiredRevision(this.desiredDir);
  }

  private async fetchNow(why: string): Promise<void> {
    if (!this.git || this.stopping) return;
    const result = await this.git.fetch({ auditPath: this.config.audit.path });
    if (result.status === "error") {
      this.log.warn({ err: result.error.message, why }, "git fetch failed; the last checkout stays in force");
    } else if (result.status === "changed") {
      this.log.info(
        { revision: result.revision, previous: result.previous, why },
        "new desired-state revision",
      );
      await this.reload();
    }
  }

  /** Re-reads the desired state; queues the campaigns whose effective schedule changed. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (this.stopping) return;
      try {
        await this.reloadNow();
      } catch (err) {
        // A directory that cannot be read (permissions, a symlink loop) must not stop the
        // daemon: the previous state stays in force and readiness says why.
        this.readError = err instanceof Error ? err.message : String(err);
        this.log.error(
          { err: this.readError },
          "reading the desired state failed; the previous state stays in force",
        );
      }
    });
    return this.reloading;
  }

  private async reloadNow(): Promise<void> {
    const at = this.now();
    const result = await validateDesiredState(this.desiredDir, {
      at,
      env: this.options.env,
      schemas: this.schemas,
    });
    this.readError = undefined;
    const previous = this.snapshot;
    const next = this.select(nextSnapshot(result, await this.revision(), previous));
    const changed: string[] = [];
    for (const [id, c] of next.campaigns) {
      const before = previous.campaigns.get(id);
      if (
        !before ||
        JSON.stringify(effectiveSchedule(before, at)) !== JSON.stringify(effectiveSchedule(c, at))
      )
        changed.push(id);
    }
    const wasFrozen = previous.held !== undefined || this.readErrorBefore;
    this.snapshot = next;
    if (!next.held) this.applySettings(next.config);
    this.reportSnapshot(next);
    for (const id of changed) this.queue.add(id);
    // Writes held back while the desired state was unreadable or invalid go out now.
    if (wasFrozen && !next.held) for (const id of this.drifted) this.queue.add(id);
    for (const id of next.blocked.keys()) if (!previous.blocked.has(id)) this.queue.add(id);
    this.scheduleTransitions();
    this.options.events?.onLoaded?.(next, changed);
  }

  /**
   * reconcile.* settings apply at once (mode, deny windows, intervals); cxone, webhooks, audit
   * and the debounce need a restart, and the log says so.
   */
  private applySettings(fresh: ResolvedConfig): void {
    const config = this.options.transformConfig ? this.options.transformConfig(fresh) : fresh;
    this.warnAboutRestartOnlySettings(config);
    const before = this.config.reconcile;
    this.config = {
      ...this.config,
      policy: config.policy,
      limits: config.limits,
      reconcile: { ...config.reconcile, debounceMs: before.debounceMs },
    };
    this.syncWindows = new SyncWindows(config.reconcile.syncWindows);
    if (config.reconcile.mode !== before.mode && this.options.mode === undefined) {
      this.log.warn({ from: before.mode, to: config.reconcile.mode }, "reconcile.mode changed");
    }
    if (config.reconcile.resyncIntervalMs !== before.resyncIntervalMs) this.scheduleResync();
    if (this.git && config.reconcile.gitIntervalMs !== before.gitIntervalMs) {
      this.every("git", config.reconcile.gitIntervalMs, () => this.fetchNow("interval"));
    }
  }

  private select(s: Snapshot): Snapshot {
    return this.options.selector ? selectCampaigns(s, this.options.selector) : s;
  }

  /** `fresh` is already transformed (transformConfig). */
  private warnAboutRestartOnlySettings(fresh: ResolvedConfig): void {
    const same = (k: "cxone" | "webhooks" | "audit") =>
      JSON.stringify(fresh[k]) === JSON.stringify(this.config[k]);
    const changed: string[] = (["cxone", "webhooks", "audit"] as const).filter((k) => !same(k));
    if (fresh.reconcile.debounceMs !== this.config.reconcile.debounceMs) changed.push("reconcile.debounce");
    if (changed.length > 0) {
      this.log.warn(
        { sections: changed },
        "dialwindow.yaml changed settings that take effect on restart; restart the reconciler to apply them",
      );
    }
  }

  private reportSnapshot(s: Snapshot): void {
    this.metrics.setInvalidFiles(s.invalidFiles.length);
    if (s.held) this.log.error({ reason: s.held }, "desired state invalid; previous state stays in force");
    for (const [id, why] of s.blocked)
      this.log.error(
        { campaignId: id, reason: why },
        "campaign blocked: its file is invalid; no writes until fixed",
      );
  }

  /**
   * One paged read of every managed campaign; drifted ones go on the queue with their live
   * state. False when CXone could not be read.
   */
  async resync(): Promise<boolean> {
    const ids = [...new Set([...this.snapshot.campaigns.keys(), ...this.snapshot.blocked.keys()])];
    if (ids.length === 0) return true;
    const started = Date.now();
    let read: Awaited<ReturnType<CxonePort["readCampaigns"]>>;
    let target: PlanTarget;
    try {
      target = await this.planTarget();
      read = await this.connection.port.readCampaigns(ids);
    } catch (err) {
      this.lastResyncError = (err as Error).message;
      this.log.error({ err: this.lastResyncError }, "live resync failed; retrying");
      return false;
    }
    this.lastResyncError = undefined;
    const at = this.now();
    let drifted = 0;
    for (const id of ids) {
      const c = this.snapshot.campaigns.get(id);
      const live = read.campaigns.get(id);
      if (read.problems.has(id)) {
        this.queue.add(id); // the handler reads it on its own and reports
        continue;
      }
      if (!c) {
        // Blocked: compare against nothing, only report.
        this.emit({
          campaignId: id,
          name: id,
          file: "",
          result: "blocked",
          detail: this.snapshot.blocked.get(id) ?? "",
        });
        continue;
      }
      const planned = planCampaign(c, live, undefined, at, target);
      if (planned.action === "noop") {
        this.drifted.delete(id);
        continue;
      }
      drifted++;
      if (live) this.liveCache.set(id, live);
      this.queue.add(id);
    }
    this.metrics.setDriftedCampaigns(drifted);
    this.metrics.markReconcileSuccess(new Date());
    this.log.info({ campaigns: ids.length, drifted, ms: Date.now() - started }, "live resync done");
    return true;
  }

  /**
   * The profile's capabilities and the tenant's schedule zone, asked of CXone once: a daemon
   * that starts while CXone is unreachable asks again on the next resync. A change of the
   * business unit's zone takes a restart (as every cxone setting does).
   */
  private async planTarget(): Promise<PlanTarget> {
    if (!this.settledTarget) {
      const port = this.connection.port;
      this.settledTarget = { capabilities: port.capabilities, ...(await port.target()) };
      // Transitions found before the zone was known missed the clock changes it brings.
      if (this.settledTarget.scheduleZone !== undefined) this.scheduleTransitions();
    }
    return this.settledTarget;
  }

  private scheduleResync(): void {
    const base = this.config.reconcile.resyncIntervalMs;
    // ±10 % jitter, so several replicas (or restarts) do not read CXone in lockstep.
    const delay = Math.max(1000, base * (0.9 + 0.2 * this.random()));
    this.timer("resync", delay, async () => {
      if (await this.resync()) this.initialSyncDone = true;
      this.scheduleResync();
    });
  }

  /** One timer for the earliest upcoming transition of any campaign. */
  private scheduleTransitions(): void {
    const at = this.now();
    this.nextTransitions.clear();
    let earliest: number | undefined;
    for (const [id, c] of this.snapshot.campaigns) {
      // With a schedule zone, clock changes that move a translated window are transitions too.
      const t = upcomingTransitions(c, at, TRANSITION_HORIZON_DAYS, this.settledTarget?.scheduleZone)[0];
      if (!t) continue;
      const ms = Date.parse(t.at);
      this.nextTransitions.set(id, ms);
      if (earliest === undefined || ms < earliest) earliest = ms;
    }
    this.metrics.setNextTransition(earliest === undefined ? null : new Date(earliest));
    // Look again at least daily: the horizon moves, and timers are not meant for weeks.
    const wait = Math.min(
      earliest === undefined ? Number.POSITIVE_INFINITY : earliest - at.toMillis(),
      24 * 3_600_000,
    );
    this.timer("transition", Math.max(0, wait) + 50, () => {
      const now = this.now().toMillis();
      for (const [id, ms] of this.nextTransitions) {
        if (ms <= now) {
          this.log.info({ campaignId: id, at: new Date(ms).toISOString() }, "effective schedule transition");
          this.queue.add(id);
        }
      }
      this.scheduleTransitions();
    });
  }

  // --- the work ---------------------------------------------------------------------------

  private emit(e: ReconcileEvent): void {
    this.options.events?.onReconciled?.(e);
  }

  private async reconcileCampaign(id: string): Promise<"done" | "retry"> {
    const started = Date.now();
    const finish = (
      result: ReconcileResult,
      e: Omit<ReconcileEvent, "result" | "campaignId">,
    ): "done" | "retry" => {
      this.metrics.recordReconcile(result, Date.now() - started);
      this.emit({ campaignId: id, result, ...e });
      if (result === "failed") {
        this.failures++;
        return "retry";
      }
      return "done";
    };
    const c = this.snapshot.campaigns.get(id);
    if (!c) {
      const why = this.snapshot.blocked.get(id);
      if (why) return finish("blocked", { name: id, file: "", detail: why });
      return "done"; // no longer managed
    }
    const base = { name: c.name, file: c.file };
    let live = this.liveCache.get(id);
    this.liveCache.delete(id);
    let target: PlanTarget;
    try {
      target = await this.planTarget();
    } catch (err) {
      return finish("failed", {
        ...base,
        detail: `reading the tenant's settings failed: ${(err as Error).message}`,
      });
    }
    if (!live) {
      try {
        live = await this.connection.port.readCampaign(id);
      } catch (err) {
        return finish("failed", {
          ...base,
          detail: `reading it from CXone failed: ${(err as Error).message}`,
        });
      }
    }
    const at = this.now();
    const planned = planCampaign(c, live, undefined, at, target);
    if (planned.action === "noop") {
      this.drifted.delete(id);
      this.held.delete(id);
      return finish("noop", base);
    }
    if (planned.action === "error")
      return finish("failed", { ...base, detail: planned.error ?? "error", planned });
    this.drifted.add(id);
    const frozen = this.readError ? `cannot read the desired state: ${this.readError}` : this.snapshot.held;
    if (frozen) {
      // A broken config, calendar or policy can change what any campaign should be: write nothing.
      return finish("blocked", { ...base, planned, detail: frozen });
    }
    if (this.mode === "report") {
      this.log.warn(
        { campaignId: id, campaign: c.name, file: c.file, diff: planned.diff },
        "drift detected (report mode: not written)",
      );
      return finish("drift_reported", { ...base, planned, detail: `${planned.diff.length} difference(s)` });
    }
    const window = this.syncWindows.check(at);
    if (window.denied) {
      const until = window.until?.toUTC() ?? at.plus({ minutes: 1 });
      const wait = Math.max(1000, until.toMillis() - at.toMillis() + 1000);
      this.queue.addAfter(id, wait);
      this.held.add(id);
      this.log.info(
        { campaignId: id, campaign: c.name, until: until.toISO() },
        "write held by a deny sync window",
      );
      return finish("held", {
        ...base,
        planned,
        detail: `held by a deny sync window until ${until.toISO()}`,
      });
    }
    const result = await applyPlan(
      {
        formatVersion: PLAN_FORMAT_VERSION,
        profile: target.capabilities.profile,
        ...(target.scheduleZone === undefined ? {} : { scheduleZone: target.scheduleZone }),
        at: at.toUTC().toISO() as string,
        revision: this.snapshot.revision,
        summary: { update: 1, noop: 0, error: 0 },
        changes: [planned],
        transitions: [],
      },
      this.connection.port,
      {
        mode: "fresh",
        actor: actorName("reconcile"),
        revision: this.snapshot.revision,
        logger: this.log,
        recorder: this.pipeline.recorder,
        concurrency: 1,
      },
    );
    const outcome = result.outcomes[0];
    this.held.delete(id);
    if (outcome?.result === "converged") {
      this.drifted.delete(id);
      return finish("noop", { ...base, planned, detail: "CXone already held the desired schedule" });
    }
    if (outcome?.result === "updated") {
      this.drifted.delete(id);
      this.metrics.setDriftedCampaigns(this.drifted.size);
      this.metrics.markReconcileSuccess(new Date());
      if (outcome.change) this.scheduleFlush(FLUSH_DEBOUNCE_MS);
      return finish("applied", { ...base, planned, ...(outcome.change ? { change: outcome.change } : {}) });
    }
    return finish("failed", { ...base, planned, detail: outcome?.error ?? "apply failed" });
  }

  // --- after writes -----------------------------------------------------------------------

  private scheduleFlush(delayMs: number): void {
    this.timer("flush", delayMs, () => void this.flush());
  }

  /** Delivers pending webhooks and commits unaudited changes; one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      try {
        if (this.pipeline.openIntentCount() > 0) await this.pipeline.recover(this.connection.port);
        await this.takeRetryRequests();
        const summary = await this.pipeline.finish({
          deliveryDeadlineMs: this.stopping ? 5_000 : FLUSH_DELIVERY_MS,
          revision: this.snapshot.revision,
          actor: actorName("reconcile"),
        });
        if (summary.audit.commit) this.metrics.recordAuditCommit();
        this.metrics.setOutboxDepth(this.pipeline.outboxDepth());
        // Deliveries waiting out a backoff: come back exactly when the next one is due.
        const due = this.pipeline.outbox.nextDueAt();
        if (due !== undefined && !this.stopping) this.scheduleFlush(Math.max(1000, due - Date.now()));
        this.options.events?.onFlushed?.(summary);
      } catch (err) {
        this.log.error(
          { err: (err as Error).message },
          "flushing webhooks and audit records failed; retried later",
        );
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** `dialwindow webhooks retry` run while this daemon holds the lock leaves a request file. */
  private async takeRetryRequests(): Promise<void> {
    const wanted = mergeRetryRequests(
      await takeRetryRequests(this.pipeline.stateDir.path, { logger: this.log }),
    );
    if (wanted === undefined) return;
    const known =
      wanted === "all"
        ? undefined
        : wanted.filter((id) => this.pipeline.journal.view.change(id) !== undefined);
    const result = await this.pipeline.outbox.retry(known, { deadlineMs: FLUSH_DELIVERY_MS });
    this.log.info(
      {
        requested: wanted,
        requeued: result.requeued,
        superseded: result.superseded,
        delivered: result.delivered,
      },
      "webhooks retried on request",
    );
  }

  // --- timers, health, shutdown ---------------------------------------------------------------

  private timer(name: string, delayMs: number, fn: () => unknown): void {
    this.cancels.get(name)?.();
    if (this.stopping) return;
    this.cancels.set(
      name,
      this.timers.setTimer(delayMs, () => {
        this.cancels.delete(name);
        if (!this.stopping)
          void Promise.resolve(fn()).catch((err: unknown) =>
            this.log.error({ err: String(err), timer: name }, "timer task failed"),
          );
      }),
    );
  }

  /** Runs `fn` every `intervalMs`, re-arming only after it settles: a slow run never piles up. */
  private every(name: string, intervalMs: number, fn: () => unknown): void {
    this.timer(name, intervalMs, async () => {
      try {
        await fn();
      } finally {
        this.every(name, intervalMs, fn);
      }
    });
  }

  private async metricsText(): Promise<string> {
    this.metrics.setQueueDepth(this.queue.depth());
    this.metrics.setOutboxDepth(this.pipeline.outboxDepth());
    return this.metrics.metricsText();
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (this.stopping) reasons.push("shutting down");
    if (!this.initialSyncDone) {
      reasons.push(
        this.lastResyncError
          ? `cannot read CXone: ${this.lastResyncError}`
          : "initial sync with CXone not done yet",
      );
    }
    if (this.readError) reasons.push(`cannot read the desired state: ${this.readError}`);
    if (this.snapshot.held) reasons.push(this.snapshot.held);
    for (const f of this.snapshot.invalidFiles) reasons.push(f.reasons[0] ?? `${f.file} is invalid`);
    return {
      ready: reasons.length === 0,
      reasons,
      details: {
        mode: this.mode,
        revision: this.snapshot.revision,
        campaigns: this.snapshot.campaigns.size,
        blocked: Object.fromEntries(this.snapshot.blocked),
        drifted: this.drifted.size,
      },
    };
  }

  /** Stop taking work, finish in-flight writes, flush webhooks/audit briefly, close the journal. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    this.log.info({ reason }, "stopping");
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    await this.watcher?.close();
    const drained = await this.queue.shutdown({ drainMs: 20_000 });
    if (drained.unfinished.length > 0)
      this.log.warn(
        { unfinished: drained.unfinished },
        "writes still running at shutdown; the journal settles them on the next start",
      );
    await this.reloading.catch(() => undefined);
    await this.flush();
    await this.closeResources();
    this.log.info("stopped");
    this.stopped();
    return this.done;
  }

  private async closeResources(): Promise<void> {
    await this.server?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    await this.pipeline?.close();
  }
}
