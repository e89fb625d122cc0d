/**
 * `diff` as people and programs read it: terminal text, Markdown for a pull-request comment
 * (GitHub-flavoured: tables, fenced blocks, alerts), and a stable JSON document. Long outputs
 * are cut with a count; JSON never is.
 *
 * One file although long: three renderings of one document, kept side by side so they agree.
 */
import { formatTime } from "../desired/civil-date.js";
import type { Finding } from "../desired/findings.js";
import type {
  CalendarChange,
  CampaignDiff,
  DateChange,
  DayCause,
  FindingChange,
  Interval,
  WeekHours,
} from "./compare.js";
import type { ReviewResult } from "./review.js";
import { GRID_LEGEND, weekGrid } from "./week-grid.js";

/** Campaigns drawn in full; the rest get one line each. */
const FULL_CAMPAIGNS = 10;
/** Dates listed per campaign. */
const DATES_SHOWN = 12;
/** Findings listed per group. */
const FINDINGS_SHOWN = 20;

const SYMBOL: Record<CampaignDiff["status"], string> = {
  changed: "~",
  added: "+",
  removed: "-",
  "no-effect": "→",
};

export const DIFF_FORMAT_VERSION = 1;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function windowsText(list: readonly Interval[]): string {
  return list.length === 0
    ? "no dialing"
    : list.map((w) => `${formatTime(w.start)}–${formatTime(w.end)}`).join(", ");
}

function causeText(c: DayCause): string {
  return c.kind === "weekly"
    ? "weekly hours"
    : c.kind === "holiday"
      ? `holiday: ${c.name}`
      : `override ${c.name}`;
}

function why(d: DateChange): string {
  const was = causeText(d.beforeCause);
  const now = causeText(d.afterCause);
  return was === now ? now : `${was} → ${now}`;
}

function hours(minutes: number): string {
  return `${(minutes / 60).toFixed(1)} h`;
}

function signedHours(minutes: number): string {
  return `${minutes > 0 ? "+" : minutes < 0 ? "−" : "±"}${hours(Math.abs(minutes))}`;
}

/**
 * Dialing gained or lost per week, in one line: "44.0 h → 47.5 h (+3.5 h) every week", or
 * grouped by the size of the change when weeks differ (holiday weeks, overrides).
 */
export function weekLine(weeks: readonly WeekHours[]): string | undefined {
  const changed = weeks.filter((w) => w.beforeMinutes !== w.afterMinutes);
  if (changed.length === 0) return undefined;
  const span = (w: WeekHours) => `${hours(w.beforeMinutes)} → ${hours(w.afterMinutes)}`;
  const first = weeks[0] as WeekHours;
  if (weeks.every((w) => w.beforeMinutes === first.beforeMinutes && w.afterMinutes === first.afterMinutes)) {
    return `${span(first)} (${signedHours(first.afterMinutes - first.beforeMinutes)}) every week`;
  }
  const groups = new Map<number, WeekHours[]>();
  for (const w of changed) {
    const delta = w.afterMinutes - w.beforeMinutes;
    groups.set(delta, [...(groups.get(delta) ?? []), w]);
  }
  const parts = [...groups].map(
    ([delta, list]) =>
      `${signedHours(delta)} in ${list.length} of ${weeks.length} weeks (${span(list[0] as WeekHours)} in the week of ${(list[0] as WeekHours).from})`,
  );
  const same = weeks.length - changed.length;
  if (same > 0) parts.push(`unchanged in ${same}`);
  return parts.join("; ");
}

function calendarLine(c: CalendarChange): string {
  const what = c.kind === "holiday" ? `holiday ${c.name}` : `override ${c.name}`;
  const dates =
    c.dates.length > 4
      ? `${c.dates.slice(0, 4).join(", ")} and ${c.dates.length - 4} more`
      : c.dates.join(", ");
  return `${c.change === "starts" ? "+" : "-"} ${what} ${c.change === "starts" ? "now applies" : "no longer applies"} on ${dates}`;
}

function campaignTitle(d: CampaignDiff): string {
  const moved = d.previous
    ? d.previous.name !== d.name
      ? ` (renamed from ${d.previous.name}${d.previous.file !== d.file ? `, ${d.previous.file}` : ""})`
      : ` (moved from ${d.previous.file})`
    : "";
  return `${d.name} (${d.campaignId})${moved}`;
}

/** "−6.0 h over 8 weeks": the dialing time gained or lost over the whole horizon. */
function horizonDelta(d: CampaignDiff): string {
  const minutes = d.weeks.reduce((s, x) => s + x.afterMinutes - x.beforeMinutes, 0);
  return `${signedHours(minutes)} of dialing over ${plural(d.weeks.length, "week")}`;
}

function summary(result: ReviewResult): string {
  const count = (s: CampaignDiff["status"]) => result.diff.campaigns.filter((c) => c.status === s).length;
  const parts = [`${count("changed")} changed`, `${count("added")} added`, `${count("removed")} removed`];
  const renamed = result.diff.campaigns.filter((c) => c.previous).length;
  if (renamed > 0) parts.push(`${renamed} renamed or moved`);
  const noEffect = result.files.filter((f) => !f.effect).length;
  const files = noEffect > 0 ? `; ${plural(noEffect, "file")} changed with no effect` : "";
  return `${parts.join(", ")}${files}`;
}

function findingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.col}: ${f.severity} ${f.code} ${f.rule}: ${f.message}`;
}

function cut<T>(list: readonly T[], n: number): { shown: readonly T[]; more: number } {
  return { shown: list.slice(0, n), more: Math.max(0, list.length - n) };
}

// ---------------------------------------------------------------- text

export function renderDiffText(result: ReviewResult, clean: (s: string) => string = (s) => s): string {
  const { diff } = result;
  const out: string[] = [
    `dialwindow diff: ${clean(result.base.label)} → ${clean(result.head.label)}`,
    `Horizon: ${plural(diff.horizon.weeks, "week")} from ${diff.horizon.from ?? "today"} (dates and times in each campaign's own zone)`,
    "",
  ];
  const configFrom = result.head.validation.configFrom;
  if (configFrom) out.push(clean(configFrom.message), "");
  const newLaw = diff.findings.appeared.filter((f) => f.callingHours);
  if (newLaw.length > 0) {
    out.push(`⚠ New calling-hours violations (${newLaw.length}):`);
    const { shown, more } = cut(newLaw, FINDINGS_SHOWN);
    for (const f of shown) out.push(`    ${clean(findingLine(f.finding))}`);
    if (more > 0) out.push(`    … and ${more} more (diff --format json lists them all)`);
    out.push("");
  }
  const effective = diff.campaigns.filter((c) => c.status !== "no-effect");
  if (effective.length === 0)
    out.push("No effective change: every campaign dials exactly as before over the horizon.", "");
  effective.forEach((d, i) => {
    if (i >= FULL_CAMPAIGNS) return;
    out.push(`${SYMBOL[d.status]} ${clean(campaignTitle(d))}  ${clean(d.file)}  (${clean(d.timezone)})`);
    for (const a of d.attributes)
      out.push(`    ${a.field}: ${clean(a.before || "(none)")} → ${clean(a.after || "(none)")}`);
    const week = weekLine(d.weeks);
    if (week) out.push(`    dialing per week: ${week}`);
    for (const c of d.calendar) out.push(`    ${clean(calendarLine(c))}`);
    const { shown, more } = cut(d.dates, DATES_SHOWN);
    if (shown.length > 0) out.push(`    dates that change (${d.dates.length}):`);
    for (const x of shown)
      out.push(
        `      ${x.weekday} ${x.date}  ${windowsText(x.before)} → ${windowsText(x.after)}  (${clean(why(x))})`,
      );
    if (more > 0) out.push(`      … and ${more} more dates`);
    const grid = result.grids.get(d.campaignId);
    if (grid) {
      out.push("");
      for (const line of weekGrid(grid.days)) out.push(`    ${line}`);
    }
    out.push("");
  });
  if (effective.length > FULL_CAMPAIGNS) {
    out.push(`… and ${effective.length - FULL_CAMPAIGNS} more campaigns with changes:`);
    for (const d of effective.slice(FULL_CAMPAIGNS))
      out.push(
        `    ${SYMBOL[d.status]} ${clean(d.name)}  ${plural(d.dates.length, "date")}, ${horizonDelta(d)}`,
      );
    out.push("");
  }
  if (effective.some((d) => result.grids.has(d.campaignId))) out.push(`Legend: ${GRID_LEGEND}`, "");
  const renamedOnly = diff.campaigns.filter((c) => c.status === "no-effect");
  for (const d of renamedOnly) out.push(`→ ${clean(campaignTitle(d))}: no effect`);
  if (renamedOnly.length > 0) out.push("");
  findingGroup(
    out,
    "Other new findings",
    diff.findings.appeared.filter((f) => !f.callingHours),
    clean,
  );
  findingGroup(out, "Findings resolved", diff.findings.disappeared, clean);
  if (result.files.length > 0) {
    out.push("Files changed:");
    for (const f of result.files) out.push(`    ${clean(fileLine(f))}`);
    out.push("");
  }
  out.push(`Diff: ${summary(result)}.`);
  return `${out.join("\n")}\n`;
}

function findingGroup(
  out: string[],
  title: string,
  list: readonly FindingChange[],
  clean: (s: string) => string,
): void {
  if (list.length === 0) return;
  out.push(`${title} (${list.length}):`);
  const { shown, more } = cut(list, FINDINGS_SHOWN);
  for (const f of shown) out.push(`    ${clean(findingLine(f.finding))}`);
  if (more > 0) out.push(`    … and ${more} more`);
  out.push("");
}

function fileLine(f: ReviewResult["files"][number]): string {
  const status = { added: "A", modified: "M", deleted: "D", renamed: "R" }[f.status];
  const name = f.from ? `${f.from} → ${f.file}` : f.file;
  return `${status} ${name}${f.effect ? "" : "  (no effect)"}`;
}

// ---------------------------------------------------------------- JSON

function interval(w: Interval) {
  return { start: formatTime(w.start), end: formatTime(w.end) };
}

/** A stable, versioned document: fields are added, never renamed or removed. */
export function diffJson(result: ReviewResult) {
  const { diff } = result;
  const finding = (f: FindingChange) => ({ ...f.finding, callingHours: f.callingHours });
  return {
    formatVersion: DIFF_FORMAT_VERSION,
    base: { revision: result.base.rev, label: result.base.label, valid: result.base.validation.valid },
    head: { revision: result.head.rev, label: result.head.label, valid: result.head.validation.valid },
    horizon: diff.horizon,
    changed: result.changed,
    ...(result.head.validation.configFrom ? { configFrom: result.head.validation.configFrom } : {}),
    campaigns: diff.campaigns.map((d) => ({
      ...d,
      dates: d.dates.map((x) => ({ ...x, before: x.before.map(interval), after: x.after.map(interval) })),
    })),
    findings: {
      appeared: diff.findings.appeared.map(finding),
      disappeared: diff.findings.disappeared.map(finding),
    },
    files: result.files,
  };
}

// ---------------------------------------------------------------- Markdown

export interface MarkdownEscapes {
  /** Prose and table cells: no markup, no HTML, no line breaks, no pipes. */
  text: (s: string) => string;
  /** An inline code span that no content can close. */
  code: (s: string) => string;
  /** A fenced block of these lines (info string "text"), that no line can close. */
  fence: (lines: readonly string[]) => string[];
}

export function renderDiffMarkdown(result: ReviewResult, md: MarkdownEscapes): string {
  const { diff } = result;
  const out: string[] = [
    "### dialwindow diff",
    "",
    `${md.text(result.base.label)} → ${md.text(result.head.label)} · ${plural(diff.horizon.weeks, "week")} from ${md.text(diff.horizon.from ?? "today")}, in each campaign's own zone`,
    "",
  ];
  const configFrom = result.head.validation.configFrom;
  if (configFrom) out.push(`> ${md.text(configFrom.message)}`, "");
  const newLaw = diff.findings.appeared.filter((f) => f.callingHours);
  if (newLaw.length > 0) {
    out.push("> [!CAUTION]", `> **${plural(newLaw.length, "new calling-hours violation")}**`, ">");
    const { shown, more } = cut(newLaw, FINDINGS_SHOWN);
    for (const f of shown) out.push(`> - ${mdFinding(f.finding, md)}`);
    if (more > 0) out.push(`> - … and ${more} more`);
    out.push("");
  }
  const effective = diff.campaigns.filter((c) => c.status !== "no-effect");
  if (effective.length === 0)
    out.push("**No effective change**: every campaign dials exactly as before over the horizon.", "");
  effective.forEach((d, i) => {
    if (i >= FULL_CAMPAIGNS) return;
    out.push(`#### ${SYMBOL[d.status]} ${md.text(campaignTitle(d))}`, "");
    const delta = d.weeks.length > 0 ? ` · ${horizonDelta(d)}` : "";
    out.push(`${md.code(d.file)} · ${md.text(d.timezone)}${delta}`, "");
    for (const a of d.attributes)
      out.push(`- ${md.code(a.field)}: ${md.text(a.before || "(none)")} → ${md.text(a.after || "(none)")}`);
    const week = weekLine(d.weeks);
    if (week) out.push(`- dialing per week: ${md.text(week)}`);
    for (const c of d.calendar) out.push(`- ${md.text(calendarLine(c))}`);
    if (d.attributes.length + d.calendar.length > 0 || week) out.push("");
    const { shown, more } = cut(d.dates, DATES_SHOWN);
    if (shown.length > 0) {
      out.push("| date | before | after | why |", "|---|---|---|---|");
      for (const x of shown)
        out.push(
          `| ${x.weekday} ${x.date} | ${windowsText(x.before)} | ${windowsText(x.after)} | ${md.text(why(x))} |`,
        );
      if (more > 0) out.push(`| … | ${more} more dates | | |`);
      out.push("");
    }
    const grid = result.grids.get(d.campaignId);
    if (grid) {
      out.push(...md.fence(weekGrid(grid.days)), "");
    }
  });
  if (effective.length > FULL_CAMPAIGNS) {
    out.push(
      `<details><summary>${effective.length - FULL_CAMPAIGNS} more campaigns with changes</summary>`,
      "",
    );
    for (const d of effective.slice(FULL_CAMPAIGNS))
      out.push(
        `- ${SYMBOL[d.status]} ${md.text(d.name)}: ${plural(d.dates.length, "date")}, ${horizonDelta(d)}`,
      );
    out.push("", "</details>", "");
  }
  if (effective.some((d) => result.grids.has(d.campaignId)))
    out.push(`<sub>${md.text(GRID_LEGEND)}</sub>`, "");
  for (const d of diff.campaigns.filter((c) => c.status === "no-effect"))
    out.push(`- → ${md.text(campaignTitle(d))}: no effect`);
  mdFindingGroup(
    out,
    "Other new findings",
    diff.findings.appeared.filter((f) => !f.callingHours),
    md,
  );
  mdFindingGroup(out, "Findings resolved", diff.findings.disappeared, md);
  if (result.files.length > 0) {
    out.push("", "<details><summary>Files changed</summary>", "");
    for (const f of result.files) out.push(`- ${md.text(fileLine(f))}`);
    out.push("", "</details>");
  }
  out.push("", `**Diff:** ${md.text(summary(result))}.`);
  return `${out.join("\n")}\n`;
}

function mdFinding(f: Finding, md: MarkdownEscapes): string {
  return `${md.code(`${f.file}:${f.line}:${f.col}`)} ${f.severity} ${f.code}: ${md.text(f.message)}`;
}

function mdFindingGroup(
  out: string[],
  title: string,
  list: readonly FindingChange[],
  md: MarkdownEscapes,
): void {
  if (list.length === 0) return;
  out.push("", `**${title}** (${list.length}):`, "");
  const { shown, more } = cut(list, FINDINGS_SHOWN);
  for (const f of shown) out.push(`- ${mdFinding(f.finding, md)}`);
  if (more > 0) out.push(`- … and ${more} more`);
}
