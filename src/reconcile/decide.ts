/**
 * What to do about one campaign, decided without I/O: given its planned change and the
 * daemon's circumstances (the desired state frozen or not, the mode, the deny sync windows, the
 * instant), write it, or say why not and when to look again. The reconciler's handler reads
 * live state before and writes after; everything in between is here, in the style of
 * controller-runtime's `Reconcile(ctx, req) (Result, error)`.
 */
import type { DateTime } from "luxon";
import type { PlannedChange } from "../plan/plan.js";
import type { SyncWindowState } from "./sync-windows.js";

export interface DecideContext {
  /** Why every write is frozen (the desired state is invalid or unreadable); undefined: it is not. */
  frozen: string | undefined;
  mode: "enforce" | "report";
  /** What the deny sync windows say at `at`. */
  window: SyncWindowState;
  at: DateTime;
}

export type Decision =
  /** CXone already holds the desired schedule. */
  | { result: "noop" }
  /** The plan itself failed (not found, unreadable, untranslatable): retried with backoff. */
  | { result: "failed"; detail: string }
  /** Frozen: nothing is written, not even to undo drift, until the desired state is fixed. */
  | { result: "blocked"; detail: string }
  /** Report mode: the drift is logged and counted, never written. */
  | { result: "drift_reported"; detail: string }
  /** A deny window holds the write: look again `requeueAfter` ms from `at`, once it ends. */
  | { result: "held"; detail: string; until: DateTime; requeueAfter: number }
  /** Write it. */
  | { result: "write" };

export function decide(planned: PlannedChange, ctx: DecideContext): Decision {
  if (planned.action === "noop") return { result: "noop" };
  if (planned.action === "error") return { result: "failed", detail: planned.error ?? "error" };
  // A broken config, calendar or policy can change what any campaign should be: write nothing.
  if (ctx.frozen) return { result: "blocked", detail: ctx.frozen };
  if (ctx.mode === "report") {
    const curfews = planned.curfews?.diff.length ?? 0;
    const parts = [
      ...(planned.diff.length > 0 ? [`${planned.diff.length} difference(s) in the schedule`] : []),
      ...(curfews > 0 ? [`${curfews} difference(s) in the curfews`] : []),
    ];
    return { result: "drift_reported", detail: parts.join(", ") };
  }
  if (ctx.window.denied) {
    const until = ctx.window.until?.toUTC() ?? ctx.at.plus({ minutes: 1 });
    return {
      result: "held",
      detail: `held by a deny sync window until ${until.toISO()}`,
      until,
      // A second past the end, and never sooner than a second: the window must be over.
      requeueAfter: Math.max(1000, until.toMillis() - ctx.at.toMillis() + 1000),
    };
  }
  return { result: "write" };
}
