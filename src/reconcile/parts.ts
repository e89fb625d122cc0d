/**
 * What the daemon is made of, opened in order and wired together: the desired state first (a
 * state the daemon cannot start on stops it before anything else), then the write pipeline
 * (which takes the state directory's lock), the CXone port, and the parts that use them. Each
 * part is told only what it needs; the shell (reconciler.ts) starts and stops them.
 */
import { type FinishSummary, WritePipeline } from "../apply/pipeline.js";
import { validateDesiredState } from "../desired/validate.js";
import { type Connection, connect } from "../live/connect.js";
import { RateBudget } from "../live/rate-budget.js";
import { resolveStateDir } from "../state/state-dir.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import { CampaignHandler, type ReconcileEvent } from "./campaign-handler.js";
import type { CampaignLog } from "./campaign-log.js";
import { DesiredWatch } from "./desired-watch.js";
import { Flusher } from "./flusher.js";
import type { DaemonHealth } from "./health.js";
import type { KeyedTimers } from "./keyed-timers.js";
import { LiveSync } from "./live-sync.js";
import type { DaemonMetrics } from "./metrics.js";
import type { ReconcilerOptions } from "./reconciler.js";
import { WorkQueue } from "./work-queue.js";

export interface Parts {
  desired: DesiredWatch;
  pipeline: WritePipeline;
  connection: Connection;
  live: LiveSync;
  flusher: Flusher;
  queue: WorkQueue;
}

/** What every part shares: the one clock, the log, the timers, and what the daemon knows. */
export interface Shared {
  clock: Clock;
  log: Logger;
  timers: KeyedTimers;
  health: DaemonHealth;
  campaigns: CampaignLog;
  metrics: DaemonMetrics;
}

/** What the parts tell the shell. */
export interface Hooks {
  mode(): "enforce" | "report";
  /** A campaign reconciled (or seen blocked by a resync). */
  emit(event: ReconcileEvent): void;
  /** A resync found a campaign in sync. */
  inSync(id: string, name: string, file: string): void;
  flushed(summary: FinishSummary): void;
}

export async function openParts(o: ReconcilerOptions, shared: Shared, hooks: Hooks): Promise<Parts> {
  const { clock, log, timers, health, campaigns, metrics } = shared;
  const random = o.random ?? Math.random;
  const stateDir = resolveStateDir({
    flag: o.stateDir,
    env: o.env,
    desiredDir: o.dir ?? o.cwd,
    cwd: o.cwd,
  }).path;
  // Assigned below, before anything can call back into it.
  let live: LiveSync | undefined;
  let queue: WorkQueue | undefined;
  const desired = await DesiredWatch.open({
    dir: o.dir,
    repo: o.repo,
    stateDir,
    selector: o.selector,
    env: o.env,
    transformConfig: o.transformConfig,
    modeFixed: o.mode !== undefined,
    readDesiredState: o.readDesiredState ?? validateDesiredState,
    clock,
    timers,
    log,
    onResyncIntervalChanged: () => live?.scheduleResync(),
  });
  campaigns.reportBlocked(desired.snapshot);
  const config = desired.config;
  const pipeline = await WritePipeline.open({
    stateDir,
    desiredDir: desired.dir,
    config,
    env: o.env,
    logger: log,
    command: "reconcile",
    clock,
    ...(o.auditRemote !== undefined
      ? { auditRemote: o.auditRemote }
      : o.repo
        ? { auditRemote: o.repo.url }
        : {}),
    onWebhookOutcome: (target, result) => metrics.recordWebhookDelivery(target, result),
  });
  let connection: Connection;
  try {
    connection = o.port
      ? { port: o.port, endpoint: "the CXone port given", close: async () => {} }
      : connect(config, o.env, {
          logger: log,
          budget: new RateBudget({ requestsPerMinute: config.cxone.requestsPerMinute }),
          onRequest: (e) => metrics.recordRequest(e),
          // Backoff and Retry-After wait on the daemon's clock; the budget keeps a monotonic one.
          clock,
        });
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  const port = connection.port;
  live = new LiveSync({
    port,
    snapshot: () => desired.snapshot,
    resyncIntervalMs: () => desired.config.reconcile.resyncIntervalMs,
    enqueue: (id) => queue?.add(id),
    campaigns,
    health,
    metrics,
    clock,
    timers,
    random,
    log,
    onBlocked: (id, why) =>
      hooks.emit({ campaignId: id, name: id, file: "", result: "blocked", detail: why }),
    onInSync: (id, name, file) => hooks.inSync(id, name, file),
  });
  const flusher = new Flusher({
    pipeline,
    port,
    revision: () => desired.snapshot.revision,
    stopping: () => health.stopping,
    clock,
    timers,
    metrics,
    log,
    onFlushed: (summary) => hooks.flushed(summary),
  });
  const handler = new CampaignHandler({
    port,
    desired,
    mode: () => hooks.mode(),
    live,
    requeueAfter: (id, ms) => queue?.addAfter(id, ms),
    pipeline,
    campaigns,
    health,
    metrics,
    clock,
    log,
    emit: (e) => hooks.emit(e),
    scheduleFlush: (ms) => flusher.schedule(ms),
  });
  const work: WorkQueue = new WorkQueue({
    handler: (id) => handler.reconcile(id),
    concurrency: config.cxone.concurrency,
    clock,
    random,
    logger: log,
    onRetry: (id) => campaigns.retryArmed(id, work.dueAt(id)),
  });
  queue = work;
  return { desired, pipeline, connection, live, flusher, queue: work };
}
