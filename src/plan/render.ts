/**
 * Plans as people read them: terminal text, and Markdown for a sticky pull-request comment.
 * Every value in a plan may come from outside (CXone's answers, file names, YAML), so each is
 * escaped for its format where it is placed (see escape/).
 */
import { DateTime } from "luxon";
import { type CurfewDiffEntry, describeBounding, describeCurfews } from "../desired/curfews.js";
import type { Transition } from "../desired/effective.js";
import { mdCode, mdFence, mdText } from "../escape/markdown.js";
import { safeText as t } from "../escape/text.js";
import { CAUSE_ORDER, type Cause } from "./cause.js";
import type { DiffEntry } from "./diff.js";
import type { Plan, PlannedChange } from "./plan.js";

const SYMBOL = { update: "~", noop: "=", error: "✗" } as const;

/** Transitions shown in the text plan; a fleet has thousands, and JSON lists every one. */
const TEXT_TRANSITIONS = 20;

/** "0123456789ab" or "0123456789ab-dirty": short, and never hides uncommitted changes. */
export function shortRevision(revision: string): string {
  return `${revision.slice(0, 12)}${revision.endsWith("-dirty") ? "-dirty" : ""}`;
}

function diffLine(d: DiffEntry): string {
  switch (d.path) {
    case "timezone":
      return `timezone  ${t(d.before)} → ${t(d.after)}`;
    case "scheduled":
      return "schedule  switched on (CXone does not apply it now: isScheduled is false)";
    case "dialingHours":
      return `${t(d.value.day)}  ${d.op === "add" ? "+" : "-"} ${t(d.value.startTime)}–${t(d.value.endTime)}`;
    case "pauseConditions":
      return `pause on  ${d.op === "add" ? "+" : "-"} ${t(d.value)}`;
  }
}

function curfewLine(d: CurfewDiffEntry, esc: (value: string) => string): string {
  return `curfew  ${d.op === "add" ? "+" : "-"} ${esc(describeBounding(d.value))}`;
}

/** The boundings a change leaves, when they change: "curfews then: …; every other zone inactive". */
function curfewLines(c: PlannedChange, esc: (value: string) => string): string[] {
  if (!c.curfews || c.curfews.diff.length === 0) return [];
  return [
    ...c.curfews.diff.map((d) => curfewLine(d, esc)),
    `curfews then: ${esc(describeCurfews(c.curfews.after))}`,
  ];
}

/** A transition's line, each value escaped with `esc` for the output format. */
function transitionLine(tr: Transition, esc: (value: string) => string): string {
  const local = DateTime.fromISO(tr.at, { setZone: true });
  const change =
    tr.after.length === 0
      ? "no dialing"
      : tr.after.map((h) => `${esc(h.startTime)}–${esc(h.endTime)}`).join(", ");
  return `${esc(local.toFormat("yyyy-LL-dd HH:mm ZZ"))}  ${esc(tr.name)}  ${esc(tr.day)} ${esc(tr.date)}: ${change} (${esc(tr.reason)})`;
}

function summaryLine(plan: Plan): string {
  const { update, noop, error } = plan.summary;
  const parts = [`${update} to update`, `${noop} unchanged`];
  if (error > 0) parts.push(`${error} ${error === 1 ? "error" : "errors"}`);
  return parts.join(", ");
}

/** What a plan says when it has no revision (`plan` knows whether a repository has no commit yet). */
export interface RevisionOptions {
  /** Default "not a git checkout". */
  noRevision?: string;
}

function header(
  plan: Plan,
  target: string | undefined,
  esc: (value: string) => string,
  options: RevisionOptions,
): string {
  const rev = plan.revision
    ? `revision ${esc(shortRevision(plan.revision))}`
    : (options.noRevision ?? "not a git checkout");
  return `desired state at ${esc(plan.at)} (${rev})${target ? ` against ${esc(target)}` : ""}`;
}

export function renderText(plan: Plan, options: { target?: string } & RevisionOptions = {}): string {
  const out: string[] = [`dialwindow plan: ${header(plan, options.target, t, options)}`, ""];
  if (plan.configFrom) out.push(t(plan.configFrom.message), "");
  const shown = plan.changes.filter((c) => c.action !== "noop");
  if (shown.length === 0) out.push("No changes. CXone matches the desired state.", "");
  for (const c of shown) {
    out.push(`${SYMBOL[c.action]} ${t(c.name)} (${t(c.campaignId)})  ${t(c.file)}`);
    if (c.action === "error") out.push(`    error: ${t(c.error ?? "unknown")}`);
    if (c.because) out.push(`    why: ${t(c.because)}`);
    for (const d of c.diff) out.push(`    ${diffLine(d)}`);
    for (const line of curfewLines(c, t)) out.push(`    ${line}`);
    out.push("");
  }
  if (plan.unmanaged && plan.unmanaged.length > 0) {
    out.push(`Unmanaged (in CXone, in no file): ${plan.unmanaged.length}`);
    for (const u of plan.unmanaged) out.push(`    ${t(u.campaignId)}${u.name ? `  ${t(u.name)}` : ""}`);
    out.push("");
  }
  if (plan.transitions.length > 0) {
    out.push("Upcoming transitions (holidays and overrides; each lands at local midnight):");
    for (const tr of plan.transitions.slice(0, TEXT_TRANSITIONS)) out.push(`    ${transitionLine(tr, t)}`);
    const more = plan.transitions.length - TEXT_TRANSITIONS;
    if (more > 0) out.push(`    … and ${more} more in the next 14 days (plan --format json lists them all)`);
    out.push("");
  }
  out.push(`Plan: ${summaryLine(plan)}.`);
  return `${out.join("\n")}\n`;
}

/** Lines for a ```diff block: each starts with - or + so GitHub colours it; mdFence escapes them. */
function diffLinesForMarkdown(d: DiffEntry): string[] {
  switch (d.path) {
    case "timezone":
      return [`- timezone ${d.before}`, `+ timezone ${d.after}`];
    case "scheduled":
      return ["- schedule not applied (isScheduled: false)", "+ schedule applied"];
    case "dialingHours":
      return [`${d.op === "add" ? "+" : "-"} ${d.value.day} ${d.value.startTime}–${d.value.endTime}`];
    case "pauseConditions":
      return [`${d.op === "add" ? "+" : "-"} pause on ${d.value}`];
  }
}

/** Marks the comment so a CI step can find and update it instead of adding another. */
export const MARKDOWN_MARKER = "<!-- dialwindow-plan -->";

function describeChange(c: PlannedChange): string {
  if (c.action === "error") return mdText(c.error ?? "error");
  if (c.action === "noop") return "no change";
  const windows = c.diff.filter((d) => d.path === "dialingHours").length;
  const parts: string[] = [];
  if (windows > 0) parts.push(`${windows} window ${windows === 1 ? "line" : "lines"}`);
  if (c.diff.some((d) => d.path === "pauseConditions")) parts.push("pause conditions");
  if (c.diff.some((d) => d.path === "timezone")) parts.push("time zone");
  if (c.diff.some((d) => d.path === "scheduled")) parts.push("schedule switched on");
  if (c.curfews && c.curfews.diff.length > 0) parts.push("curfews (recipient time-zone boundings)");
  return parts.join(", ");
}

const CAUSE_TITLES: Record<Cause, string> = {
  desired: "Changed in this revision",
  drift: "Changed by hand in CXone (drift)",
  transition: "Moved by a holiday, override or clock change",
  unattributed: "Different in CXone",
};

/** Updates grouped by cause in CAUSE_ORDER (the pull request's own change first), then errors. */
function groupByCause(shown: readonly PlannedChange[]): { title: string; changes: PlannedChange[] }[] {
  const groups = CAUSE_ORDER.map((cause) => ({
    title: CAUSE_TITLES[cause],
    changes: shown.filter((c) => c.action === "update" && (c.cause ?? "unattributed") === cause),
  }));
  groups.push({ title: "Errors", changes: shown.filter((c) => c.action === "error") });
  return groups.filter((g) => g.changes.length > 0);
}

/**
 * Summary tables first (one per cause), details collapsed; long plans are cut with a count of what was left
 * out, so the comment stays under GitHub's size limit.
 */
export function renderMarkdown(
  plan: Plan,
  options: { maxRows?: number; maxDetails?: number } & RevisionOptions = {},
): string {
  const maxRows = options.maxRows ?? 50;
  const maxDetails = options.maxDetails ?? 25;
  const out: string[] = [
    MARKDOWN_MARKER,
    `### dialwindow plan: ${summaryLine(plan)}`,
    "",
    header(plan, undefined, mdText, options),
    "",
    ...(plan.configFrom ? [`> ${mdText(plan.configFrom.message)}`, ""] : []),
  ];
  const shown = plan.changes.filter((c) => c.action !== "noop");
  if (shown.length === 0) {
    out.push("No changes: CXone already matches this desired state.");
  } else {
    let rows = 0;
    for (const group of groupByCause(shown)) {
      const visible = group.changes.slice(0, Math.max(0, maxRows - rows));
      rows += visible.length;
      if (visible.length === 0) continue;
      out.push(
        `#### ${group.title} (${group.changes.length})`,
        "",
        "| | campaign | file | change | why |",
        "|---|---|---|---|---|",
      );
      for (const c of visible) {
        out.push(
          `| ${SYMBOL[c.action]} | ${mdText(c.name)} ${mdCode(c.campaignId, { inTable: true })} | ${mdCode(c.file, { inTable: true })} | ${describeChange(c)} | ${mdText(c.because ?? "")} |`,
        );
      }
      out.push("");
    }
    if (shown.length > maxRows)
      out.push("", `…and ${shown.length - maxRows} more not shown; the job log has the full plan.`);
    const changed = (c: PlannedChange) => c.diff.length > 0 || (c.curfews?.diff.length ?? 0) > 0;
    const detailed = shown.filter(changed).slice(0, maxDetails);
    if (detailed.length > 0) {
      out.push("", "<details><summary>Window changes</summary>", "");
      for (const c of detailed) {
        out.push(`**${mdText(c.name)}** ${mdCode(c.campaignId)}`, "");
        const curfews = (c.curfews?.diff ?? []).map(
          (d) => `${d.op === "add" ? "+" : "-"} curfew ${describeBounding(d.value)}`,
        );
        out.push(...mdFence("diff", [...c.diff.flatMap(diffLinesForMarkdown), ...curfews]), "");
      }
      const rest = shown.filter(changed).length - detailed.length;
      if (rest > 0) out.push(`…and ${rest} more campaigns' details not shown.`, "");
      out.push("</details>");
    }
  }
  if (plan.transitions.length > 0) {
    out.push("", `<details><summary>Upcoming transitions (${plan.transitions.length})</summary>`, "");
    for (const tr of plan.transitions.slice(0, maxRows)) out.push(`- ${transitionLine(tr, mdText)}`);
    if (plan.transitions.length > maxRows) out.push(`- …and ${plan.transitions.length - maxRows} more`);
    out.push("", "</details>");
  }
  return `${out.join("\n")}\n`;
}
