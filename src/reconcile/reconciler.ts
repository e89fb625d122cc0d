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
import { applyPlan, type CampaignOutcome } from "../apply/apply.js";
import { actorName, type FinishSummary, type RecoverySummary, WritePipeline } from "../apply/pipeline.js";
import type { ResolvedConfig } from "../desired/config.js";
import { effectiveSchedule, upcomingTransitions } from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import { desiredRevision } from "../desired/revision.js";
import { SchemaValidators } from "../desired/schema.js";
import { Locator } from "../desired/source.js";
import { validateDesiredState } from "../desired/validate.js";
import { type Connection, connect } from "../live/connect.js";
import { AuthenticationError } from "../live/errors.js";
import type { CxonePort, LiveCampaign } from "../live/port.js";
import { RateBudget } from "../live/rate-budget.js";
import { attributeCurfews, attributeUpdate } from "../plan/cause.js";
import { PLAN_FORMAT_VERSION, type PlannedChange, type PlanTarget, planCampaign } from "../plan/plan.js";
import type { ChangeRecord } from "../state/change-record.js";
import { mergeRetryRequests, takeRetryRequests } from "../state/retry-requests.js";
import { checkStateDir, resolveStateDir } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { CampaignBoard, type CampaignProblem, type CampaignState } from "./campaign-status.js";
import { type DirWatcher, watchDesiredDir } from "./dir-watcher.js";
import { AttemptWitness, type FailureReason, reasonOf } from "./failure-reason.js";
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
  /** Applied: the first change made (the schedule's, else the boundings'). */
  change?: ChangeRecord;
  /** Applied: every change made, one per part written. */
  changes?: ChangeRecord[];
  planned?: PlannedChange;
  /** Applied: how long the write took. */
  latencyMs?: number;
}

/** One blocked or failing campaign, as /status lists it. */
export interface CampaignStatusEntry {
  campaignId: string;
  name: string;
  file: string;
  /** The line of the finding that blocks it, or of its metadata.campaignId. */
  line?: number;
  state: "blocked" | "failing";
  reason: FailureReason;
  message: string;
  failures: number;
  since: string;
  nextRetryAt: string | null;
}

/** The `/status` document. */
export interface DaemonStatus {
  ready: boolean;
  mode: "enforce" | "report";
  revision: string | null;
  counts: Record<CampaignState, number>;
  /** Set while writes to every campaign are held: the desired state is invalid or unreadable. */
  held: { reason: FailureReason; message: string; file?: string; line?: number } | null;
  invalidFiles: { file: string; findings: { line: number; col: number; code: string; message: string }[] }[];
  /** Every blocked or failing campaign: blocked first, then by file. */
  problems: CampaignStatusEntry[];
}

/** What `reconcile --once` did, for the summary it prints (the same as apply's). */
export interface OnceReport {
  /** The instant the pass planned at (ISO). */
  at: string;
  revision: string | null;
  /** The CXone API it talked to, without credentials. */
  target: string;
  auditBranch: string;
  stateDir: string;
  /** Set when CXone could not be read at all. */
  readError: string | undefined;
  /** One per managed campaign, by name. */
  outcomes: CampaignOutcome[];
  /** Why each campaign was not reconciled: a failure reason, or "held" by a deny window. */
  notReconciled: Map<string, FailureReason | "held">;
  /** Report mode: campaigns found drifted and not written (not a failure). */
  driftReported: number;
  recovery: RecoverySummary;
  /** Webhooks and the audit commit, over every flush of the pass. */
  finish: FinishSummary;
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
  /** Campaigns whose write a deny window is holding right now. */
  private readonly held = new Set<string>();
  /** Where each campaign stands, for /status, the metrics and the log. */
  private readonly board = new CampaignBoard();
  /** Failures whose log line waits for the retry time (logged once it is armed). */
  private readonly unlogged = new Set<string>();
  /** Each campaign as it was when last seen in sync: what tells a hand edit from a change in git. */
  private readonly syncedAs = new Map<string, CampaignSchedule>();
  /** Set while CXone refuses the credentials (the last read or write said so). */
  private credentialError: string | undefined;
  /** Set while the journal in the state directory cannot be written. */
  private stateDirError: string | undefined;
  /** What was last logged about the desired state as a whole, so a reload does not repeat it. */
  private loggedHeld: string | undefined;
  private loggedReadError: string | undefined;
  /** What interrupted runs left, settled at start. */
  private recovery: RecoverySummary = { confirmed: 0, abandoned: 0, unsettled: 0 };
  /** --once: every campaign's outcome, and the flushes' summaries, for the printed summary. */
  private once: { outcomes: Map<string, CampaignOutcome>; finish: FinishSummary | undefined } | undefined;
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
        onRetry: (id) => this.retryArmed(id),
      });
      if (o.listen) {
        this.server = await startHttpServer({
          listen: o.listen,
          readiness: () => this.readiness(),
          status: () => this.status(),
          metrics: { text: () => this.metricsText(), contentType: this.metrics.contentType },
          gitHook: this.git
            ? { secret: o.env[GIT_WEBHOOK_SECRET_ENV], onDelivery: () => void this.fetchNow("webhook") }
            : undefined,
          logger: this.log,
        });
        this.log.info({ url: this.server.url }, "listening for /healthz, /readyz, /metrics");
      }
      const recovery = await this.pipeline.recover(this.connection.port);
      this.recovery = recovery;
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

  /** --once: one full pass, wait for the queue, flush, stop. What it did, for the summary. */
  async runOnce(): Promise<OnceReport> {
    this.once = { outcomes: new Map(), finish: undefined };
    const at = this.now();
    const read = await this.resync();
    this.initialSyncDone = read;
    await this.queue.whenIdle();
    await this.flushing;
    await this.flush();
    if (this.held.size > 0)
      this.log.warn({ campaigns: [...this.held] }, "--once: writes held by a deny sync window were not made");
    const outcomes = [...this.once.outcomes.values()].sort((x, y) =>
      x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
    );
    const notReconciled = new Map<string, FailureReason | "held">();
    for (const o of outcomes) {
      const problem = this.board.problemOf(o.campaignId);
      if (problem) notReconciled.set(o.campaignId, problem.reason);
      else if (this.held.has(o.campaignId)) notReconciled.set(o.campaignId, "held");
    }
    const report: OnceReport = {
      at: at.toUTC().toISO() as string,
      revision: this.snapshot.revision,
      target: this.connection.endpoint,
      auditBranch: this.config.audit.branch,
      stateDir: this.pipeline.stateDir.path,
      readError: read ? undefined : (this.lastResyncError ?? "CXone could not be read"),
      outcomes,
      notReconciled,
      driftReported: outcomes.filter((o) => o.result === "skipped" && !notReconciled.has(o.campaignId))
        .length,
      recovery: this.recovery,
      finish: this.once.finish ?? {
        webhooks: { delivered: 0, pending: 0, dead: 0 },
        audit: { appended: 0, commit: null, pushed: false, pending: 0 },
      },
    };
    await this.stop("--once finished");
    return report;
  }

  /** --once: what happened to one campaign, as apply reports it. */
  private recordOnce(
    id: string,
    result: ReconcileResult,
    e: Omit<ReconcileEvent, "result" | "campaignId">,
  ): void {
    if (!this.once) return;
    const name = this.snapshot.campaigns.get(id)?.name ?? this.snapshot.blockedDetail.get(id)?.name ?? e.name;
    const file = e.file || (this.snapshot.blockedDetail.get(id)?.file ?? "");
    const base = { campaignId: id, name, file, latencyMs: 0 };
    const outcome: CampaignOutcome =
      result === "applied"
        ? {
            ...base,
            result: "updated",
            ...(e.change ? { change: e.change } : {}),
            ...(e.changes ? { changes: e.changes } : {}),
          }
        : result === "noop"
          ? { ...base, result: e.detail ? "converged" : "unchanged" }
          : result === "failed"
            ? { ...base, result: "failed", error: e.detail ?? "failed" }
            : result === "blocked"
              ? { ...base, result: "failed", error: `not written: ${e.detail ?? "blocked"}` }
              : result === "held"
                ? { ...base, result: "skipped", error: e.detail ?? "held" }
                : { ...base, result: "skipped", error: `drift not written (report mode): ${e.detail ?? ""}` };
    if (outcome.change) outcome.latencyMs = e.latencyMs ?? 0;
    this.once.outcomes.set(id, outcome);
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
        // daemon: the previous state stays in force and /status says why.
        this.readError = err instanceof Error ? err.message : String(err);
        if (this.readError !== this.loggedReadError)
          this.log.error(
            { err: this.readError, reason: "desired_state_invalid" },
            "reading the desired state failed; the previous state stays in force",
          );
        this.loggedReadError = this.readError;
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
    if (this.loggedReadError !== undefined) {
      this.log.info("the desired state can be read again");
      this.loggedReadError = undefined;
    }
    const previous = this.snapshot;
    const next = this.select(nextSnapshot(result, await this.revision(), previous));
    const changed: string[] = [];
    for (const [id, c] of next.campaigns) {
      const before = previous.campaigns.get(id);
      if (
        !before ||
        JSON.stringify(effectiveSchedule(before, at)) !== JSON.stringify(effectiveSchedule(c, at)) ||
        JSON.stringify(before.curfews?.boundings) !== JSON.stringify(c.curfews?.boundings)
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

  /** Logs what the snapshot blocks, each problem once (a reload repeats nothing already said). */
  private reportSnapshot(s: Snapshot): void {
    this.metrics.setInvalidFiles(s.invalidFiles.length);
    if (s.held !== this.loggedHeld) {
      if (s.held)
        this.log.error(
          { reason: "desired_state_invalid", error: s.held, file: s.heldAt?.file, line: s.heldAt?.line },
          "desired state invalid; previous state stays in force",
        );
      else if (this.loggedHeld) this.log.info("desired state valid again; held-back writes go out");
      this.loggedHeld = s.held;
    }
    this.board.keepOnly((id) => s.campaigns.has(id) || s.blocked.has(id));
    const now = this.timers.now();
    for (const [id, why] of s.blocked) {
      const detail = s.blockedDetail.get(id);
      const { news } = this.board.problem(id, "blocked", "invalid_file", why, now);
      if (!news) continue;
      this.log.error(
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
      read = await this.connection.port.readCampaigns(ids, {
        curfews: [...this.snapshot.campaigns.values()].filter((c) => c.curfews).map((c) => c.campaignId),
      });
    } catch (err) {
      this.lastResyncError = (err as Error).message;
      const reason = reasonOf(err);
      if (reason === "unauthorized") this.credentialError = this.lastResyncError;
      this.log.error({ err: this.lastResyncError, reason }, "live resync failed; retrying");
      return false;
    }
    this.lastResyncError = undefined;
    this.credentialError = undefined;
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
        this.markOk(id, "in_sync", c);
        this.recordOnce(id, "noop", { name: c.name, file: c.file });
        continue;
      }
      this.board.drifted(id);
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
    // Campaigns that manage their curfews need the business unit's zones: asked once, when the
    // first one appears (at start, or when a reload brings one).
    const curfews =
      this.connection.port.capabilities.curfews &&
      [...this.snapshot.campaigns.values()].some((c) => c.curfews !== undefined);
    if (!this.settledTarget || (curfews && !this.settledTarget.curfewZones)) {
      const port = this.connection.port;
      this.settledTarget = {
        capabilities: port.capabilities,
        ...(await port.target(curfews ? { curfews: true } : {})),
      };
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
    const { campaignId, result, ...rest } = e;
    this.recordOnce(campaignId, result, rest);
    this.options.events?.onReconciled?.(e);
  }

  private async reconcileCampaign(id: string): Promise<"done" | "retry"> {
    const started = Date.now();
    const finish = (
      result: ReconcileResult,
      e: Omit<ReconcileEvent, "result" | "campaignId">,
      reason?: FailureReason,
    ): "done" | "retry" => {
      this.metrics.recordReconcile(result, Date.now() - started);
      this.emit({ campaignId: id, result, ...e });
      if (result === "failed") {
        this.recordProblem(id, "failing", reason ?? "other", e.detail ?? "failed", e.planned);
        return "retry";
      }
      if (result === "blocked") {
        this.recordProblem(
          id,
          "blocked",
          reason ?? "desired_state_invalid",
          e.detail ?? "blocked",
          e.planned,
        );
      } else if (result === "noop" || result === "applied") {
        this.markOk(id, "in_sync", this.snapshot.campaigns.get(id));
      } else {
        this.markOk(id, "drifted");
      }
      return "done";
    };
    const c = this.snapshot.campaigns.get(id);
    if (!c) {
      const why = this.snapshot.blocked.get(id);
      if (why) return finish("blocked", { name: id, file: "", detail: why }, "invalid_file");
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
        live = await this.connection.port.readCampaign(id, { curfews: c.curfews !== undefined });
        this.credentialError = undefined;
      } catch (err) {
        const detail = `reading it from CXone failed: ${(err as Error).message}`;
        // Refused credentials stop every campaign; a 403 on one campaign is that campaign's.
        if (err instanceof AuthenticationError) this.credentialError = detail;
        return finish("failed", { ...base, detail }, reasonOf(err));
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
      return finish(
        "failed",
        { ...base, detail: planned.error ?? "error", planned },
        live ? "invalid_response" : "not_found",
      );
    this.drifted.add(id);
    const frozen = this.readError ? `cannot read the desired state: ${this.readError}` : this.snapshot.held;
    if (frozen) {
      // A broken config, calendar or policy can change what any campaign should be: write nothing.
      return finish("blocked", { ...base, planned, detail: frozen }, "desired_state_invalid");
    }
    if (this.mode === "report") {
      const curfews = planned.curfews?.diff ?? [];
      this.log.warn(
        {
          campaignId: id,
          campaign: c.name,
          file: c.file,
          diff: planned.diff,
          ...(curfews.length > 0 ? { curfewsDiff: curfews } : {}),
        },
        "drift detected (report mode: not written)",
      );
      const parts = [
        ...(planned.diff.length > 0 ? [`${planned.diff.length} difference(s) in the schedule`] : []),
        ...(curfews.length > 0 ? [`${curfews.length} difference(s) in the curfews`] : []),
      ];
      return finish("drift_reported", { ...base, planned, detail: parts.join(", ") });
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
    this.logDrift(c, planned, at);
    const witness = new AttemptWitness();
    let result: Awaited<ReturnType<typeof applyPlan>>;
    try {
      result = await applyPlan(
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
        witness.watch(this.connection.port, "cxone"),
        {
          mode: "fresh",
          actor: actorName("reconcile"),
          revision: this.snapshot.revision,
          logger: this.log,
          recorder: witness.watch(this.pipeline.recorder, "journal"),
          concurrency: 1,
        },
      );
    } catch (err) {
      this.noteWitness(witness);
      return finish("failed", { ...base, planned, detail: (err as Error).message }, witness.reason(err));
    }
    this.noteWitness(witness);
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

  /** What one write attempt showed about the daemon's own health: credentials, the journal. */
  private noteWitness(witness: AttemptWitness): void {
    if (witness.journalError !== undefined) {
      this.stateDirError =
        witness.journalError instanceof Error ? witness.journalError.message : String(witness.journalError);
    } else if (witness.journalCalls > 0) {
      this.stateDirError = undefined;
    }
    if (witness.cxoneError instanceof AuthenticationError) this.credentialError = witness.cxoneError.message;
  }

  /**
   * A hand edit about to be undone (enforce mode): the campaign was in sync with the same desired
   * schedule, and CXone now holds something the desired state never asked for.
   */
  private logDrift(c: CampaignSchedule, planned: PlannedChange, at: DateTime): void {
    if (!planned.before) return;
    const synced = this.syncedAs.get(c.campaignId);
    if (planned.curfews && planned.curfews.diff.length > 0 && synced) {
      const why = attributeCurfews(c, synced);
      if (why.cause === "drift") {
        this.log.warn(
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
    this.log.warn(
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

  /** A blocked or failed attempt: counted, put on the board, logged when it is news. */
  private recordProblem(
    id: string,
    state: "blocked" | "failing",
    reason: FailureReason,
    message: string,
    planned: PlannedChange | undefined,
  ): void {
    if (state === "failing") this.metrics.recordCampaignFailure(reason);
    const { news } = this.board.problem(id, state, reason, message, this.timers.now());
    if (!news) {
      this.log.debug(
        { campaignId: id, reason },
        state === "failing" ? "campaign still failing" : "campaign still blocked",
      );
      return;
    }
    if (state === "failing") {
      // Logged once the work queue has armed the retry, so the line can say when.
      this.unlogged.add(id);
      return;
    }
    const c = this.snapshot.campaigns.get(id);
    this.log.warn(
      { campaignId: id, campaign: c?.name, file: c?.file, reason, error: message, diff: planned?.diff },
      "campaign blocked: the desired state is invalid; drift not corrected until it is fixed",
    );
  }

  /** The work queue armed a failing campaign's next attempt. */
  private retryArmed(id: string): void {
    const at = this.queue.dueAt(id);
    if (at !== undefined) this.board.retryAt(id, at);
    if (this.unlogged.delete(id)) this.logFailing(id);
  }

  private logFailing(id: string): void {
    const p = this.board.problemOf(id);
    if (!p) return;
    const c = this.snapshot.campaigns.get(id);
    this.log.warn(
      {
        campaignId: id,
        campaign: c?.name,
        file: c?.file,
        reason: p.reason,
        error: p.message,
        failures: p.failures,
        // --once stops after its pass: the retry the queue armed never comes.
        nextRetryAt: p.nextRetryAt === undefined || this.once ? null : new Date(p.nextRetryAt).toISOString(),
      },
      "campaign failing",
    );
  }

  /** Reconciled fine; a problem this ends is logged as recovered. */
  private markOk(id: string, state: "in_sync" | "drifted", c?: CampaignSchedule): void {
    if (state === "in_sync" && c) this.syncedAs.set(id, c);
    const ended: CampaignProblem | undefined = this.board.ok(id, state);
    this.unlogged.delete(id);
    if (!ended) return;
    const campaign = c ?? this.snapshot.campaigns.get(id);
    this.log.info(
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
        if (this.once) this.once.finish = mergeFinish(this.once.finish, summary);
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
    this.metrics.setCampaignStates(this.board.counts());
    this.metrics.setCampaignProblems(this.board.reasons());
    this.metrics.setOutboxDepth(this.pipeline.outboxDepth());
    return this.metrics.metricsText();
  }

  /**
   * Ready while the daemon can do its work: the first resync read CXone, CXone accepts the
   * credentials, the journal can be written, dialwindow.yaml is valid. Invalid campaign files,
   * calendars and policies, and failing campaigns, are problems of the data, reported by
   * /status, the metrics and the log: a 503 for them would take the daemon out of its Service
   * (and away from the git webhook that brings the fix).
   */
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
    if (this.credentialError) reasons.push(`CXone refuses the credentials: ${this.credentialError}`);
    if (this.stateDirError)
      reasons.push(`the journal in the state directory cannot be written: ${this.stateDirError}`);
    const config = this.snapshot.held
      ? this.snapshot.invalidFiles.find((f) => f.file === "dialwindow.yaml")
      : undefined;
    if (config)
      reasons.push(
        `dialwindow.yaml is invalid: ${config.reasons[0] ?? "see validate"}; the previous valid configuration stays in force`,
      );
    return {
      ready: reasons.length === 0,
      reasons,
      details: {
        mode: this.mode,
        revision: this.snapshot.revision,
        campaigns: this.snapshot.campaigns.size,
        drifted: this.drifted.size,
        states: this.board.counts(),
      },
    };
  }

  /** The `/status` document: where every campaign stands, and every blocked or failing one in full. */
  status(): DaemonStatus {
    const locator = new Locator();
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const problems: CampaignStatusEntry[] = this.board.problems().map(([id, p]) => {
      const c = this.snapshot.campaigns.get(id);
      const detail = this.snapshot.blockedDetail.get(id);
      const where = c
        ? { name: c.name, file: c.file, line: locator.locate(c.document, ["metadata", "campaignId"]).line }
        : {
            name: detail?.name ?? id,
            file: detail?.file ?? "",
            ...(detail?.finding ? { line: detail.finding.line } : {}),
          };
      return {
        campaignId: id,
        ...where,
        state: p.state,
        reason: p.reason,
        message: p.message,
        failures: p.failures,
        since: iso(p.since) as string,
        nextRetryAt: iso(p.nextRetryAt),
      };
    });
    problems.sort(
      (a, b) =>
        (a.state === b.state ? 0 : a.state === "blocked" ? -1 : 1) ||
        (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
        (a.line ?? 0) - (b.line ?? 0),
    );
    const s = this.snapshot;
    const held: DaemonStatus["held"] = this.readError
      ? { reason: "desired_state_invalid", message: `cannot read the desired state: ${this.readError}` }
      : s.held
        ? {
            reason: "desired_state_invalid",
            message: s.held,
            ...(s.heldAt ? { file: s.heldAt.file, line: s.heldAt.line } : {}),
          }
        : null;
    return {
      ready: this.readiness().ready,
      mode: this.mode,
      revision: s.revision,
      counts: this.board.counts(),
      held,
      invalidFiles: s.invalidFiles.map((f) => ({
        file: f.file,
        findings: f.findings.map(({ line, col, code, message }) => ({ line, col, code, message })),
      })),
      problems,
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
    // Failures whose retry the shutdown cancelled are still worth their one line.
    for (const id of [...this.unlogged]) this.logFailing(id);
    this.unlogged.clear();
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

/** Two flushes of one pass as one: what was delivered and appended adds up, the rest is the latest. */
function mergeFinish(before: FinishSummary | undefined, next: FinishSummary): FinishSummary {
  if (!before) return next;
  return {
    webhooks: { ...next.webhooks, delivered: before.webhooks.delivered + next.webhooks.delivered },
    audit: {
      ...next.audit,
      appended: before.audit.appended + next.audit.appended,
      commit: next.audit.commit ?? before.audit.commit,
      pushed: next.audit.commit ? next.audit.pushed : before.audit.pushed || next.audit.pushed,
    },
  };
}
