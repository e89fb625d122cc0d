/**
 * `reconcile --once`: what one pass did to every campaign, in the terms `apply` reports
 * (updated, unchanged, converged, failed, skipped), and the webhooks and audit commit of every
 * flush of the pass, for the summary the command prints.
 */
import type { CampaignOutcome } from "../apply/apply.js";
import type { FinishSummary, RecoverySummary } from "../apply/pipeline.js";
import type { ChangeRecord } from "../state/change-record.js";
import type { FailureReason } from "./failure-reason.js";
import type { ReconcileResult } from "./metrics.js";

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

/** What the pass says about one campaign. */
export interface OnceOutcome {
  name: string;
  file: string;
  detail?: string | undefined;
  change?: ChangeRecord | undefined;
  changes?: ChangeRecord[] | undefined;
  latencyMs?: number | undefined;
}

export class OncePass {
  readonly #outcomes = new Map<string, CampaignOutcome>();
  #finish: FinishSummary | undefined;

  record(id: string, result: ReconcileResult, e: OnceOutcome): void {
    const base = { campaignId: id, name: e.name, file: e.file, latencyMs: 0 };
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
    this.#outcomes.set(id, outcome);
  }

  /** Two flushes of one pass as one: what was delivered and appended adds up, the rest is the latest. */
  flushed(next: FinishSummary): void {
    const before = this.#finish;
    this.#finish = !before
      ? next
      : {
          webhooks: { ...next.webhooks, delivered: before.webhooks.delivered + next.webhooks.delivered },
          audit: {
            ...next.audit,
            appended: before.audit.appended + next.audit.appended,
            commit: next.audit.commit ?? before.audit.commit,
            pushed: next.audit.commit ? next.audit.pushed : before.audit.pushed || next.audit.pushed,
          },
        };
  }

  /** Every campaign's outcome by name, and why those not reconciled were not. */
  report(
    whyNot: (id: string) => FailureReason | "held" | undefined,
    rest: Omit<OnceReport, "outcomes" | "notReconciled" | "driftReported" | "finish">,
  ): OnceReport {
    const outcomes = [...this.#outcomes.values()].sort((x, y) =>
      x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
    );
    const notReconciled = new Map<string, FailureReason | "held">();
    for (const o of outcomes) {
      const why = whyNot(o.campaignId);
      if (why) notReconciled.set(o.campaignId, why);
    }
    return {
      ...rest,
      outcomes,
      notReconciled,
      driftReported: outcomes.filter((o) => o.result === "skipped" && !notReconciled.has(o.campaignId))
        .length,
      finish: this.#finish ?? {
        webhooks: { delivered: 0, pending: 0, dead: 0 },
        audit: { appended: 0, commit: null, pushed: false, pending: 0 },
      },
    };
  }
}
