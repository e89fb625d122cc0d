/**
 * A picture of one week of a campaign, before and after a change: days down, hours across,
 * one cell per half hour, with the recipients' legal calling hours drawn in. Plain Unicode, so
 * it reads the same in a terminal and in a fenced block of a GitHub comment.
 */
import { formatDate, weekdayName } from "../desired/civil-date.js";
import { type Interval, sameIntervals } from "./compare.js";
import { CELL_MINUTES, CELLS_PER_DAY } from "./legal-hours.js";

export const GRID_LEGEND =
  "█ dialing   ! dialing outside the legal calling hours   · legal hours, not dialing   (blank) outside legal hours   same: no change that day";

export interface GridDay {
  day: number;
  before: readonly Interval[] | undefined;
  after: readonly Interval[] | undefined;
  /** Half-hour legality per side; undefined when no calling-hours rule applies. */
  legalBefore: readonly boolean[] | undefined;
  legalAfter: readonly boolean[] | undefined;
  /** Why the date is not an ordinary week day ("holiday: Christmas Day"), for the margin. */
  note?: string;
}

function cells(windows: readonly Interval[] | undefined, legal: readonly boolean[] | undefined): string {
  let out = "";
  for (let k = 0; k < CELLS_PER_DAY; k++) {
    const from = k * CELL_MINUTES;
    const to = from + CELL_MINUTES;
    const dialing = (windows ?? []).some((w) => w.start < to && w.end > from);
    const ok = legal?.[k] ?? true;
    out += dialing ? (ok ? "█" : "!") : legal === undefined ? "·" : ok ? "·" : " ";
  }
  return out;
}

const HOURS_RULER = Array.from({ length: 8 }, (_, i) =>
  String(i * 3)
    .padStart(2, "0")
    .padEnd(6),
).join("");

/** The grid's lines (no trailing newline). A side that does not exist (added, removed) is left out. */
export function weekGrid(days: readonly GridDay[]): string[] {
  const label = (d: number) => `${weekdayName(d)} ${formatDate(d).slice(5)}`;
  const pad = " ".repeat(label(0).length);
  const lines = [`${pad}        ${HOURS_RULER.trimEnd()}`];
  for (const d of days) {
    const before = d.before === undefined ? undefined : cells(d.before, d.legalBefore);
    const after = d.after === undefined ? undefined : cells(d.after, d.legalAfter);
    const changed =
      before !== undefined && after !== undefined && !sameIntervals(d.before ?? [], d.after ?? []);
    const note = d.note ? ` ${d.note}` : "";
    if (before !== undefined && after !== undefined && !changed && before === after) {
      lines.push(`${label(d.day)} same   ${after}${note}`);
      continue;
    }
    if (before !== undefined) lines.push(`${label(d.day)} before ${before}`);
    if (after !== undefined) {
      lines.push(`${before === undefined ? label(d.day) : pad} after  ${after}${changed ? " ◀" : ""}${note}`);
    }
  }
  return lines;
}
