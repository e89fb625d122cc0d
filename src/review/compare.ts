/**
 * What a change to the desired state does in real dialing time: two validated revisions in,
 * the difference of every campaign's effective schedule over a horizon of local dates out.
 * Pure: no git, no clock, no network. The caller picks the dates; this compares them.
 *
 * Campaigns are matched by CXone id, so a file that moved or a campaign that was renamed is
 * one campaign that changed its name or file, never a delete and an add.
 */

import { formatDate, weekdayName } from "../desired/civil-date.js";
import { dayKind, windowsOn } from "../desired/effective.js";
import type { Finding } from "../desired/findings.js";
import type { CampaignSchedule, LocalWindow } from "../desired/model.js";
import type { Weekday } from "../desired/schedule.js";

/** One revision of the desired state, as compare needs it. */
export interface ReviewSide {
  /** Campaigns that could be built (passed structure and rules), law-breaking ones included. */
  campaigns: readonly CampaignSchedule[];
  findings: readonly Finding[];
}

export interface Interval {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

export type DayCause =
  | { kind: "weekly" }
  | { kind: "holiday"; name: string }
  | { kind: "override"; name: string };

/** One local date whose windows differ. */
export interface DateChange {
  date: string;
  weekday: Weekday;
  before: Interval[];
  after: Interval[];
  beforeCause: DayCause;
  afterCause: DayCause;
}

/** Minutes of dialing in one 7-day block of the horizon. */
export interface WeekHours {
  /** First local date of the block. */
  from: string;
  beforeMinutes: number;
  afterMinutes: number;
}

/** A holiday or override that starts or stops applying on some dates of the horizon. */
export interface CalendarChange {
  kind: "holiday" | "override";
  name: string;
  change: "starts" | "stops";
  dates: string[];
}

export interface AttributeChange {
  field: "timezone" | "pauseConditions" | "recipients.timezones" | "recipients.regions";
  before: string;
  after: string;
}

export type CampaignStatus = "changed" | "added" | "removed" | "no-effect";

export interface CampaignDiff {
  campaignId: string;
  name: string;
  file: string;
  status: CampaignStatus;
  /** When the name or file differs between the revisions (a rename or a move). */
  previous?: { name: string; file: string };
  /** The campaign's zone: dates and times are local to it (the head's, or the base's if removed). */
  timezone: string;
  attributes: AttributeChange[];
  dates: DateChange[];
  /** Every 7-day block of the horizon, when any date changed. */
  weeks: WeekHours[];
  calendar: CalendarChange[];
}

export interface FindingChange {
  finding: Finding;
  /** A calling-hours violation (DW200-DW202): called out first. */
  callingHours: boolean;
}

export interface ReviewDiff {
  horizon: { from: string | undefined; weeks: number };
  campaigns: CampaignDiff[];
  findings: { appeared: FindingChange[]; disappeared: FindingChange[] };
}

export interface CompareOptions {
  /** First local date of the horizon per campaign zone (day number); see horizonStart. */
  firstDay: (zone: string) => number;
  weeks: number;
  /** The --from date, when one was given (for the output). */
  from?: string;
  /** Rename map: head file -> base file, from git, so findings of a moved file still match. */
  renamedFiles?: ReadonlyMap<string, string>;
}

const CALLING_HOURS = new Set(["DW200", "DW201", "DW202"]);

export function compareRevisions(base: ReviewSide, head: ReviewSide, options: CompareOptions): ReviewDiff {
  const before = byId(base.campaigns);
  const after = byId(head.campaigns);
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  const campaigns = ids
    .map((id) => compareCampaign(before.get(id), after.get(id), options))
    .filter((d): d is CampaignDiff => d !== undefined)
    .sort((a, b) => statusOrder(a) - statusOrder(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    horizon: { from: options.from, weeks: options.weeks },
    campaigns,
    findings: compareFindings(base.findings, head.findings, options.renamedFiles ?? new Map()),
  };
}

function statusOrder(d: CampaignDiff): number {
  return { changed: 0, added: 1, removed: 2, "no-effect": 3 }[d.status];
}

function byId(campaigns: readonly CampaignSchedule[]): Map<string, CampaignSchedule> {
  return new Map(campaigns.map((c) => [c.campaignId, c]));
}

function intervals(windows: readonly LocalWindow[]): Interval[] {
  return windows.map((w) => ({ start: w.start, end: w.end }));
}

export function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((w, i) => w.start === b[i]?.start && w.end === b[i]?.end);
}

function minutes(list: readonly Interval[]): number {
  return list.reduce((sum, w) => sum + (w.end - w.start), 0);
}

function cause(c: CampaignSchedule | undefined, day: number): DayCause {
  return c ? dayKind(c, day) : { kind: "weekly" };
}

function windowsOf(c: CampaignSchedule | undefined, day: number): Interval[] {
  return c ? intervals(windowsOn(c, day)) : [];
}

function compareCampaign(
  b: CampaignSchedule | undefined,
  a: CampaignSchedule | undefined,
  options: CompareOptions,
): CampaignDiff | undefined {
  const c = (a ?? b) as CampaignSchedule;
  const first = options.firstDay(c.timezone);
  const dates: DateChange[] = [];
  const weeks: WeekHours[] = [];
  const calendar = new Map<string, CalendarChange>();
  const note = (k: DayCause, change: "starts" | "stops", day: number) => {
    if (k.kind === "weekly") return;
    const key = `${k.kind}|${k.name}|${change}`;
    const entry = calendar.get(key) ?? { kind: k.kind, name: k.name, change, dates: [] };
    entry.dates.push(formatDate(day));
    calendar.set(key, entry);
  };
  for (let w = 0; w < options.weeks; w++) {
    let beforeMinutes = 0;
    let afterMinutes = 0;
    for (let i = 0; i < 7; i++) {
      const day = first + w * 7 + i;
      const was = windowsOf(b, day);
      const now = windowsOf(a, day);
      beforeMinutes += minutes(was);
      afterMinutes += minutes(now);
      const wasCause = cause(b, day);
      const nowCause = cause(a, day);
      if (!sameCause(wasCause, nowCause)) {
        note(wasCause, "stops", day);
        note(nowCause, "starts", day);
      }
      if (!sameIntervals(was, now)) {
        dates.push({
          date: formatDate(day),
          weekday: weekdayName(day),
          before: was,
          after: now,
          beforeCause: wasCause,
          afterCause: nowCause,
        });
      }
    }
    weeks.push({ from: formatDate(first + w * 7), beforeMinutes, afterMinutes });
  }
  const attributes = b && a ? compareAttributes(b, a) : [];
  const moved = b && a && (b.name !== a.name || b.file !== a.file);
  const effective = dates.length > 0 || attributes.length > 0 || calendar.size > 0;
  const status: CampaignStatus = !b ? "added" : !a ? "removed" : effective ? "changed" : "no-effect";
  if (status === "no-effect" && !moved) return undefined;
  return {
    campaignId: c.campaignId,
    name: c.name,
    file: c.file,
    status,
    ...(moved ? { previous: { name: b.name, file: b.file } } : {}),
    timezone: c.timezone,
    attributes,
    dates,
    weeks: dates.length > 0 || !a || !b ? weeks : [],
    calendar: [...calendar.values()],
  };
}

function sameCause(x: DayCause, y: DayCause): boolean {
  return x.kind === y.kind && (x.kind === "weekly" || x.name === (y as { name: string }).name);
}

function compareAttributes(b: CampaignSchedule, a: CampaignSchedule): AttributeChange[] {
  const out: AttributeChange[] = [];
  const add = (field: AttributeChange["field"], x: string, y: string) => {
    if (x !== y) out.push({ field, before: x, after: y });
  };
  add("timezone", b.timezone, a.timezone);
  add("pauseConditions", [...b.pauseConditions].join(", "), [...a.pauseConditions].join(", "));
  add(
    "recipients.timezones",
    [...b.recipientZones].sort().join(", "),
    [...a.recipientZones].sort().join(", "),
  );
  add("recipients.regions", [...b.regions].sort().join(", "), [...a.regions].sort().join(", "));
  return out;
}

/**
 * Findings keyed by what they say, not where: a line that moved is not a new problem. A file
 * that git saw renamed is read under its old name.
 */
function compareFindings(
  base: readonly Finding[],
  head: readonly Finding[],
  renamed: ReadonlyMap<string, string>,
): ReviewDiff["findings"] {
  const key = (f: Finding, file: string) => `${f.code}|${file}|${f.message}`;
  const baseKeys = new Set(base.map((f) => key(f, f.file)));
  const headKeys = new Set(head.map((f) => key(f, renamed.get(f.file) ?? f.file)));
  const change = (f: Finding): FindingChange => ({ finding: f, callingHours: CALLING_HOURS.has(f.code) });
  const order = (x: FindingChange, y: FindingChange) =>
    Number(y.callingHours) - Number(x.callingHours) ||
    Number(y.finding.severity === "error") - Number(x.finding.severity === "error") ||
    (x.finding.file < y.finding.file
      ? -1
      : x.finding.file > y.finding.file
        ? 1
        : x.finding.line - y.finding.line);
  return {
    appeared: head
      .filter((f) => !baseKeys.has(key(f, renamed.get(f.file) ?? f.file)))
      .map(change)
      .sort(order),
    disappeared: base
      .filter((f) => !headKeys.has(key(f, f.file)))
      .map(change)
      .sort(order),
  };
}

/** Whether anything in the diff changes dialing (renames with no effect do not). */
export function hasEffectiveChange(diff: ReviewDiff): boolean {
  return (
    diff.campaigns.some((c) => c.status !== "no-effect") ||
    diff.findings.appeared.length > 0 ||
    diff.findings.disappeared.length > 0
  );
}
