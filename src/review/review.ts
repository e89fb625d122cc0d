/**
 * `diff`'s work: the desired state at two revisions, each validated as `validate` would, and
 * compared date by date over a horizon. No network, no credentials, no state directory: the
 * only things read are git and the files. Revisions other than the work tree are copied into
 * a scratch directory that is removed before returning.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DateTime } from "luxon";
import { parseDate, weekdayOf } from "../desired/civil-date.js";
import { dayIn, dayKind, windowsOn } from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import { loadTrustedConfig, type TrustedConfig } from "../desired/trusted-config.js";
import { type ValidationResult, validateDesiredState } from "../desired/validate.js";
import { ZoneClocks } from "../desired/zone-clock.js";
import { UsageError } from "../util/errors.js";
import { compareRevisions, hasEffectiveChange, type ReviewDiff } from "./compare.js";
import { legalCells } from "./legal-hours.js";
import {
  changedFiles,
  defaultBase,
  type FileChange,
  locateRepo,
  materializeRevision,
  type RepoLocation,
  resolveRevision,
} from "./revisions.js";
import type { GridDay } from "./week-grid.js";

export interface ReviewRequest {
  dir: string;
  base?: string;
  head?: string;
  /** First local date of the horizon (YYYY-MM-DD); default today in each campaign's zone. */
  from?: string;
  weeks: number;
  at: DateTime;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * --config-from REV: the head is validated with dialwindow.yaml's cxone, webhooks and audit
   * sections from REV, and the output says which of them the head changes (after merge).
   */
  configFrom?: string;
  /** Campaigns to compare; default all. */
  select?: (labels: Readonly<Record<string, string>>) => boolean;
}

export interface RevisionSide {
  /** Full commit id, or "work tree". */
  rev: string;
  /** For people: "3f2a9c1 (the merge base with origin/main)", "the work tree". */
  label: string;
  validation: ValidationResult;
}

export interface ChangedFile extends FileChange {
  /** Whether any campaign it declares, or any campaign at all for shared files, changed. */
  effect: boolean;
}

export interface ReviewResult {
  base: RevisionSide;
  head: RevisionSide;
  diff: ReviewDiff;
  files: ChangedFile[];
  /** A week picture per changed campaign, by campaign id. */
  grids: Map<string, { from: string; days: GridDay[] }>;
  changed: boolean;
}

export async function review(request: ReviewRequest): Promise<ReviewResult> {
  const loc = await locateRepo(request.dir);
  const fallback = request.base === undefined ? await defaultBase(loc) : undefined;
  const base = await resolveRevision(loc, request.base ?? (fallback?.rev as string), "--base");
  const baseWhy = fallback?.why;
  const head = request.head === undefined ? undefined : await resolveRevision(loc, request.head, "--head");
  if (request.from !== undefined && parseDate(request.from) === undefined) {
    throw new UsageError(
      `--from ${JSON.stringify(request.from)} is not a date; write YYYY-MM-DD, e.g. --from 2026-12-07.`,
    );
  }
  const trustedConfig =
    request.configFrom === undefined ? undefined : await loadTrustedConfig(request.dir, request.configFrom);
  const scratch = await mkdtemp(join(tmpdir(), "dialwindow-diff-"));
  try {
    const short = (sha: string) => sha.slice(0, 12);
    const baseSide: RevisionSide = {
      rev: base,
      label: `${short(base)}${baseWhy ? ` (${baseWhy})` : request.base !== base ? ` (${request.base})` : ""}`,
      validation: await validateAt(loc, base, join(scratch, "base"), request),
    };
    const headSide: RevisionSide = head
      ? {
          rev: head,
          label: `${short(head)}${request.head !== head ? ` (${request.head})` : ""}`,
          validation: await validateAt(loc, head, join(scratch, "head"), request, trustedConfig),
        }
      : {
          rev: "work tree",
          label: "the work tree",
          validation: await validateDesiredState(request.dir, {
            at: request.at,
            env: request.env,
            ...(trustedConfig ? { trustedConfig } : {}),
          }),
        };
    const files = await changedFiles(loc, base, head);
    const select = request.select ?? (() => true);
    const campaignsOf = (v: ValidationResult) => v.drawable.filter((c) => select(c.labels));
    const fromDay = request.from === undefined ? undefined : parseDate(request.from);
    const firstDay = (zone: string) => fromDay ?? dayIn(zone, request.at);
    const diff = compareRevisions(
      { campaigns: campaignsOf(baseSide.validation), findings: baseSide.validation.findings },
      { campaigns: campaignsOf(headSide.validation), findings: headSide.validation.findings },
      {
        firstDay,
        weeks: request.weeks,
        renamedFiles: new Map(files.flatMap((f) => (f.from ? [[f.file, f.from] as const] : []))),
        ...(request.from === undefined ? {} : { from: request.from }),
      },
    );
    return {
      base: baseSide,
      head: headSide,
      diff,
      files: fileEffects(files, diff),
      grids: grids(diff, baseSide.validation, headSide.validation, clocksFor(request, fromDay)),
      changed: hasEffectiveChange(diff),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function validateAt(
  loc: RepoLocation,
  rev: string,
  into: string,
  request: ReviewRequest,
  trustedConfig?: TrustedConfig,
): Promise<ValidationResult> {
  await materializeRevision(loc, rev, into);
  return validateDesiredState(into, {
    at: request.at,
    env: request.env,
    ...(trustedConfig ? { trustedConfig } : {}),
  });
}

/**
 * A campaign file has an effect when a campaign it declares (before or after) changed; a
 * calendar, policy or dialwindow.yaml when anything at all changed, since any campaign may
 * read it.
 */
function fileEffects(files: readonly FileChange[], diff: ReviewDiff): ChangedFile[] {
  const effective = diff.campaigns.filter((c) => c.status !== "no-effect");
  const touched = new Set(effective.flatMap((c) => [c.file, ...(c.previous ? [c.previous.file] : [])]));
  const anything =
    effective.length > 0 || diff.findings.appeared.length > 0 || diff.findings.disappeared.length > 0;
  return files.map((f) => ({
    ...f,
    effect: f.file.startsWith("campaigns/")
      ? touched.has(f.file) || (f.from !== undefined && touched.has(f.from)) || findingsTouch(diff, f)
      : anything,
  }));
}

function findingsTouch(diff: ReviewDiff, f: FileChange): boolean {
  return [...diff.findings.appeared, ...diff.findings.disappeared].some(
    (x) => x.finding.file === f.file || x.finding.file === f.from,
  );
}

const DAY_MS = 86_400_000;

/** Zone tables covering the horizon, with a week either side for the grid's Monday and zone offsets. */
function clocksFor(request: ReviewRequest, fromDay: number | undefined): ZoneClocks {
  const start = fromDay === undefined ? request.at.toMillis() : fromDay * DAY_MS;
  return new ZoneClocks(start - 8 * DAY_MS, start + (request.weeks * 7 + 8) * DAY_MS);
}

/** The week to draw: the Monday on or before the first changed date, else the horizon's first week. */
function grids(
  diff: ReviewDiff,
  base: ValidationResult,
  head: ValidationResult,
  clocks: ZoneClocks,
): ReviewResult["grids"] {
  const out: ReviewResult["grids"] = new Map();
  const before = new Map(base.drawable.map((c) => [c.campaignId, c]));
  const after = new Map(head.drawable.map((c) => [c.campaignId, c]));
  for (const d of diff.campaigns) {
    if (d.status === "no-effect") continue;
    const b = before.get(d.campaignId);
    const a = after.get(d.campaignId);
    const first = d.dates[0]?.date ?? d.weeks[0]?.from;
    if (first === undefined) continue;
    const day = parseDate(first) as number;
    const monday = day - weekdayOf(day);
    const days: GridDay[] = [];
    for (let i = 0; i < 7; i++) days.push(gridDay(monday + i, b, a, base, head, clocks));
    out.set(d.campaignId, { from: first, days });
  }
  return out;
}

function gridDay(
  day: number,
  b: CampaignSchedule | undefined,
  a: CampaignSchedule | undefined,
  base: ValidationResult,
  head: ValidationResult,
  clocks: ZoneClocks,
): GridDay {
  const windows = (c: CampaignSchedule | undefined) =>
    c ? windowsOn(c, day).map((w) => ({ start: w.start, end: w.end })) : undefined;
  const legal = (c: CampaignSchedule | undefined, v: ValidationResult) =>
    c ? legalCells(c, v.policyRules, clocks, day) : undefined;
  const notes = [b, a].flatMap((c) => {
    const k = c ? dayKind(c, day) : undefined;
    return k && k.kind !== "weekly"
      ? [k.kind === "holiday" ? `holiday: ${k.name}` : `override ${k.name}`]
      : [];
  });
  const note = [...new Set(notes)].join(" → ");
  return {
    day,
    ...(note ? { note } : {}),
    before: windows(b),
    after: windows(a),
    legalBefore: legal(b, base),
    legalAfter: legal(a, head),
  };
}

/**
 * The campaigns of `rev` (what `plan` compares against to tell this revision's changes from
 * drift): its desired state copied out of git and validated, law-breaking campaigns included.
 * `rev` undefined: the default base as for `diff`, or undefined when there is none (not a
 * git checkout, no upstream).
 */
export async function baselineAt(
  dir: string,
  rev: string | undefined,
  at: DateTime,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ rev: string; campaigns: Map<string, CampaignSchedule> } | undefined> {
  let loc: RepoLocation;
  let wanted = rev;
  try {
    loc = await locateRepo(dir);
    wanted ??= (await defaultBase(loc)).rev;
  } catch (err) {
    if (rev === undefined && err instanceof UsageError) return undefined;
    throw err;
  }
  const commit = await resolveRevision(loc, wanted, "--base");
  const scratch = await mkdtemp(join(tmpdir(), "dialwindow-base-"));
  try {
    const validation = await validateAt(loc, commit, scratch, { dir, weeks: 1, at, env });
    return { rev: wanted, campaigns: new Map(validation.drawable.map((c) => [c.campaignId, c])) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
