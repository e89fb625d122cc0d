/**
 * The webhook outbox. It keeps no state of its own: what is pending, delivered or dead is what
 * the journal says, so a crash between a POST and its `delivered` entry means the next drain
 * sends it again with the same webhook-id, and nothing is ever lost or delivered under a new id.
 *
 * Every change in a `written` entry is pending for each target named there. A drain delivers all
 * pending work with bounded concurrency; deliveries to one target for one campaign go in journal
 * order (a receiver should not see a newer schedule overtaken by an older one), different
 * campaigns and targets in parallel. A drain has a deadline: work it cannot finish in time stays
 * pending for the next drain, so a dead receiver never blocks the caller.
 *
 * Retry timing is journalled too: a failed attempt records when the next one is due, and a drain
 * leaves a delivery that is not due yet alone (it costs no attempt). So the retry budget is spent
 * over hours, however often the daemon drains, and `nextDueAt` tells it when to drain next.
 *
 * A dead letter is never redelivered after a newer change for its campaign reached (or is on its
 * way to) the same target: that would leave the receiver on the older schedule. `retry` skips such
 * superseded dead letters and reports them.
 *
 * One file although long: ordering, deadlines, retry timing and superseded dead letters
 * interact, and each rule is only right together with the others.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { ChangeRecord } from "../state/change-record.js";
import type { Journal } from "../state/journal.js";
import { type DeliveryState, type DeliveryStatus, type JournalView, laneKey } from "../state/journal-view.js";
import { systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";
import { attemptDelivery } from "./attempt.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from "./retry-policy.js";
import type { SigningTarget } from "./targets.js";

export interface OutboxOptions {
  journal: Journal;
  targets: readonly SigningTarget[];
  logger: Logger;
  /** Default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Epoch ms. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  policy?: Partial<RetryPolicy>;
  /** Deliveries in flight at once; default 4. */
  concurrency?: number;
  /** Told of every attempt's outcome (metrics). */
  onOutcome?: (target: string, result: "delivered" | "retrying" | "dead") => void;
}

export interface DrainOptions {
  /** Stop starting attempts (and abort one in flight) this long after the drain starts. */
  deadlineMs?: number;
}

export interface DrainResult {
  /** Delivered during this drain. */
  delivered: number;
  /** Still pending after it (deadline reached, or waiting for a retry). */
  pending: number;
  /** Became dead letters during this drain. */
  dead: number;
}

export interface RetryResult extends DrainResult {
  /** Dead letters moved back to pending. */
  requeued: number;
  /** Dead letters left dead because a newer change for their campaign supersedes them. */
  superseded: number;
}

export interface DeliveryListing {
  changeId: string;
  campaignId: string;
  name: string;
  /** When the change was written to CXone. */
  at: string;
  target: string;
  state: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  updatedAt: string | null;
  /** Pending after a failed attempt: when the next attempt is due. Null when due at once, or not pending. */
  nextAttemptAt: string | null;
  /** A dead letter that will not be redelivered: a newer change for the campaign supersedes it. */
  superseded: boolean;
  /** That newer change's id. */
  supersededBy: string | null;
  /** False when the target is no longer in the configuration. */
  targetConfigured: boolean;
}

type ItemResult = "delivered" | "pending" | "dead";

interface WorkItem {
  change: ChangeRecord;
  target: SigningTarget | undefined;
  targetName: string;
  /** Epoch ms the next attempt is due; undefined when due at once. */
  dueAt: number | undefined;
}

export class Outbox {
  readonly #journal: Journal;
  readonly #targets: ReadonlyMap<string, SigningTarget>;
  readonly #logger: Logger;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #policy: RetryPolicy;
  readonly #concurrency: number;
  readonly #onOutcome: NonNullable<OutboxOptions["onOutcome"]>;
  /** Drains run one at a time; two at once would deliver the same change twice. */
  readonly #serial = new SerialQueue();

  constructor(options: OutboxOptions) {
    this.#journal = options.journal;
    this.#targets = new Map(options.targets.map((t) => [t.name, t]));
    this.#logger = options.logger;
    this.#dispatcher = options.dispatcher;
    this.#now = options.now ?? systemClock.now;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#random = options.random ?? Math.random;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#onOutcome = options.onOutcome ?? (() => {});
  }

  get targetNames(): string[] {
    return [...this.#targets.keys()];
  }

  /**
   * Journals a successful write (the `written` entry for `intentId`), which makes the change
   * pending for every configured target. Resolves once that is on disk.
   */
  async enqueue(intentId: string, change: ChangeRecord, options: { audit?: boolean } = {}): Promise<void> {
    await this.#journal.recordWritten(intentId, change, {
      targets: this.targetNames,
      ...(options.audit === undefined ? {} : { audit: options.audit }),
    });
  }

  /**
   * Delivers everything pending that is due, until done or until the deadline. Deliveries waiting
   * for their next attempt (and later changes of their campaign, behind them) stay pending.
   * Without a deadline, the drain waits out retries that fall due while it runs.
   */
  drain(options: DrainOptions = {}): Promise<DrainResult> {
    return this.#serial.run(() => this.#drainNow(options, undefined));
  }

  /**
   * When the next drain has work (epoch ms): the earliest time a pending delivery is due, at or
   * before now when one is due already; undefined when nothing is pending. A delivery queued
   * behind a waiting change of the same campaign counts from when that change is done, so only
   * the first pending delivery of each (target, campaign) is considered.
   */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const [head] of this.#lanes()) {
      if (head === undefined) continue;
      const due = head.dueAt ?? this.#now();
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  /** Every delivery the journal knows of (change x target), in journal order. */
  list(): DeliveryListing[] {
    return listDeliveries(this.#journal.view, this.targetNames);
  }

  /**
   * Moves dead letters back to pending (all of them, or those of the given changes) with a fresh
   * retry budget, then drains, sending the named changes' pending deliveries (all pending ones
   * when none are named) at once even when their next attempt is not due yet. A dead letter that
   * a newer change for its campaign supersedes (delivered or pending to that target, or requeued
   * by this same call) is left dead and counted as `superseded`. Throws UsageError for a change id
   * the journal does not know.
   */
  async retry(changeIds?: readonly string[], options: DrainOptions = {}): Promise<RetryResult> {
    const view = this.#journal.view;
    if (changeIds !== undefined) {
      const unknown = changeIds.filter((id) => view.change(id) === undefined);
      if (unknown.length > 0) {
        throw new UsageError(
          `no change ${unknown.join(", ")} in the journal; \`webhooks list\` shows what there is`,
        );
      }
    }
    const wanted = changeIds === undefined ? undefined : new Set(changeIds);
    return this.#serial.run(async () => {
      const letters = this.#journal.view
        .deadLetters()
        .filter((d) => wanted === undefined || wanted.has(d.change.changeId));
      // Journal order: the last letter of a (target, campaign) is the newest one.
      const newestLetter = new Map(letters.map((d) => [laneKey(d.target, d.change), d.change]));
      let superseded = 0;
      let requeued = 0;
      for (const letter of letters) {
        const { changeId } = letter.change;
        const newest = newestLetter.get(laneKey(letter.target, letter.change));
        const newer =
          letter.supersededBy ?? (newest?.changeId === changeId ? null : (newest?.changeId ?? null));
        if (newer !== null) {
          superseded++;
          this.#logger.info(
            { target: letter.target, changeId, supersededBy: newer },
            "webhook dead letter superseded by a newer change for the campaign; not requeued",
          );
          continue;
        }
        await this.#journal.recordRequeued(changeId, letter.target);
        requeued++;
        this.#logger.info({ target: letter.target, changeId }, "webhook dead letter requeued");
      }
      const result = await this.#drainNow(options, wanted ?? "all");
      return { ...result, requeued, superseded };
    });
  }

  /** `force`: lanes holding these changes go now, whatever their next-attempt times say. */
  async #drainNow(
    options: DrainOptions,
    force: ReadonlySet<string> | "all" | undefined,
  ): Promise<DrainResult> {
    const deadlineAt =
      options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + options.deadlineMs;
    const lanes = this.#lanes();
    const forced = (lane: WorkItem[]) =>
      force === "all" || (force !== undefined && lane.some((i) => force.has(i.change.changeId)));
    const result: DrainResult = { delivered: 0, pending: 0, dead: 0 };
    let next = 0;
    const worker = async () => {
      for (let lane = lanes[next++]; lane !== undefined; lane = lanes[next++]) {
        const goNow = forced(lane);
        for (const item of lane) {
          // Not due yet: no attempt now; later changes for this campaign wait behind it.
          if (!goNow && item.dueAt !== undefined && item.dueAt > this.#now()) break;
          const outcome = await this.#deliver(item, deadlineAt);
          if (outcome === "delivered") result.delivered++;
          else if (outcome === "dead") result.dead++;
          // Later changes for this campaign wait behind it, to keep the receiver's order.
          else break;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, lanes.length) }, worker));
    result.pending = this.#journal.view
      .changes()
      .reduce((n, c) => n + [...c.deliveries.values()].filter((d) => d.status === "pending").length, 0);
    if (lanes.length > 0)
      this.#logger.debug({ ...result, nextDueAt: this.nextDueAt() }, "webhook outbox drained");
    return result;
  }

  /** Pending work grouped by (target, campaign), each group in journal order. */
  #lanes(): WorkItem[][] {
    const lanes = new Map<string, WorkItem[]>();
    for (const state of this.#journal.view.changes()) {
      for (const d of state.deliveries.values()) {
        if (d.status !== "pending") continue;
        const key = laneKey(d.target, state.change);
        const lane = lanes.get(key) ?? [];
        lane.push({
          change: state.change,
          target: this.#targets.get(d.target),
          targetName: d.target,
          dueAt: d.nextAttemptAt === null ? undefined : Date.parse(d.nextAttemptAt),
        });
        lanes.set(key, lane);
      }
    }
    return [...lanes.values()];
  }

  async #deliver(item: WorkItem, deadlineAt: number): Promise<ItemResult> {
    const { change, targetName } = item;
    const changeId = change.changeId;
    const log = { target: targetName, changeId, campaignId: change.campaignId };
    if (item.target === undefined) {
      const reason = `target "${targetName}" is no longer configured`;
      await this.#journal.recordDead(changeId, targetName, this.#attemptsSoFar(item), reason, null);
      this.#logger.error({ ...log, reason }, "webhook dead-lettered");
      return "dead";
    }
    // A target's own timeout and attempt limit (webhooks[].timeout / maxAttempts) win.
    const policy: RetryPolicy = {
      ...this.#policy,
      ...(item.target.timeoutMs === undefined ? {} : { attemptTimeoutMs: item.target.timeoutMs }),
      ...(item.target.maxAttempts === undefined ? {} : { maxAttempts: item.target.maxAttempts }),
    };
    for (;;) {
      const remaining = deadlineAt - this.#now();
      if (remaining <= 0) return "pending";
      const attempt = this.#attemptsSoFar(item) + 1;
      const outcome = await attemptDelivery({
        target: item.target,
        change,
        dispatcher: this.#dispatcher,
        now: this.#now,
        timeoutMs: policy.attemptTimeoutMs,
        ...(Number.isFinite(remaining) ? { interruptAfterMs: remaining } : {}),
      });
      switch (outcome.kind) {
        case "delivered":
          await this.#journal.recordDelivered(changeId, targetName, attempt, outcome.status);
          this.#onOutcome(targetName, "delivered");
          this.#logger.info({ ...log, status: outcome.status, attempt }, "webhook delivered");
          return "delivered";
        case "interrupted":
          this.#logger.info(
            { ...log, attempt },
            "webhook attempt cut short by the drain deadline; left pending",
          );
          return "pending";
        case "permanent":
          await this.#journal.recordDead(changeId, targetName, attempt, outcome.error, outcome.status);
          this.#onOutcome(targetName, "dead");
          this.#logger.error(
            { ...log, status: outcome.status, attempt, reason: outcome.error },
            "webhook rejected; dead-lettered",
          );
          return "dead";
        case "retryable": {
          if (attempt >= policy.maxAttempts) {
            const reason = `gave up after ${attempt} attempts; last: ${outcome.error}`;
            await this.#journal.recordDead(changeId, targetName, attempt, reason, outcome.status);
            this.#onOutcome(targetName, "dead");
            this.#logger.error({ ...log, status: outcome.status, attempt, reason }, "webhook dead-lettered");
            return "dead";
          }
          this.#onOutcome(targetName, "retrying");
          const wait = retryDelayMs(attempt, outcome.retryAfterMs, policy, this.#random);
          const retryAt = this.#now() + wait;
          await this.#journal.recordAttemptFailed(
            changeId,
            targetName,
            attempt,
            outcome.error,
            outcome.status,
            new Date(retryAt),
          );
          // When: the next drain after the deadline still waits for retryAt (it is journalled).
          this.#logger.warn(
            {
              ...log,
              status: outcome.status,
              attempt,
              maxAttempts: policy.maxAttempts,
              error: outcome.error,
              retryAt: new Date(retryAt).toISOString(),
              retryInMs: wait,
            },
            "webhook attempt failed; retrying",
          );
          if (retryAt >= deadlineAt) return "pending";
          await this.#sleep(wait);
        }
      }
    }
  }

  #attemptsSoFar(item: WorkItem): number {
    return this.#journal.view.change(item.change.changeId)?.deliveries.get(item.targetName)?.attempts ?? 0;
  }
}

/**
 * The outbox as a table, from a journal view alone: usable by `webhooks list` with a read-only
 * journal and without any webhook secret.
 */
export function listDeliveries(view: JournalView, configuredTargets: readonly string[]): DeliveryListing[] {
  const configured = new Set(configuredTargets);
  return view.changes().flatMap((c) =>
    [...c.deliveries.values()].map((d) => ({
      changeId: c.change.changeId,
      campaignId: c.change.campaignId,
      name: c.change.name,
      at: c.change.at,
      target: d.target,
      state: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      lastStatus: d.lastStatus,
      updatedAt: d.updatedAt,
      nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
      ...supersession(view, c.change.changeId, d),
      targetConfigured: configured.has(d.target),
    })),
  );
}

function supersession(
  view: JournalView,
  changeId: string,
  d: DeliveryState,
): { superseded: boolean; supersededBy: string | null } {
  const by = d.status === "dead" ? (view.supersededBy(changeId, d.target)?.changeId ?? null) : null;
  return { superseded: by !== null, supersededBy: by };
}
