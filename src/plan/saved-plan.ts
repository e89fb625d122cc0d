/**
 * Reading and writing saved plans (`plan --out FILE`, `apply --plan FILE`). A saved plan is
 * applied exactly as reviewed, so it is checked strictly before anything is sent:
 *
 * - It is bound to itself: `digest` is `sha256:` and the SHA-256 of the canonical JSON (keys
 *   sorted, no whitespace; util/canonical-json.ts) of the whole document without `digest`. Any
 *   edit (a duplicated change, another `at`, another version or schedule) or a removed digest is
 *   refused. This is integrity, not authentication: it catches hand edits and an artifact
 *   changed between plan and apply, but whoever can run plan can make a new plan.
 * - It holds what every plan holds, even if someone recomputed the digest: one change per
 *   campaign, a summary that counts its changes, an `at` that is an instant, a known profile,
 *   and updates whose version, before, after and diff belong together.
 *
 * Format versions: 2 renamed each change's version guard to `version` (it was the tutorial
 * profile's ETag, under a key of that name) and added `profile`. A version 1 file could only
 * have been made under the tutorial profile, and its digest covers it as written, so it is
 * still read: checked as written, then taken as a version 2 plan of the tutorial profile.
 * Only apply is strict about digests: it refuses a plan without one (one from an older
 * dialwindow, or an edited one), and plans are short-lived, so "run plan again" is the whole
 * migration.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { DateTime } from "luxon";
import { type CurfewDiffEntry, diffCurfews, parseCurfews } from "../desired/curfews.js";
import { parseSchedule } from "../desired/schedule.js";
import { toJson } from "../escape/json.js";
import { isProfileName } from "../live/capabilities.js";
import { withCurrentVersionNames } from "../state/legacy-names.js";
import { canonicalJson, sha256Hex } from "../util/canonical-json.js";
import { UsageError } from "../util/errors.js";
import { type DiffEntry, diffSchedules } from "./diff.js";
import { PLAN_FORMAT_VERSION, type Plan, type PlannedChange, type PlannedCurfews } from "./plan.js";

/** A plan as printed by `plan --format json` and saved by `plan --out`: the plan and its digest, last. */
export type SavedPlan = Plan & { digest: string };

/** The digest of a plan document: everything in it but `digest` itself. */
export function planDigest(doc: object): string {
  const { digest: _, ...content } = doc as { digest?: unknown };
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

export function sealPlan(plan: Plan): SavedPlan {
  const { digest: _, ...content } = plan as Plan & { digest?: unknown };
  return { ...content, digest: planDigest(content) };
}

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${toJson(sealPlan(plan), 2)}\n`);
  await rename(tmp, path);
}

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read the saved plan ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); run dialwindow plan --out ${path} first.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${path} is not a saved plan (not valid JSON); write one with dialwindow plan --out ${path}.`,
    );
  }
  return parsePlan(doc, path);
}

export function parsePlan(input: unknown, path: string): Plan {
  const bad = (why: string) =>
    new UsageError(`${path} is not a usable saved plan: ${why}. Run dialwindow plan --out ${path} again.`);
  if (!isObject(input)) throw bad("expected a JSON object");
  let doc: Record<string, unknown> = input;
  if (doc.formatVersion !== PLAN_FORMAT_VERSION && doc.formatVersion !== 1) {
    throw bad(
      `formatVersion is ${JSON.stringify(doc.formatVersion)}, this dialwindow reads 1 and ${PLAN_FORMAT_VERSION}`,
    );
  }
  if (typeof doc.digest !== "string") {
    throw new UsageError(
      `${path} has no digest, so it cannot be checked: it was edited, or written by an older dialwindow. Nothing was sent to CXone; run plan again (dialwindow plan --out ${path}) and review it.`,
    );
  }
  if (doc.digest !== planDigest(doc)) {
    throw new UsageError(
      `${path}: the plan file was modified after it was written; run plan again (dialwindow plan --out ${path}) and review it. Nothing was sent to CXone.`,
    );
  }

  if (doc.formatVersion === 1) doc = upgradeFromVersion1(doc);
  if (!isProfileName(doc.profile))
    throw bad(`\`profile\` is ${JSON.stringify(doc.profile)}, not a known profile`);
  if (doc.scheduleZone !== undefined && (typeof doc.scheduleZone !== "string" || doc.scheduleZone === ""))
    throw bad("`scheduleZone` must be a zone name");
  if (typeof doc.at !== "string" || !DateTime.fromISO(doc.at, { setZone: true }).isValid)
    throw bad(`\`at\` is ${JSON.stringify(doc.at)}, not an ISO-8601 instant`);
  if (doc.revision !== null && typeof doc.revision !== "string")
    throw bad("`revision` must be a string or null");
  if (!Array.isArray(doc.changes)) throw bad("it has no `changes`");
  if (!Array.isArray(doc.transitions)) throw bad("it has no `transitions`");

  const seen = new Map<string, number>();
  const changes = doc.changes.map((c, i): PlannedChange => {
    const where = `changes[${i}]`;
    const change = parseChange(c, where, bad);
    const first = seen.get(change.campaignId);
    if (first !== undefined)
      throw bad(`${where} plans campaign ${change.campaignId} again (changes[${first}] already does)`);
    seen.set(change.campaignId, i);
    return change;
  });

  const summary = isObject(doc.summary) ? doc.summary : {};
  const count = (action: PlannedChange["action"]) => changes.filter((c) => c.action === action).length;
  const counted = { update: count("update"), noop: count("noop"), error: count("error") };
  if (summary.update !== counted.update || summary.noop !== counted.noop || summary.error !== counted.error) {
    throw bad(
      `its summary says ${String(summary.update)} update(s), ${String(summary.noop)} unchanged, ${String(summary.error)} error(s); the changes hold ${counted.update}, ${counted.noop}, ${counted.error}`,
    );
  }
  return { ...(doc as unknown as Plan), changes };
}

/**
 * A version 1 plan (tutorial profile only; its version guards under their old name) as version
 * 2, after its digest was checked as written. The digest is kept: it is not checked again.
 */
function upgradeFromVersion1(doc: Record<string, unknown>): Record<string, unknown> {
  const changes = Array.isArray(doc.changes)
    ? doc.changes.map((c) => (isObject(c) ? { version: null, ...withCurrentVersionNames(c) } : c))
    : doc.changes;
  const { formatVersion: _, ...rest } = doc;
  return { formatVersion: PLAN_FORMAT_VERSION, profile: "tutorial", ...rest, changes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One change, checked as the planner makes it (plan.ts, planCampaign). */
function parseChange(c: unknown, where: string, bad: (why: string) => UsageError): PlannedChange {
  if (!isObject(c)) throw bad(`${where} is not an object`);
  if (typeof c.campaignId !== "string" || c.campaignId === "")
    throw bad(`${where}.campaignId must be a string`);
  if (typeof c.name !== "string" || typeof c.file !== "string")
    throw bad(`${where} must name its campaign and file`);
  if (c.action !== "update" && c.action !== "noop" && c.action !== "error")
    throw bad(`${where}.action must be update, noop or error`);
  if (!Array.isArray(c.diff)) throw bad(`${where}.diff must be a list`);
  const schedule = (value: unknown, at: string) => {
    try {
      return parseSchedule(value, at, (message) => bad(message));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw bad((err as Error).message);
    }
  };
  const after = schedule(c.after, `${where}.after`);
  if (c.action === "error") {
    if (typeof c.error !== "string") throw bad(`${where} is an error without its reason`);
    return { ...(c as unknown as PlannedChange), after };
  }
  const before = schedule(c.before, `${where}.before`);
  // The diff is what a reviewer reads; it must be exactly what applying `after` over `before` does.
  const diff = diffSchedules(before, after);
  if (canonicalJson(diff) !== canonicalJson(c.diff as DiffEntry[]))
    throw bad(`${where}.diff is not the difference between its before and after`);
  const curfews =
    c.curfews === undefined ? undefined : parsePlannedCurfews(c.curfews, `${where}.curfews`, bad);
  if (c.action === "update" && diff.length > 0 && (typeof c.version !== "string" || c.version === ""))
    throw bad(`${where} is an update without the version it was planned against`);
  const changes = diff.length + (curfews?.diff.length ?? 0);
  if (c.action === "update" && changes === 0) throw bad(`${where} is an update that changes nothing`);
  if (c.action === "noop" && changes > 0) throw bad(`${where} is unchanged but its before and after differ`);
  return {
    ...(c as unknown as PlannedChange),
    before,
    after,
    ...(curfews === undefined ? {} : { curfews: { ...(c.curfews as PlannedCurfews), ...curfews } }),
  };
}

/** A change's boundings part, checked as the planner makes it. */
function parsePlannedCurfews(
  value: unknown,
  where: string,
  bad: (why: string) => UsageError,
): Pick<PlannedCurfews, "version" | "before" | "after" | "diff"> {
  if (!isObject(value)) throw bad(`${where} is not an object`);
  if (typeof value.version !== "string" || value.version === "")
    throw bad(`${where} has no version it was planned against`);
  const list = (v: unknown, at: string) => {
    try {
      return parseCurfews(v, at, (message) => bad(message));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw bad((err as Error).message);
    }
  };
  const before = list(value.before, `${where}.before`);
  const after = list(value.after, `${where}.after`);
  const diff = diffCurfews(before, after);
  if (!Array.isArray(value.diff) || canonicalJson(diff) !== canonicalJson(value.diff as CurfewDiffEntry[]))
    throw bad(`${where}.diff is not the difference between its before and after`);
  return { version: value.version, before, after, diff };
}
