/**
 * What happens after writes, in batches: pending webhooks delivered (for a bounded time; what
 * is left waits in the outbox) and unaudited changes committed to the audit trail in one
 * commit, a second after the last write of a burst. Also, every few seconds, whatever is left
 * over: deliveries whose backoff ran out, an unpushed audit commit, open intents to settle, and
 * `webhooks retry` requests left in the state directory. One flush at a time.
 */
import { actorName, type FinishSummary, type WritePipeline } from "../apply/pipeline.js";
import type { CxonePort } from "../live/port.js";
import { mergeRetryRequests, takeRetryRequests } from "../state/retry-requests.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/log.js";
import type { KeyedTimers } from "./keyed-timers.js";
import type { DaemonMetrics } from "./metrics.js";

/** How long a flush waits for webhook receivers before leaving deliveries pending. */
const FLUSH_DELIVERY_MS = 10_000;
/** Writes are flushed (webhooks, one audit commit) this long after the last one of a burst. */
export const FLUSH_DEBOUNCE_MS = 1_000;
/** Pending work (webhooks, audit, open intents, retry requests) is looked at this often. */
const FLUSH_RETRY_MS = 10_000;

export interface FlusherOptions {
  pipeline: WritePipeline;
  port: CxonePort;
  /** The desired-state revision the audit commit names. */
  revision: () => string | null;
  /** Shutting down: deliveries get less time, and no later flush is planned. */
  stopping: () => boolean;
  clock: Clock;
  timers: KeyedTimers;
  metrics: DaemonMetrics;
  log: Logger;
  onFlushed: (summary: FinishSummary) => void;
}

export class Flusher {
  readonly #o: FlusherOptions;
  #flushing: Promise<void> | undefined;

  constructor(options: FlusherOptions) {
    this.#o = options;
  }

  /** A flush `delayMs` from now, in place of one already planned. */
  schedule(delayMs: number): void {
    this.#o.timers.set("flush", delayMs, () => void this.flush());
  }

  /** Looks at what is left over every few seconds (see the opening comment). */
  start(): void {
    this.#o.timers.every("flush-retry", FLUSH_RETRY_MS, () => {
      const p = this.#o.pipeline;
      if (p.outboxDepth() > 0 || p.auditBacklog() > 0 || p.auditUnpushed() || p.openIntentCount() > 0) {
        return this.flush();
      }
      return this.#takeRetryRequests().then(() => (p.outboxDepth() > 0 ? this.flush() : undefined));
    });
  }

  /** Resolves when the flush under way, if any, is done. */
  async idle(): Promise<void> {
    await this.#flushing;
  }

  /** Delivers pending webhooks and commits unaudited changes; one flush at a time. */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    const { pipeline, metrics, log } = this.#o;
    this.#flushing = (async () => {
      try {
        if (pipeline.openIntentCount() > 0) await pipeline.recover(this.#o.port);
        await this.#takeRetryRequests();
        const stopping = this.#o.stopping();
        const summary = await pipeline.finish({
          deliveryDeadlineMs: stopping ? 5_000 : FLUSH_DELIVERY_MS,
          revision: this.#o.revision(),
          actor: actorName("reconcile"),
        });
        if (summary.audit.commit) metrics.recordAuditCommit();
        metrics.setOutboxDepth(pipeline.outboxDepth());
        // Deliveries waiting out a backoff: come back exactly when the next one is due.
        const due = pipeline.outbox.nextDueAt();
        if (due !== undefined && !this.#o.stopping())
          this.schedule(Math.max(1000, due - this.#o.clock.now()));
        this.#o.onFlushed(summary);
      } catch (err) {
        log.error(
          { err: (err as Error).message },
          "flushing webhooks and audit records failed; retried later",
        );
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  /** `dialwindow webhooks retry` run while this daemon holds the lock leaves a request file. */
  async #takeRetryRequests(): Promise<void> {
    const { pipeline, log } = this.#o;
    const wanted = mergeRetryRequests(await takeRetryRequests(pipeline.stateDir.path, { logger: log }));
    if (wanted === undefined) return;
    const known =
      wanted === "all" ? undefined : wanted.filter((id) => pipeline.journal.view.change(id) !== undefined);
    const result = await pipeline.outbox.retry(known, { deadlineMs: FLUSH_DELIVERY_MS });
    log.info(
      {
        requested: wanted,
        requeued: result.requeued,
        superseded: result.superseded,
        delivered: result.delivered,
      },
      "webhooks retried on request",
    );
  }
}
