/**
 * What the journal says is still to do, rebuilt by replaying its entries in order. Pure: no I/O,
 * so replay, append and compaction share one definition of the state machine:
 *
 *   intent ──written──▶ change ──per target: pending ─▶ delivered
 *          └─abandoned                         │   ▲
 *                                              ▼   │ requeued
 *                                             dead ┘
 *   change ──audited──▶ in the audit trail
 *
 * A change is finished when every target has it delivered and (when audited at all) it is in an
 * audit commit. Dead letters are not finished: they stay until someone redelivers them, unless a
 * newer change for the same campaign has since been delivered to that target. Such a dead letter
 * is *superseded*: the receiver already has a newer schedule, and sending the older one now would
 * leave it on a stale one, so it is never redelivered and there is nothing left to do for it. A
 * dead letter is also superseded (not to be redelivered) while a newer change for its campaign is
 * pending for that target.
 *
 * One file although long: the state machine above is kept whole so it reads top to bottom.
 */
import type { ChangeRecord } from "./change-record.js";
import type { AuditedEntry, IntentEntry, JournalEntry } from "./journal-entries.js";
import { JOURNAL_FORMAT_VERSION } from "./journal-entries.js";

export type DeliveryStatus = "pending" | "delivered" | "dead";

export interface DeliveryState {
  target: string;
  status: DeliveryStatus;
  /** Attempts since the delivery was (re)queued; the retry budget counts these. */
  attempts: number;
  /** Why the last attempt failed, or why it is dead; null when none failed. */
  lastError: string | null;
  /** The HTTP status of the last attempt, when there was a response. */
  lastStatus: number | null;
  /** When the delivery last changed state; null while nothing was tried. */
  updatedAt: string | null;
  /**
   * While pending after a failed attempt: the ISO instant the next attempt is due. Null when it
   * is due at once (never tried, requeued, or journalled before retry times were) or not pending.
   */
  nextAttemptAt: string | null;
}

export interface ChangeState {
  intentId: string;
  change: ChangeRecord;
  targets: readonly string[];
  audit: boolean;
  /** When the `written` entry was journalled. */
  writtenAt: string;
  /** The audit commit holding this change, once there is one. */
  auditCommit: string | null;
  deliveries: ReadonlyMap<string, Readonly<DeliveryState>>;
}

export interface DeadLetter {
  change: ChangeRecord;
  target: string;
  attempts: number;
  reason: string;
  status: number | null;
  at: string;
  /** The newer change for the same campaign that supersedes this one for this target, if any. */
  supersededBy: string | null;
}

interface MutableChange extends Omit<ChangeState, "deliveries"> {
  deliveries: Map<string, DeliveryState>;
}

export type ApplyMode = "append" | "replay";

/** Where each change stands in journal order, and what is newest per (target, campaign). */
interface OrderIndex {
  position: ReadonlyMap<string, number>;
  /** Per lane key: the newest change whose delivery there is pending or delivered. */
  newestLive: ReadonlyMap<string, MutableChange>;
  /** Per lane key: the newest change delivered there. */
  newestDelivered: ReadonlyMap<string, MutableChange>;
}

/**
 * Deliveries are ordered per target, campaign and part: a campaign's schedule and its boundings
 * are separate news, so a newer change of one never supersedes, or waits for, the other.
 */
export function laneKey(target: string, change: ChangeRecord): string {
  return `${target}\u0000${change.campaignId}\u0000${change.part ?? "schedule"}`;
}

export class JournalView {
  readonly #intents = new Map<string, IntentEntry>();
  readonly #closedIntents = new Set<string>();
  readonly #changes = new Map<string, MutableChange>();
  /** Built on demand, dropped on every applied entry. */
  #order: OrderIndex | undefined;

  /** Intents with no outcome: the process died between the intent and the PATCH's result. */
  openIntents(): IntentEntry[] {
    return [...this.#intents.values()];
  }

  changes(): ChangeState[] {
    return [...this.#changes.values()];
  }

  change(changeId: string): ChangeState | undefined {
    return this.#changes.get(changeId);
  }

  /** Changes target `target` has not yet received (in journal order), dead letters excluded. */
  pendingFor(target: string): ChangeRecord[] {
    return this.changes()
      .filter((c) => c.deliveries.get(target)?.status === "pending")
      .map((c) => c.change);
  }

  /** Changes meant for the audit trail that are not yet in an audit commit, in journal order. */
  unaudited(): ChangeRecord[] {
    return this.changes()
      .filter((c) => c.audit && c.auditCommit === null)
      .map((c) => c.change);
  }

  deadLetters(): DeadLetter[] {
    return this.changes().flatMap((c) =>
      [...c.deliveries.values()]
        .filter((d) => d.status === "dead")
        .map((d) => ({
          change: c.change,
          target: d.target,
          attempts: d.attempts,
          reason: d.lastError ?? "",
          status: d.lastStatus,
          at: d.updatedAt ?? c.writtenAt,
          supersededBy: this.supersededBy(c.change.changeId, d.target)?.changeId ?? null,
        })),
    );
  }

  /**
   * The newest change for the same campaign, journalled after `changeId`, whose delivery to
   * `target` is pending or delivered; undefined when there is none. For a dead letter, such a
   * change means it must not be redelivered (it would arrive after, or overtake, newer news).
   */
  supersededBy(changeId: string, target: string): ChangeRecord | undefined {
    const c = this.#changes.get(changeId);
    if (c === undefined) return undefined;
    const order = this.#orderIndex();
    const newer = order.newestLive.get(laneKey(target, c.change));
    return newer !== undefined && isAfter(order, newer, c) ? newer.change : undefined;
  }

  isFinished(changeId: string): boolean {
    const c = this.#changes.get(changeId);
    if (c === undefined) return true;
    const order = this.#orderIndex();
    return (
      (!c.audit || c.auditCommit !== null) &&
      [...c.deliveries.values()].every(
        (d) =>
          d.status === "delivered" ||
          (d.status === "dead" && this.#deliveredProof(order, c, d) !== undefined),
      )
    );
  }

  /** For a dead letter: a newer change for its campaign delivered to its target, which finishes it. */
  #deliveredProof(order: OrderIndex, c: MutableChange, d: DeliveryState): MutableChange | undefined {
    const newer = order.newestDelivered.get(laneKey(d.target, c.change));
    return newer !== undefined && isAfter(order, newer, c) ? newer : undefined;
  }

  #orderIndex(): OrderIndex {
    if (this.#order !== undefined) return this.#order;
    const position = new Map<string, number>();
    const newestLive = new Map<string, MutableChange>();
    const newestDelivered = new Map<string, MutableChange>();
    for (const c of this.#changes.values()) {
      position.set(c.change.changeId, position.size);
      for (const d of c.deliveries.values()) {
        const key = laneKey(d.target, c.change);
        if (d.status !== "dead") newestLive.set(key, c);
        if (d.status === "delivered") newestDelivered.set(key, c);
      }
    }
    this.#order = { position, newestLive, newestDelivered };
    return this.#order;
  }

  /**
   * True when nothing is left to do: no open intent, and every change finished (dead letters only
   * when superseded by a delivered change). Compaction would drop it all.
   */
  isQuiet(): boolean {
    return this.#intents.size === 0 && [...this.#changes.keys()].every((id) => this.isFinished(id));
  }

  /**
   * What is inconsistent about applying `entry` now, or undefined when it fits. Changes nothing,
   * so the journal can check an entry before writing it and apply it only once it is durable.
   * In "append" mode the rules are strict (an outcome needs its open intent); in "replay" mode a
   * `written` entry may stand alone, because compaction drops closed intents.
   */
  problemWith(entry: JournalEntry, mode: ApplyMode): string | undefined {
    switch (entry.type) {
      case "intent":
        return this.#intents.has(entry.intentId) || this.#closedIntents.has(entry.intentId)
          ? `intent ${entry.intentId} is already in the journal`
          : undefined;
      case "written": {
        const intent = this.#intents.get(entry.intentId);
        if (intent === undefined && (mode === "append" || this.#closedIntents.has(entry.intentId))) {
          return `no open intent ${entry.intentId} for change ${entry.change.changeId}`;
        }
        if (intent !== undefined && intent.campaignId !== entry.change.campaignId) {
          return `change ${entry.change.changeId} is for campaign ${entry.change.campaignId}, its intent for ${intent.campaignId}`;
        }
        if (this.#changes.has(entry.change.changeId)) {
          return `change ${entry.change.changeId} is already in the journal`;
        }
        return new Set(entry.targets).size === entry.targets.length
          ? undefined
          : "written entry names a target twice";
      }
      case "abandoned":
        return this.#intents.has(entry.intentId) ? undefined : `no open intent ${entry.intentId} to abandon`;
      case "audited": {
        const unknown = entry.changeIds.filter((id) => !this.#changes.has(id));
        return unknown.length === 0
          ? undefined
          : `audited names changes not in the journal: ${unknown.join(", ")}`;
      }
      default: {
        const c = this.#changes.get(entry.changeId);
        if (c === undefined) return `no change ${entry.changeId} in the journal`;
        const d = c.deliveries.get(entry.target);
        if (d === undefined) return `change ${entry.changeId} has no delivery to target "${entry.target}"`;
        const from = entry.type === "requeued" ? "dead" : "pending";
        return d.status === from
          ? undefined
          : `${entry.type} for change ${entry.changeId} to "${entry.target}", which is ${d.status}`;
      }
    }
  }

  /** Applies one entry; returns the problem (and changes nothing) when it does not fit. */
  apply(entry: JournalEntry, mode: ApplyMode): string | undefined {
    const problem = this.problemWith(entry, mode);
    if (problem !== undefined) return problem;
    this.#order = undefined;
    switch (entry.type) {
      case "intent":
        this.#intents.set(entry.intentId, entry);
        return undefined;
      case "written":
        this.#closeIntent(entry.intentId);
        this.#changes.set(entry.change.changeId, {
          intentId: entry.intentId,
          change: entry.change,
          targets: [...entry.targets],
          audit: entry.audit,
          writtenAt: entry.ts,
          auditCommit: null,
          deliveries: new Map(
            entry.targets.map((target) => [
              target,
              {
                target,
                status: "pending",
                attempts: 0,
                lastError: null,
                lastStatus: null,
                updatedAt: null,
                nextAttemptAt: null,
              },
            ]),
          ),
        });
        return undefined;
      case "abandoned":
        this.#closeIntent(entry.intentId);
        return undefined;
      case "audited":
        for (const id of entry.changeIds) {
          const c = this.#changes.get(id);
          if (c !== undefined) c.auditCommit = entry.commit;
        }
        return undefined;
      default: {
        const d = this.#changes.get(entry.changeId)?.deliveries.get(entry.target);
        if (d === undefined) return undefined; // excluded by problemWith
        d.updatedAt = entry.ts;
        d.nextAttemptAt = null;
        if (entry.type === "attempt-failed") {
          d.attempts = entry.attempt;
          d.lastError = entry.error;
          d.lastStatus = entry.status;
          d.nextAttemptAt = entry.retryAt ?? null;
        } else if (entry.type === "delivered") {
          d.status = "delivered";
          d.attempts = entry.attempt;
          d.lastStatus = entry.status;
        } else if (entry.type === "dead") {
          d.status = "dead";
          d.attempts = entry.attempts;
          d.lastError = entry.reason;
          d.lastStatus = entry.status;
        } else {
          d.status = "pending";
          d.attempts = 0;
          d.lastError = null;
          d.lastStatus = null;
        }
        return undefined;
      }
    }
  }

  #closeIntent(intentId: string): void {
    this.#intents.delete(intentId);
    this.#closedIntents.add(intentId);
  }

  /**
   * The shortest list of entries that replays to the same unfinished work: open intents, and
   * every change that is not finished with its per-target progress. Finished changes are dropped,
   * except one that supersedes a dead letter being kept: without it, that dead letter would look
   * worth redelivering again.
   */
  compactedEntries(): JournalEntry[] {
    const v = JOURNAL_FORMAT_VERSION;
    const out: JournalEntry[] = [...this.#intents.values()];
    const audits = new Map<string, AuditedEntry>();
    const kept = this.#changesToKeep();
    for (const c of this.#changes.values()) {
      if (!kept.has(c.change.changeId)) continue;
      const changeId = c.change.changeId;
      out.push({
        v,
        ts: c.writtenAt,
        type: "written",
        intentId: c.intentId,
        change: c.change,
        targets: [...c.targets],
        audit: c.audit,
      });
      for (const d of c.deliveries.values()) {
        const ts = d.updatedAt ?? c.writtenAt;
        const target = d.target;
        if (d.status === "delivered") {
          out.push({
            v,
            ts,
            type: "delivered",
            changeId,
            target,
            attempt: d.attempts,
            status: d.lastStatus ?? 0,
          });
        } else if (d.status === "dead") {
          out.push({
            v,
            ts,
            type: "dead",
            changeId,
            target,
            attempts: d.attempts,
            reason: d.lastError ?? "",
            status: d.lastStatus,
          });
        } else if (d.attempts > 0) {
          out.push({
            v,
            ts,
            type: "attempt-failed",
            changeId,
            target,
            attempt: d.attempts,
            error: d.lastError ?? "",
            status: d.lastStatus,
            ...(d.nextAttemptAt === null ? {} : { retryAt: d.nextAttemptAt }),
          });
        }
      }
      if (c.auditCommit !== null) {
        const batch = audits.get(c.auditCommit);
        if (batch === undefined) {
          const entry: AuditedEntry = {
            v,
            ts: c.writtenAt,
            type: "audited",
            changeIds: [changeId],
            commit: c.auditCommit,
          };
          audits.set(c.auditCommit, entry);
        } else {
          batch.changeIds.push(changeId);
        }
      }
    }
    return [...out, ...audits.values()];
  }

  /** Unfinished changes, plus (transitively) the delivered changes that supersede their dead letters. */
  #changesToKeep(): Set<string> {
    const order = this.#orderIndex();
    const work = [...this.#changes.values()].filter((c) => !this.isFinished(c.change.changeId));
    const kept = new Set(work.map((c) => c.change.changeId));
    for (let c = work.pop(); c !== undefined; c = work.pop()) {
      for (const d of c.deliveries.values()) {
        if (d.status !== "dead") continue;
        const proof = this.#deliveredProof(order, c, d);
        if (proof === undefined || kept.has(proof.change.changeId)) continue;
        kept.add(proof.change.changeId);
        work.push(proof);
      }
    }
    return kept;
  }
}

function isAfter(order: OrderIndex, a: MutableChange, b: MutableChange): boolean {
  return (order.position.get(a.change.changeId) ?? -1) > (order.position.get(b.change.changeId) ?? -1);
}
