/**
 * Field-level difference between two wire schedules, on their normal forms: windows and pause
 * conditions are compared as sets, so ordering never shows up as a change.
 */
import {
  type DialingHour,
  normalizeSchedule,
  type PauseCondition,
  type Schedule,
} from "../desired/schedule.js";

export type DiffEntry =
  | { path: "timezone"; op: "replace"; before: string; after: string }
  /** CXone does not apply the live schedule (cxone-admin isScheduled false); the write switches it on. */
  | { path: "scheduled"; op: "replace"; before: boolean; after: boolean }
  | { path: "dialingHours"; op: "add" | "remove"; value: DialingHour }
  | { path: "pauseConditions"; op: "add" | "remove"; value: PauseCondition };

function hourKey(h: DialingHour): string {
  return `${h.day} ${h.startTime}-${h.endTime}`;
}

/** Entries in a stable order: timezone, then windows by weekday and time (removals first), then pause conditions. */
export function diffSchedules(before: Schedule, after: Schedule): DiffEntry[] {
  const a = normalizeSchedule(before);
  const b = normalizeSchedule(after);
  const out: DiffEntry[] = [];
  if (a.timezone !== b.timezone)
    out.push({ path: "timezone", op: "replace", before: a.timezone, after: b.timezone });
  if ((a.scheduled === false) !== (b.scheduled === false))
    out.push({
      path: "scheduled",
      op: "replace",
      before: a.scheduled !== false,
      after: b.scheduled !== false,
    });

  const beforeHours = new Map(a.dialingHours.map((h) => [hourKey(h), h]));
  const afterHours = new Map(b.dialingHours.map((h) => [hourKey(h), h]));
  // Walk both normalised lists in weekday order so a day's removals and additions sit together.
  const days = [...new Set([...a.dialingHours, ...b.dialingHours].map((h) => h.day))];
  const order = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
  days.sort((x, y) => order.indexOf(x) - order.indexOf(y));
  for (const day of days) {
    for (const h of a.dialingHours)
      if (h.day === day && !afterHours.has(hourKey(h)))
        out.push({ path: "dialingHours", op: "remove", value: h });
    for (const h of b.dialingHours)
      if (h.day === day && !beforeHours.has(hourKey(h)))
        out.push({ path: "dialingHours", op: "add", value: h });
  }

  for (const p of a.pauseConditions)
    if (!b.pauseConditions.includes(p)) out.push({ path: "pauseConditions", op: "remove", value: p });
  for (const p of b.pauseConditions)
    if (!a.pauseConditions.includes(p)) out.push({ path: "pauseConditions", op: "add", value: p });
  return out;
}
