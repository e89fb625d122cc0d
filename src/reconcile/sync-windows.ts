/**
 * Sync windows: times when the reconciler must not write (`reconcile.syncWindows`, all of kind
 * `deny`). A window is read off the wall clock of its own zone: writes are denied while the
 * local clock shows a listed weekday and a time in [start, end). Across daylight-saving
 * changes that is what a person reading the clock on the wall expects: a 01:00–03:00 window
 * lasts one real hour on the night the clocks spring forward and three on the night they fall
 * back, and a window that starts inside the skipped hour starts when the clock jumps past it.
 *
 * Pure: the instant comes in as a parameter, answers are computed from it and the zone rules.
 */
import { DateTime, IANAZone } from "luxon";
import { parseTime, weekdayOf } from "../desired/civil-date.js";
import { syncWindowProblems } from "../desired/config-checks.js";
import type { SyncWindowDocument } from "../desired/documents.js";
import { WEEKDAYS } from "../desired/schedule.js";
import { ZoneClock } from "../desired/zone-clock.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A weekly pattern repeats within a week; one more day covers the zone-offset slack. */
const HORIZON_MS = 8 * DAY;

export interface SyncWindowState {
  denied: boolean;
  /** The window that denies writes (the first listed, when several do). */
  window?: SyncWindowDocument;
  /** When writes are allowed again: the end of this window and any window touching it. */
  until?: DateTime;
}

interface CompiledWindow {
  doc: SyncWindowDocument;
  zone: IANAZone;
  /** Weekday indexes, 0 = MON (civil-date's numbering). */
  days: ReadonlySet<number>;
  /** Minutes after local midnight; start inclusive, end exclusive. */
  start: number;
  end: number;
}

function compile(doc: SyncWindowDocument): CompiledWindow {
  // The same checks validate reports (DW110, DW170), so a valid dialwindow.yaml never fails here.
  const problem = syncWindowProblems(doc, [])[0];
  if (problem) throw new RangeError(`reconcile.syncWindows: ${problem.message}`);
  const zone = IANAZone.create(doc.timezone);
  const start = parseTime(doc.start) as number;
  const end = parseTime(doc.end) as number;
  const days = new Set<number>();
  for (const day of doc.days) {
    const index = WEEKDAYS.indexOf(day);
    if (index < 0) throw new RangeError(`sync window: not a weekday: ${day}`);
    days.add(index);
  }
  return { doc, zone, days, start, end };
}

function contains(w: CompiledWindow, ms: number): boolean {
  const local = ms + w.zone.offset(ms) * MINUTE;
  const day = Math.floor(local / DAY);
  const minute = Math.floor((local - day * DAY) / MINUTE);
  return w.days.has(weekdayOf(day)) && minute >= w.start && minute < w.end;
}

/**
 * Every instant in (fromMs, toMs] where the window's membership can change: each real
 * occurrence of a start or end wall time on a listed day (none inside a skipped hour, two
 * inside a repeated one), and each offset change of the zone (where the clock jumps over a
 * boundary instead of passing it).
 */
function breakpoints(w: CompiledWindow, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const firstDay = Math.floor((fromMs + w.zone.offset(fromMs) * MINUTE) / DAY) - 1;
  const lastDay = Math.floor((toMs + w.zone.offset(toMs) * MINUTE) / DAY) + 1;
  for (let day = firstDay; day <= lastDay; day++) {
    if (!w.days.has(weekdayOf(day))) continue;
    for (const minute of [w.start, w.end]) {
      const wall = day * DAY + minute * MINUTE;
      // The offsets a day either side of the wall time cover both sides of any change near it.
      const offsets = new Set([w.zone.offset(wall - DAY), w.zone.offset(wall + DAY)]);
      for (const offset of offsets) {
        const instant = wall - offset * MINUTE;
        if (w.zone.offset(instant) === offset && instant > fromMs && instant <= toMs) out.push(instant);
      }
    }
  }
  for (const t of new ZoneClock(w.zone.name, fromMs, toMs).transitions()) {
    if (t > fromMs && t <= toMs) out.push(t);
  }
  return out;
}

export class SyncWindows {
  readonly #windows: readonly CompiledWindow[];

  /** Throws RangeError on a window that validation would have refused (bad zone, time or day). */
  constructor(windows: readonly SyncWindowDocument[]) {
    this.#windows = windows.map(compile);
  }

  get size(): number {
    return this.#windows.length;
  }

  /** Whether writes are denied at `at`, by which window, and until when. */
  check(at: DateTime): SyncWindowState {
    const ms = instantOf(at);
    const window = this.#windows.find((w) => contains(w, ms));
    if (window === undefined) return { denied: false };
    const until = this.#nextChangeMs(ms, true);
    return until === undefined
      ? { denied: true, window: window.doc }
      : { denied: true, window: window.doc, until: DateTime.fromMillis(until, { zone: at.zone }) };
  }

  /**
   * The next instant after `at` when writes flip between allowed and denied, in `at`'s zone;
   * undefined when they never do (no windows).
   */
  nextChange(at: DateTime): DateTime | undefined {
    const ms = instantOf(at);
    const next = this.#nextChangeMs(ms, this.#denied(ms));
    return next === undefined ? undefined : DateTime.fromMillis(next, { zone: at.zone });
  }

  #denied(ms: number): boolean {
    return this.#windows.some((w) => contains(w, ms));
  }

  #nextChangeMs(fromMs: number, deniedNow: boolean): number | undefined {
    const toMs = fromMs + HORIZON_MS;
    const candidates = [...new Set(this.#windows.flatMap((w) => breakpoints(w, fromMs, toMs)))].sort(
      (a, b) => a - b,
    );
    // Membership only changes at a breakpoint and holds from it ([start, end) intervals), so
    // the first breakpoint with the other answer is the change.
    return candidates.find((t) => this.#denied(t) !== deniedNow);
  }
}

function instantOf(at: DateTime): number {
  if (!at.isValid) throw new RangeError(`sync windows: invalid instant (${at.invalidReason ?? "unknown"})`);
  return at.toMillis();
}
