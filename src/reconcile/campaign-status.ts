/**
 * Where each managed campaign stands, for /status, the `dialwindow_campaigns` metrics and the
 * log: in sync, drifted (seen different and not written: report mode, a deny window), blocked
 * (not written because its file or the desired state is invalid) or failing (a write or read
 * failed; the work queue retries it). A blocked or failing campaign carries its problem: one
 * reason from a fixed set, the message, since when, how many attempts failed, and when the next
 * one is due.
 *
 * The board also decides what is worth a log line: a problem the first time it is seen and
 * whenever its reason or message changes, and the recovery, never each retry of the same
 * failure. Pure state; the clock comes in with each call.
 */
import type { FailureReason } from "./failure-reason.js";

export const CAMPAIGN_STATES = ["in_sync", "drifted", "blocked", "failing"] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface CampaignProblem {
  state: "blocked" | "failing";
  reason: FailureReason;
  message: string;
  /** When the campaign stopped being fine (epoch ms). */
  since: number;
  /** Attempts that failed since then (a blocked campaign is not attempted: 0). */
  failures: number;
  /** When the work queue tries it again (epoch ms); undefined for a blocked campaign. */
  nextRetryAt: number | undefined;
}

export interface ProblemUpdate {
  problem: CampaignProblem;
  /** New, or its state, reason or message changed: worth a log line. */
  news: boolean;
}

export class CampaignBoard {
  readonly #states = new Map<string, CampaignState>();
  readonly #problems = new Map<string, CampaignProblem>();

  /** Reconciled fine (in sync, or drift it may not write); returns the problem this ends, if any. */
  ok(id: string, state: "in_sync" | "drifted"): CampaignProblem | undefined {
    this.#states.set(id, state);
    const ended = this.#problems.get(id);
    this.#problems.delete(id);
    return ended;
  }

  /** Seen drifted by a resync; a campaign with a problem keeps it until it is reconciled. */
  drifted(id: string): void {
    if (!this.#problems.has(id)) this.#states.set(id, "drifted");
  }

  /** A blocked or failed attempt (or a block found while loading the desired state). */
  problem(
    id: string,
    state: "blocked" | "failing",
    reason: FailureReason,
    message: string,
    now: number,
  ): ProblemUpdate {
    const before = this.#problems.get(id);
    const problem: CampaignProblem = {
      state,
      reason,
      message,
      since: before?.since ?? now,
      failures: (before?.failures ?? 0) + (state === "failing" ? 1 : 0),
      nextRetryAt: state === "failing" ? before?.nextRetryAt : undefined,
    };
    this.#states.set(id, state);
    this.#problems.set(id, problem);
    const news =
      before === undefined ||
      before.state !== state ||
      before.reason !== reason ||
      before.message !== message;
    return { problem, news };
  }

  /** The work queue armed the next attempt of a failing campaign. */
  retryAt(id: string, at: number): void {
    const p = this.#problems.get(id);
    if (p?.state === "failing") p.nextRetryAt = at;
  }

  /** Drops campaigns no longer managed. */
  keepOnly(managed: (id: string) => boolean): void {
    for (const id of [...this.#states.keys()]) {
      if (managed(id)) continue;
      this.#states.delete(id);
      this.#problems.delete(id);
    }
  }

  problemOf(id: string): CampaignProblem | undefined {
    return this.#problems.get(id);
  }

  problems(): [string, CampaignProblem][] {
    return [...this.#problems];
  }

  /** Campaigns per state (campaigns not looked at yet are in none). */
  counts(): Record<CampaignState, number> {
    const counts = { in_sync: 0, drifted: 0, blocked: 0, failing: 0 };
    for (const state of this.#states.values()) counts[state]++;
    return counts;
  }

  /** Blocked and failing campaigns per reason. */
  reasons(): Map<FailureReason, number> {
    const out = new Map<FailureReason, number>();
    for (const p of this.#problems.values()) out.set(p.reason, (out.get(p.reason) ?? 0) + 1);
    return out;
  }
}
