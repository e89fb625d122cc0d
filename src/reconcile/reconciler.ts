/**
 * The reconciler daemon: keeps CXone equal to the desired state, level-triggered. This is its
 * shell: it opens the parts (parts.ts wires them) and the HTTP endpoints, starts the loops,
 * answers for the daemon (/readyz, /status, --once) and stops it. Each part holds one idea:
 *   - desired-watch.ts: the desired state, re-read when the directory or the remote changes;
 *   - live-sync.ts: the live resync every reconcile.resyncInterval and the wake-ups at
 *     effective-schedule transitions;
 *   - campaign-handler.ts: one campaign at a time from the work queue (work-queue.ts), around
 *     the pure decide.ts: write it, hold it, report it, or say why not;
 *   - flusher.ts: webhooks and the audit commit, in batches after writes;
 *   - campaign-log.ts and health.ts: where each campaign stands, and whether the daemon can
 *     work (/status, /readyz, the log);
 *   - keyed-timers.ts: its timers, by name, on the one clock it is given;
 *   - once.ts: what `reconcile --once` reports.
 */
import type { FinishSummary, RecoverySummary } from "../apply/pipeline.js";
import type { ResolvedConfig } from "../desired/config.js";
import type { Selector } from "../desired/selector.js";
import type { validateDesiredState } from "../desired/validate.js";
import type { CxonePort } from "../live/port.js";
import { type Clock, systemClock, utcNow } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import type { ReconcileEvent } from "./campaign-handler.js";
import { CampaignLog } from "./campaign-log.js";
import type { Reloaded } from "./desired-watch.js";
import { GIT_WEBHOOK_SECRET_ENV } from "./github-hook.js";
import { DaemonHealth, type DaemonStatus, readiness, type Standing, statusDocument } from "./health.js";
import { type DaemonHttpServer, type Readiness, startHttpServer } from "./http-server.js";
import { KeyedTimers } from "./keyed-timers.js";
import { DaemonMetrics } from "./metrics.js";
import { OncePass, type OnceReport } from "./once.js";
import { openParts, type Parts } from "./parts.js";
import type { Snapshot } from "./snapshot.js";

export type { ReconcileEvent } from "./campaign-handler.js";
export type { CampaignStatusEntry, DaemonStatus } from "./health.js";
export type { OnceReport } from "./once.js";

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
  selector?: Selector;
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
  /** The one clock: timers, and every instant the daemon plans at, records or reports. */
  clock?: Clock;
  /** The CXone port; default: connect as dialwindow.yaml's cxone section and the environment say. */
  port?: CxonePort;
  random?: () => number;
  /** Reads and validates the desired state; default validateDesiredState (tests make it fail). */
  readDesiredState?: typeof validateDesiredState;
}

export class Reconciler {
  readonly metrics = new DaemonMetrics();
  /** Resolves when the daemon has stopped. */
  readonly done: Promise<void>;
  readonly #o: ReconcilerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timers: KeyedTimers;
  readonly #health = new DaemonHealth();
  readonly #campaigns: CampaignLog;
  #parts!: Parts;
  #server: DaemonHttpServer | undefined;
  /** What interrupted runs left, settled at start. */
  #recovery: RecoverySummary = { confirmed: 0, abandoned: 0, unsettled: 0 };
  /** --once: what the pass did. */
  #once: OncePass | undefined;
  #stopped!: () => void;

  private constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger;
    this.#timers = new KeyedTimers(this.#clock, this.#log);
    this.#campaigns = new CampaignLog({
      clock: this.#clock,
      log: this.#log,
      metrics: this.metrics,
      snapshot: () => this.#parts.desired.snapshot,
      once: () => this.#once !== undefined,
    });
    this.done = new Promise((resolve) => {
      this.#stopped = resolve;
    });
  }

  get mode(): "enforce" | "report" {
    return this.#o.mode ?? this.#parts.desired.config.reconcile.mode;
  }

  get address(): string | undefined {
    return this.#server?.url;
  }

  static async start(options: ReconcilerOptions): Promise<Reconciler> {
    if ((options.dir === undefined) === (options.repo === undefined)) {
      throw new UsageError("reconcile needs either --dir or --repo (not both).");
    }
    const r = new Reconciler(options);
    await r.#open();
    return r;
  }

  async #open(): Promise<void> {
    const o = this.#o;
    const log = this.#log;
    this.#parts = await openParts(
      o,
      {
        clock: this.#clock,
        log,
        timers: this.#timers,
        health: this.#health,
        campaigns: this.#campaigns,
        metrics: this.metrics,
      },
      {
        mode: () => this.mode,
        emit: (e) => this.#emit(e),
        inSync: (id, name, file) => this.#recordOnce(id, "noop", { name, file }),
        flushed: (summary) => {
          this.#once?.flushed(summary);
          o.events?.onFlushed?.(summary);
        },
      },
    );
    const { desired, pipeline, connection, flusher } = this.#parts;
    // Before the HTTP server: a git webhook may make the first reload before run() starts.
    desired.onReloaded((r) => this.#reloaded(r));
    try {
      if (o.listen) {
        this.#server = await startHttpServer({
          listen: o.listen,
          readiness: () => this.readiness(),
          status: () => this.status(),
          metrics: { text: () => this.#metricsText(), contentType: this.metrics.contentType },
          gitHook: desired.git
            ? { secret: o.env[GIT_WEBHOOK_SECRET_ENV], onDelivery: () => void desired.fetchNow("webhook") }
            : undefined,
          logger: log,
        });
        log.info({ url: this.#server.url }, "listening for /healthz, /readyz, /metrics");
      }
      this.#recovery = await pipeline.recover(connection.port);
      if (this.#recovery.confirmed + this.#recovery.abandoned > 0) flusher.schedule(0);
      log.info(
        {
          mode: this.mode,
          dir: desired.dir,
          revision: desired.snapshot.revision,
          campaigns: desired.snapshot.campaigns.size,
        },
        "reconciler started",
      );
    } catch (err) {
      await this.#close();
      throw err;
    }
  }

  /** Starts the loops: watching, resync, transitions, flushes. Ready once all of them run. */
  async run(): Promise<void> {
    const { desired, pipeline, live, flusher } = this.#parts;
    // Watch first: an edit made while the first resync runs must not be missed.
    await desired.watch([pipeline.stateDir.path]);
    flusher.start();
    live.scheduleTransitions();
    await live.firstSync();
  }

  /** --once: one full pass, wait for the queue, flush, stop. What it did, for the summary. */
  async runOnce(): Promise<OnceReport> {
    const { desired, pipeline, connection, queue, live, flusher } = this.#parts;
    const once = new OncePass();
    this.#once = once;
    const at = utcNow(this.#clock);
    const read = await live.resync();
    this.#health.initialSyncDone = read;
    await queue.whenIdle();
    await flusher.idle();
    await flusher.flush();
    const held = this.#campaigns.held;
    if (held.size > 0)
      this.#log.warn({ campaigns: [...held] }, "--once: writes held by a deny sync window were not made");
    const report = once.report(
      (id) => this.#campaigns.board.problemOf(id)?.reason ?? (held.has(id) ? "held" : undefined),
      {
        at: at.toUTC().toISO() as string,
        revision: desired.snapshot.revision,
        target: connection.endpoint,
        auditBranch: desired.config.audit.branch,
        stateDir: pipeline.stateDir.path,
        readError: read ? undefined : (this.#health.lastResyncError ?? "CXone could not be read"),
        recovery: this.#recovery,
      },
    );
    await this.stop("--once finished");
    return report;
  }

  /** Re-reads the desired state; queues the campaigns whose effective schedule changed. */
  reload(): Promise<void> {
    return this.#parts.desired.reload();
  }

  /** A re-read found the desired state valid enough to use: queue what it changed. */
  #reloaded({ previous, next, changed, wasFrozen }: Reloaded): void {
    const { queue, live } = this.#parts;
    this.#campaigns.reportBlocked(next);
    for (const id of changed) queue.add(id);
    // Writes frozen while the desired state was unreadable or invalid go out now.
    if (wasFrozen && !next.frozen) for (const id of this.#campaigns.drifted) queue.add(id);
    for (const id of next.blocked.keys()) if (!previous.blocked.has(id)) queue.add(id);
    live.scheduleTransitions();
    this.#o.events?.onLoaded?.(next, changed);
  }

  #emit(e: ReconcileEvent): void {
    const { campaignId, result, ...rest } = e;
    this.#recordOnce(campaignId, result, rest);
    this.#o.events?.onReconciled?.(e);
  }

  /** --once: what happened to one campaign, named as the desired state names it. */
  #recordOnce(
    id: string,
    result: ReconcileEvent["result"],
    e: Omit<ReconcileEvent, "result" | "campaignId">,
  ): void {
    if (!this.#once) return;
    const s = this.#parts.desired.snapshot;
    const name = s.campaigns.get(id)?.name ?? s.blockedDetail.get(id)?.name ?? e.name;
    const file = e.file || (s.blockedDetail.get(id)?.file ?? "");
    this.#once.record(id, result, { ...e, name, file });
  }

  #standing(): Standing {
    const { desired } = this.#parts;
    return {
      health: this.#health,
      mode: this.mode,
      snapshot: desired.snapshot,
      readError: desired.readError,
      board: this.#campaigns.board,
      drifted: this.#campaigns.drifted.size,
    };
  }

  readiness(): Readiness {
    return readiness(this.#standing());
  }

  /** The `/status` document: where every campaign stands, and every blocked or failing one in full. */
  status(): DaemonStatus {
    return statusDocument(this.#standing());
  }

  async #metricsText(): Promise<string> {
    const board = this.#campaigns.board;
    this.metrics.setQueueDepth(this.#parts.queue.depth());
    this.metrics.setCampaignStates(board.counts());
    this.metrics.setCampaignProblems(board.reasons());
    this.metrics.setOutboxDepth(this.#parts.pipeline.outboxDepth());
    return this.metrics.metricsText();
  }

  /** Stop taking work, finish in-flight writes, flush webhooks/audit briefly, close the journal. */
  async stop(reason: string): Promise<void> {
    if (this.#health.stopping) return this.done;
    this.#health.stopping = true;
    const { desired, queue, flusher } = this.#parts;
    this.#log.info({ reason }, "stopping");
    this.#timers.stop();
    await desired.close();
    const drained = await queue.shutdown({ drainMs: 20_000 });
    if (drained.unfinished.length > 0)
      this.#log.warn(
        { unfinished: drained.unfinished },
        "writes still running at shutdown; the journal settles them on the next start",
      );
    this.#campaigns.logUnannounced();
    await desired.idle();
    await flusher.flush();
    await this.#close();
    this.#log.info("stopped");
    this.#stopped();
    return this.done;
  }

  async #close(): Promise<void> {
    await this.#server?.close().catch(() => undefined);
    await this.#parts.connection?.close().catch(() => undefined);
    await this.#parts.pipeline?.close();
  }
}
