/**
 * `dialwindow preview`: every campaign's effective schedule for the coming weeks as one
 * self-contained HTML page, the artifact a reviewer opens from CI. Everything is inline (no
 * network, no script or font from elsewhere), a Content-Security-Policy forbids any request
 * the page could be tricked into making, and every value from a file is HTML-escaped.
 */
import { createHash } from "node:crypto";
import { formatDate, formatTime, weekdayName, weekdayOf } from "../desired/civil-date.js";
import { dayKind, windowsOn } from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import type { PolicyRule } from "../desired/policy.js";
import type { ZoneClocks } from "../desired/zone-clock.js";
import { CELL_MINUTES, legalCells } from "./legal-hours.js";

export interface PreviewInput {
  campaigns: readonly CampaignSchedule[];
  rules: readonly PolicyRule[] | undefined;
  clocks: ZoneClocks;
  /** Today in each zone (day number). */
  today: (zone: string) => number;
  weeks: number;
  /** For the page header: revision and when it was made. */
  revision: string | null;
  generatedAt: string;
  /** Findings per campaign file, shown beside the campaign (e.g. calling-hours violations). */
  problems: ReadonlyMap<string, readonly string[]>;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"'`]/g,
    (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[c] as string,
  );
}

const pct = (minutes: number) => `${((minutes / 1440) * 100).toFixed(3)}%`;

/** Runs of legal half hours as [start, end) minutes. */
function legalRuns(cells: readonly boolean[]): { start: number; end: number }[] {
  const runs: { start: number; end: number }[] = [];
  cells.forEach((ok, k) => {
    if (!ok) return;
    const last = runs[runs.length - 1];
    if (last && last.end === k * CELL_MINUTES) last.end += CELL_MINUTES;
    else runs.push({ start: k * CELL_MINUTES, end: (k + 1) * CELL_MINUTES });
  });
  return runs;
}

function dayCell(c: CampaignSchedule, input: PreviewInput, day: number, today: number): string {
  const kind = dayKind(c, day);
  const windows = windowsOn(c, day);
  const legal = legalCells(c, input.rules, input.clocks, day);
  const outside = (w: { start: number; end: number }): boolean =>
    legal?.some((ok, k) => !ok && w.start < (k + 1) * CELL_MINUTES && w.end > k * CELL_MINUTES) ?? false;
  const classes = ["day", kind.kind, day < today ? "past" : "", day === today ? "today" : ""].filter(Boolean);
  const band = (legal ? legalRuns(legal) : [])
    .map((r) => `<span class="legal" style="left:${pct(r.start)};width:${pct(r.end - r.start)}"></span>`)
    .join("");
  const bars = windows
    .map(
      (w) =>
        `<span class="win${outside(w) ? " bad" : ""}" style="left:${pct(w.start)};width:${pct(w.end - w.start)}" title="${formatTime(w.start)}–${formatTime(w.end)}"></span>`,
    )
    .join("");
  const times =
    windows.length === 0
      ? "no dialing"
      : windows.map((w) => `${formatTime(w.start)}–${formatTime(w.end)}`).join(", ");
  const why =
    kind.kind === "weekly"
      ? ""
      : `<div class="why">${kind.kind === "holiday" ? "holiday" : "override"}: ${escapeHtml(kind.name)}</div>`;
  return `<td class="${classes.join(" ")}" data-date="${formatDate(day)}"><div class="date">${weekdayName(day)} ${formatDate(day).slice(5)}</div><div class="bar">${band}${bars}</div><div class="times">${times}</div>${why}</td>`;
}

function campaignSection(c: CampaignSchedule, input: PreviewInput): string {
  const today = input.today(c.timezone);
  const monday = today - weekdayOf(today);
  const rows: string[] = [];
  for (let w = 0; w < input.weeks; w++) {
    const cells: string[] = [];
    for (let i = 0; i < 7; i++) cells.push(dayCell(c, input, monday + w * 7 + i, today));
    rows.push(`<tr>${cells.join("")}</tr>`);
  }
  const labels = Object.entries(c.labels).map(([k, v]) => `${k}=${v}`);
  const problems = input.problems.get(c.file) ?? [];
  return [
    `<section class="campaign" data-labels="${escapeHtml(JSON.stringify(labels))}" data-name="${escapeHtml(c.name)}">`,
    `<h2>${escapeHtml(c.name)} <small>${escapeHtml(c.campaignId)}</small></h2>`,
    `<p class="meta">${escapeHtml(c.file)} · ${escapeHtml(c.timezone)} · recipients in ${escapeHtml(c.recipientZones.join(", "))}${c.regions.length ? ` (${escapeHtml(c.regions.join(", "))})` : ""}${labels.map((l) => ` <span class="label">${escapeHtml(l)}</span>`).join("")}</p>`,
    ...problems.map((p) => `<p class="problem">${escapeHtml(p)}</p>`),
    `<table class="calendar"><thead><tr>${["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"].map((d) => `<th>${d}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`,
    "</section>",
  ].join("\n");
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.5rem 0 .25rem}h2 small{color:#59636e;font-weight:normal}
.meta{color:#59636e;margin:.25rem 0 .5rem}.label{background:#ddf4ff;border-radius:1em;padding:0 .5em;margin-left:.25em;color:#0969da}
.problem{color:#d1242f;margin:.25rem 0}
.legend span{display:inline-block;width:1.5em;height:.8em;vertical-align:middle;margin:0 .3em 0 1em;border-radius:2px}
table.calendar{border-collapse:collapse;width:100%;table-layout:fixed}
th{font-weight:600;color:#59636e;text-align:left;padding:2px 4px}
td.day{border:1px solid #d1d9e0;padding:3px 4px;vertical-align:top}
td.past{opacity:.45}td.today{outline:2px solid #0969da}
td.holiday{background:#fff8c5}td.override{background:#fbefff}
.date{font-size:12px;color:#59636e}.times{font-size:11px}.why{font-size:11px;font-weight:600}
.bar{position:relative;height:12px;background:#eee;border-radius:2px;margin:2px 0;overflow:hidden}
.bar span{position:absolute;top:0;bottom:0}.legal,.legend .legal{background:#b4e9c0}
.win,.legend .win{background:#1a7f37;top:2px!important;bottom:2px!important}.win.bad,.legend .bad{background:#d1242f}
.hidden{display:none}
`;

// Filters campaigns by label, in the page: no request, no library.
const SCRIPT = `
const select = document.getElementById("label");
const sections = [...document.querySelectorAll("section.campaign")];
const labels = new Set(sections.flatMap((s) => JSON.parse(s.dataset.labels)));
for (const l of [...labels].sort()) select.add(new Option(l, l));
function apply() {
  let shown = 0;
  for (const s of sections) {
    const ok = select.value === "" || JSON.parse(s.dataset.labels).includes(select.value);
    s.classList.toggle("hidden", !ok);
    if (ok) shown++;
  }
  document.getElementById("count").textContent = shown + " of " + sections.length + " campaigns";
}
select.addEventListener("change", apply);
apply();
`;

/** Problems of files that no drawn campaign comes from (a file that does not even parse). */
function strayProblems(input: PreviewInput, campaigns: readonly CampaignSchedule[]): string {
  const files = new Set(campaigns.map((c) => c.file));
  const stray = [...input.problems].filter(([file]) => !files.has(file)).flatMap(([, list]) => list);
  if (stray.length === 0) return "";
  return `<div class="problems"><h2>Not shown: files that do not validate</h2>${stray.map((p) => `<p class="problem">${escapeHtml(p)}</p>`).join("")}</div>\n`;
}

export function renderPreview(input: PreviewInput): string {
  const scriptHash = createHash("sha256").update(SCRIPT).digest("base64");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'`;
  const campaigns = [...input.campaigns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dialwindow preview</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Dialing schedules, ${input.weeks} weeks</h1>
<p class="meta">${input.revision ? `revision ${escapeHtml(input.revision)} · ` : ""}generated ${escapeHtml(input.generatedAt)} · dates and times in each campaign's own zone</p>
<p class="legend"><span class="win"></span>dialing <span class="bad"></span>dialing outside the recipients' legal calling hours <span class="legal"></span>legal calling hours (all recipients) · yellow: holiday · violet: override</p>
${strayProblems(input, campaigns)}<p><label>Label <select id="label"><option value="">all</option></select></label> <span id="count">${campaigns.length} campaigns</span></p>
${campaigns.map((c) => campaignSection(c, input)).join("\n")}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
