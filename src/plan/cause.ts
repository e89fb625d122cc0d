/**
 * Why an update is in a plan, so a reviewer can tell the pull request's own change from
 * noise: the desired state changed in this revision, CXone was changed by hand (drift), or a
 * holiday, override or clock change moved the effective week since it was last written.
 *
 * Pure. An update's cause is:
 *   - "desired" when the base revision's desired state, effective at the same instant, is not
 *     what this revision wants (or the base had no such campaign);
 *   - "transition" when CXone holds exactly what the desired state wanted at some instant of
 *     the past week: nothing touched it, the calendar moved on;
 *   - "drift" otherwise: CXone holds something the desired state never asked for;
 *   - "unattributed" when there is no base revision to compare with and it is not a transition
 *     (a change in git and an edit by hand then look the same).
 *
 * A campaign's boundings (curfews: managed) do not move with the calendar: they are "desired"
 * when the base revision wants other boundings (or does not manage them), else "drift".
 */
import type { DateTime } from "luxon";
import { curfewsEqual, curfewsOf } from "../desired/curfews.js";
import { effectiveSchedule, upcomingTransitions, WindowTranslationError } from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import { type Schedule, schedulesEqual } from "../desired/schedule.js";

export type Cause = "desired" | "drift" | "transition" | "unattributed";

/** The order the Markdown comment groups them in: the pull request's own change first. */
export const CAUSE_ORDER: readonly Cause[] = ["desired", "drift", "transition", "unattributed"];

export interface Attribution {
  cause: Cause;
  /** For people: "changed in this revision", "holiday: Christmas Day", ... */
  because: string;
}

/** How far back a transition can explain what CXone holds. */
const LOOKBACK_DAYS = 7;

export function attributeUpdate(
  c: CampaignSchedule,
  live: Schedule,
  at: DateTime,
  /** The campaign at the base revision; null when the base has none; undefined with no base. */
  baseline: CampaignSchedule | null | undefined,
  /** The schedule zone, for profiles that translate windows into one. */
  zone?: string,
): Attribution {
  const wanted = effective(c, at, zone);
  if (baseline === null) return { cause: "desired", because: "new in this revision" };
  const base = baseline === undefined ? undefined : effective(baseline, at, zone);
  if (
    baseline !== undefined &&
    (base === undefined || wanted === undefined || !schedulesEqual(base, wanted))
  ) {
    return { cause: "desired", because: "changed in this revision" };
  }
  for (let k = 1; k <= LOOKBACK_DAYS; k++) {
    const then = at.minus({ days: k });
    const past = effective(c, then, zone);
    if (past === undefined || !schedulesEqual(past, live)) continue;
    const moved = upcomingTransitions(c, then, k, zone).at(-1);
    return { cause: "transition", because: moved ? moved.reason : "the effective week moved on" };
  }
  if (baseline !== undefined) {
    // What CXone holds is neither what the base nor this revision wanted: someone edited it.
    for (let k = 1; k <= LOOKBACK_DAYS; k++) {
      const past = effective(baseline, at.minus({ days: k }), zone);
      if (past !== undefined && schedulesEqual(past, live)) {
        return { cause: "transition", because: "the effective week moved on" };
      }
    }
    return { cause: "drift", because: "changed in CXone since it was last written" };
  }
  return {
    cause: "unattributed",
    because: "CXone differs (no base revision to tell a change in git from an edit in CXone)",
  };
}

/** The effective schedule, or undefined when a window does not fit the schedule zone then. */
function effective(c: CampaignSchedule, at: DateTime, zone: string | undefined): Schedule | undefined {
  try {
    return effectiveSchedule(c, at, zone);
  } catch (err) {
    if (err instanceof WindowTranslationError) return undefined;
    throw err;
  }
}

/** Why a managed campaign's boundings differ from CXone's. */
export function attributeCurfews(
  c: CampaignSchedule,
  /** The campaign at the base revision; null when the base has none; undefined with no base. */
  baseline: CampaignSchedule | null | undefined,
): Attribution {
  if (baseline === null) return { cause: "desired", because: "new in this revision" };
  if (baseline === undefined) {
    return {
      cause: "unattributed",
      because: "CXone's boundings differ (no base revision to tell a change in git from an edit in CXone)",
    };
  }
  const wanted = c.curfews ? curfewsOf(c.curfews) : undefined;
  const base = baseline.curfews ? curfewsOf(baseline.curfews) : undefined;
  if (wanted === undefined || base === undefined || !curfewsEqual(wanted, base)) {
    return {
      cause: "desired",
      because: base === undefined ? "managed from this revision on" : "changed in this revision",
    };
  }
  return { cause: "drift", because: "changed in CXone since they were last written" };
}

/** One campaign's cause from its parts': the first in CAUSE_ORDER, and every part's reason. */
export function combineAttributions(parts: readonly Attribution[]): Attribution | Record<string, never> {
  const first = [...parts].sort((a, b) => CAUSE_ORDER.indexOf(a.cause) - CAUSE_ORDER.indexOf(b.cause))[0];
  if (first === undefined) return {};
  return { cause: first.cause, because: [...new Set(parts.map((p) => p.because))].join("; ") };
}
