/**
 * The normalised desired state the planner and the policy check work on, built from documents
 * that passed validation. Times are minutes after local midnight, dates are day numbers (see
 * civil-date.ts), weekdays are indexes 0 (MON) to 6 (SUN), windows are sorted.
 */

import { parseDate, parseTime } from "./civil-date.js";
import type { CurfewPlan } from "./curfews.js";
import {
  type CampaignScheduleDocument,
  type CurfewsMode,
  type DialingHoursDocument,
  type HolidayCalendarDocument,
  liveIdOf,
} from "./documents.js";
import { type PauseCondition, weekdayIndex } from "./schedule.js";
import type { DocPath, LoadedDocument } from "./source.js";

export interface LocalWindow {
  /** Minutes after local midnight; start < end <= 1439. */
  start: number;
  end: number;
  /** Where the window was written: the dialingHours entry it came from. */
  source: DocPath;
}

/** Windows per weekday, index 0 = MON; each list sorted by start. */
export type WeeklyWindows = readonly (readonly LocalWindow[])[];

export interface Override {
  name: string;
  /** Inclusive day numbers, local to the campaign's zone. */
  from: number;
  to: number;
  windows: WeeklyWindows;
  source: DocPath;
}

export interface CampaignSchedule {
  name: string;
  /** The CXone id: metadata.campaignId (tutorial) or metadata.skillId (cxone-admin). */
  campaignId: string;
  labels: Readonly<Record<string, string>>;
  /** Relative path of the file it was declared in. */
  file: string;
  document: LoadedDocument<CampaignScheduleDocument>;
  timezone: string;
  weekly: WeeklyWindows;
  pauseConditions: readonly PauseCondition[];
  recipientZones: readonly string[];
  /** Whether the file lists spec.recipients.timezones (else they default to [timezone]). */
  recipientsListed: boolean;
  regions: readonly string[];
  /** Local dates with no dialing (own dates and every referenced calendar's), with a name. */
  holidays: ReadonlyMap<number, string>;
  overrides: readonly Override[];
  /** spec.curfews, else policy.curfews: whether dialwindow keeps the skill's boundings. */
  curfewsMode: CurfewsMode;
  /**
   * Managed: the boundings the law gives (validate derives them, curfew-derivation.ts). Absent
   * for an unmanaged campaign, whose boundings are never read or written.
   */
  curfews?: CurfewPlan;
}

export interface HolidayCalendar {
  name: string;
  /** Day number -> holiday name. */
  holidays: ReadonlyMap<number, string>;
}

export function buildWeekly(entries: readonly DialingHoursDocument[], base: DocPath): WeeklyWindows {
  const days: LocalWindow[][] = [[], [], [], [], [], [], []];
  entries.forEach((entry, i) => {
    const start = parseTime(entry.start);
    const end = parseTime(entry.end);
    if (start === undefined || end === undefined) return;
    for (const day of new Set(entry.days)) {
      days[weekdayIndex(day)]?.push({ start, end, source: [...base, i] });
    }
  });
  for (const list of days) list.sort((a, b) => a.start - b.start || a.end - b.end);
  return days;
}

export function buildCalendar(doc: HolidayCalendarDocument): HolidayCalendar {
  const holidays = new Map<number, string>();
  for (const h of doc.spec.holidays) {
    const day = parseDate(h.date);
    if (day !== undefined) holidays.set(day, h.name);
  }
  return { name: doc.metadata.name, holidays };
}

/**
 * The normalised campaign. Assumes the document passed the semantic rules (valid times, dates,
 * known calendars); anything unparseable is skipped rather than guessed.
 */
export function buildCampaign(
  doc: LoadedDocument<CampaignScheduleDocument>,
  calendars: ReadonlyMap<string, HolidayCalendar>,
  /** policy.curfews: what a campaign without spec.curfews gets. */
  curfewsDefault: CurfewsMode = "unmanaged",
): CampaignSchedule {
  const { metadata, spec } = doc.value;
  const holidays = new Map<number, string>();
  for (const name of spec.holidays?.calendars ?? []) {
    for (const [day, title] of calendars.get(name)?.holidays ?? []) holidays.set(day, title);
  }
  for (const date of spec.holidays?.dates ?? []) {
    const day = parseDate(date);
    if (day !== undefined && !holidays.has(day)) holidays.set(day, "spec.holidays.dates");
  }
  const overrides: Override[] = [];
  (spec.overrides ?? []).forEach((o, i) => {
    const from = parseDate(o.from);
    const to = parseDate(o.to);
    if (from === undefined || to === undefined) return;
    overrides.push({
      name: o.name,
      from,
      to,
      windows: buildWeekly(o.dialingHours, ["spec", "overrides", i, "dialingHours"]),
      source: ["spec", "overrides", i],
    });
  });
  overrides.sort((a, b) => a.from - b.from);
  return {
    name: metadata.name,
    campaignId: liveIdOf(metadata) ?? "",
    labels: metadata.labels ?? {},
    file: doc.source.path,
    document: doc,
    timezone: spec.timezone,
    weekly: buildWeekly(spec.dialingHours, ["spec", "dialingHours"]),
    pauseConditions: [...new Set(spec.pauseConditions ?? [])].sort(),
    recipientZones: spec.recipients?.timezones ?? [spec.timezone],
    recipientsListed: spec.recipients?.timezones !== undefined,
    regions: spec.recipients?.regions ?? [],
    holidays,
    overrides,
    curfewsMode: spec.curfews ?? curfewsDefault,
  };
}
