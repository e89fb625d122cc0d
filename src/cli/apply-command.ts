/**
 * `dialwindow apply [--plan FILE]`: PATCH exactly the drifted campaigns, journal every write,
 * deliver the webhooks (for a bounded time) and commit the audit records. Exit 0 when every
 * campaign is in its desired state (including "nothing to do"), 1 when any failed.
 */
import { resolve } from "node:path";
import { DateTime } from "luxon";
import { type ApplyResult, applyPlan, type CampaignOutcome } from "../apply/apply.js";
import { actorName, type FinishSummary, type RecoverySummary, WritePipeline } from "../apply/pipeline.js";
import type { ResolvedConfig } from "../desired/config.js";
import { curfewsEqual, curfewsOf } from "../desired/curfews.js";
import { effectiveSchedule, WindowTranslationError } from "../desired/effective.js";
import type { CampaignSchedule } from "../desired/model.js";
import { NOT_A_CHECKOUT } from "../desired/revision.js";
import { type Schedule, schedulesEqual } from "../desired/schedule.js";
import { parseSelectors } from "../desired/selector.js";
import type { ConfigFrom } from "../desired/trusted-config.js";
import { safeText as t } from "../escape/text.js";
import { connect } from "../live/connect.js";
import type { Plan, PlanTarget } from "../plan/plan.js";
import { shortRevision } from "../plan/render.js";
import { readPlanFile } from "../plan/saved-plan.js";
import { SyncWindows } from "../reconcile/sync-windows.js";
import { resolveStateDir } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import { parseAt, resolveDir } from "./common.js";
import { type CliIo, clockOption, EXIT } from "./io.js";
import { curfewIds, loadDesired, planFrom, planTargetOf } from "./session.js";

export interface ApplyFlags {
  dir?: string;
  plan?: string;
  at?: string;
  selector?: string[];
  stateDir?: string;
  /** Seconds to wait for webhook deliveries before leaving them pending. */
  webhookWait?: string;
  /** Write even inside a reconcile.syncWindows deny window. */
  ignoreSyncWindows?: boolean;
  /** --config-from REV: cxone, webhooks and audit from REV's dialwindow.yaml. */
  configFrom?: string;
}

/** Whether the desired state at `at` (in the plan's schedule zone, if any) is `after`. */
function plannedAfterMatches(
  c: CampaignSchedule,
  at: DateTime,
  zone: string | undefined,
  after: Schedule,
): boolean {
  try {
    return schedulesEqual(effectiveSchedule(c, at, zone), after);
  } catch (err) {
    if (err instanceof WindowTranslationError) return false;
    throw err;
  }
}

/**
 * Why a saved plan cannot be applied through this connection: another profile (its versions
 * mean nothing here), or another schedule zone (its times would be read in the wrong zone).
 */
export function savedPlanTargetMismatch(plan: Plan, target: PlanTarget): string | undefined {
  if (plan.profile !== target.capabilities.profile)
    return `was made for the ${plan.profile} profile, and dialwindow.yaml now says cxone.profile: ${target.capabilities.profile}`;
  if ((plan.scheduleZone ?? null) !== (target.scheduleZone ?? null))
    return `writes its times in ${t(plan.scheduleZone ?? "each campaign's own zone")}, but CXone now reads schedules in ${t(target.scheduleZone ?? "each campaign's own zone")}`;
  return undefined;
}

/** Updates in the saved plan whose schedule is not what the desired state says at the plan's instant. */
export function savedPlanMismatches(
  plan: Plan,
  campaigns: readonly CampaignSchedule[],
  at: DateTime,
): string[] {
  const byId = new Map(campaigns.map((c) => [c.campaignId, c]));
  const out: string[] = [];
  for (const change of plan.changes) {
    if (change.action !== "update") continue;
    const c = byId.get(change.campaignId);
    if (!c) {
      out.push(
        `${t(change.name)} (${t(change.campaignId)}): no valid CampaignSchedule in the repository declares it`,
      );
    } else if (c.name !== change.name || c.file !== change.file) {
      out.push(
        `${t(change.name)} (${t(change.campaignId)}): the plan has it as ${t(change.name)} in ${t(change.file)}, the repository as ${t(c.name)} in ${t(c.file)}`,
      );
    } else if (!plannedAfterMatches(c, at, plan.scheduleZone, change.after)) {
      out.push(
        `${t(change.name)} (${t(change.campaignId)}): the plan's schedule differs from ${t(c.file)} (the plan file was edited, or the file changed since)`,
      );
    } else if (
      (change.curfews === undefined) !== (c.curfews === undefined) ||
      (change.curfews !== undefined &&
        c.curfews !== undefined &&
        !curfewsEqual(change.curfews.after, curfewsOf(c.curfews)))
    ) {
      out.push(
        `${t(change.name)} (${t(change.campaignId)}): the plan's curfews differ from what ${t(c.file)} and the calling-hours policy give (the plan file was edited, or the repository changed since)`,
      );
    }
  }
  return out;
}

export async function applyCommand(io: CliIo, flags: ApplyFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const logger = io.logger("warn");
  const waitMs = parseWait(flags.webhookWait);
  let saved: Plan | undefined;
  let desired: Awaited<ReturnType<typeof loadDesired>>;
  let config: ResolvedConfig;
  let configFrom: ConfigFrom | undefined;
  if (flags.plan) {
    if (flags.at || (flags.selector?.length ?? 0) > 0) {
      throw new UsageError(
        "--plan applies the saved plan exactly; --at and --selector belong to dialwindow plan.",
      );
    }
    saved = await readPlanFile(resolve(io.cwd, flags.plan));
    // The saved plan is applied exactly, but only if it is still what the validated desired
    // state says at the plan's instant: an edited plan file, or a plan whose repository has
    // since changed, never reaches CXone (and so never skips validation or the calling-hours law).
    const planAt = DateTime.fromISO(saved.at, { setZone: true });
    const check = await loadDesired(io, dir, planAt, new Map(), flags.configFrom);
    if (!check) return EXIT.failure;
    const mismatches = savedPlanMismatches(saved, check.campaigns, planAt);
    if (mismatches.length > 0) {
      io.stderr(
        `dialwindow: the saved plan ${t(flags.plan)} does not match the desired state in ${t(dir)}:\n${mismatches.map((m) => `  ${m}`).join("\n")}\nNothing was sent to CXone. Run dialwindow plan --out ${flags.plan} again and review it.\n`,
      );
      return EXIT.failure;
    }
    config = check.result.config;
    configFrom = check.result.configFrom;
  } else {
    const at = parseAt(io, flags.at);
    desired = await loadDesired(io, dir, at, parseSelectors(flags.selector), flags.configFrom);
    if (!desired) return EXIT.failure;
    config = desired.result.config;
    configFrom = desired.result.configFrom;
  }
  if (configFrom) io.stderr(`${configFrom.message}\n`);

  const command = "apply";
  // Credentials and URLs are checked first: a missing or blank variable stops apply before it
  // takes the lock or reaches the audit remote.
  const connection = connect(config, io.env, { logger, ...clockOption(io) });
  let pipeline: WritePipeline;
  try {
    pipeline = await WritePipeline.open({
      stateDir: resolveStateDir({ flag: flags.stateDir, env: io.env, desiredDir: dir, cwd: io.cwd }).path,
      desiredDir: dir,
      config,
      env: io.env,
      logger,
      command,
      ...clockOption(io),
      // Outside git there is no origin to push the audit trail to; asking git again would only say so.
      ...(desired?.noRevision === NOT_A_CHECKOUT ? { auditRemote: null } : {}),
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  try {
    const recovery = await pipeline.recover(connection.port);
    const target = await planTargetOf(connection.port, saved ? [] : (desired?.campaigns ?? []));
    let plan: Plan;
    if (saved) {
      const stale = savedPlanTargetMismatch(saved, target);
      if (stale) {
        io.stderr(
          `dialwindow: the saved plan ${t(flags.plan ?? "")} ${stale}. Nothing was sent to CXone. Run dialwindow plan --out ${t(flags.plan ?? "")} again and review it.\n`,
        );
        return EXIT.failure;
      }
      plan = saved;
    } else {
      const d = desired as NonNullable<typeof desired>;
      const read = await connection.port.readCampaigns(
        d.campaigns.map((c) => c.campaignId),
        { curfews: curfewIds(d.campaigns) },
      );
      plan = planFrom(d, read, target, parseAt(io, flags.at), false, false);
    }
    const actor = actorName(command);
    const windows = new SyncWindows(config.reconcile.syncWindows);
    const denied = flags.ignoreSyncWindows ? undefined : windows.check(io.now());
    const result = await applyPlan(plan, connection.port, {
      mode: saved ? "saved" : "fresh",
      actor,
      revision: plan.revision,
      logger,
      recorder: pipeline.recorder,
      concurrency: config.cxone.concurrency,
      ...clockOption(io),
      ...(denied?.denied
        ? {
            hold: () =>
              `a deny sync window holds writes until ${denied.until?.toISO() ?? "it ends"}; run apply again then (or pass --ignore-sync-windows)`,
          }
        : {}),
    });
    const finish = await pipeline.finish({ deliveryDeadlineMs: waitMs, revision: plan.revision, actor });
    io.stdout(
      renderApply(
        plan,
        result,
        finish,
        recovery,
        connection.endpoint,
        config.audit.branch,
        saved !== undefined,
      ),
    );
    const unaudited = auditFailure(finish, pipeline.stateDir.path);
    if (unaudited) io.stderr(unaudited);
    return result.summary.failed > 0 || result.summary.skipped > 0 || unaudited ? EXIT.failure : EXIT.ok;
  } finally {
    await connection.close();
    await pipeline.close();
  }
}

/**
 * Changes written to CXone that the audit trail could not record make the apply a failure: CI
 * must not go green on a change no audit commit shows. They are not lost: the journal keeps them.
 */
export function auditFailure(finish: FinishSummary, stateDir: string): string | undefined {
  const { error, pending: n } = finish.audit;
  if (error === undefined || n === 0) return undefined;
  const one = n === 1;
  return `dialwindow: ${n} change${one ? "" : "s"} written to CXone ${one ? "is" : "are"} not in the audit trail yet (${error}). ${one ? "It is" : "They are"} kept in the journal in ${stateDir}, and the next apply, reconcile or webhooks retry commits ${one ? "it" : "them"}: fix the cause, then run one.\n`;
}

function parseWait(text: string | undefined): number {
  if (text === undefined) return 30_000;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--webhook-wait ${text} is not a number of seconds.`);
  return n * 1000;
}

/** "v1 → v2", or "curfews  v1 → v2" for the boundings; each part written, comma-separated. */
function writtenParts(o: CampaignOutcome): string {
  return (o.changes ?? (o.change ? [o.change] : []))
    .map((c) => `${c.part === "curfews" ? "curfews  " : ""}${t(c.versionBefore)} → ${t(c.versionAfter)}`)
    .join(", ");
}

function outcomeLine(o: CampaignOutcome): string {
  const who = `${t(o.name)} (${t(o.campaignId)})`;
  switch (o.result) {
    case "updated": {
      const parts = writtenParts(o);
      return `~ ${who}  updated${parts.startsWith("curfews") ? " " : "  "}${parts}  ${o.latencyMs} ms`;
    }
    case "converged":
      return `= ${who}  already in the desired state (someone else wrote it meanwhile)`;
    case "skipped":
      return `- ${who}  held: ${t(o.error ?? "")}`;
    case "failed":
      // One part may have been written before the other failed: say so.
      return `✗ ${who}  ${t(o.file)}: ${t(o.error ?? "")}${o.change ? ` (written: ${writtenParts(o)})` : ""}`;
    case "unchanged":
      return `= ${who}  unchanged`;
  }
}

export function renderApply(
  plan: Plan,
  result: ApplyResult,
  finish: FinishSummary,
  recovery: RecoverySummary,
  target: string,
  auditBranch: string,
  fromSavedPlan: boolean,
): string {
  const lines: string[] = [
    `dialwindow apply: ${fromSavedPlan ? "saved plan" : "desired state"} at ${t(plan.at)}${plan.revision ? ` (revision ${t(shortRevision(plan.revision))})` : ""} against ${t(target)}`,
    "",
    ...recoveryLines(recovery),
    ...outcomeLines(result.outcomes),
    ...afterWriteLines(finish, auditBranch),
  ];
  const s = result.summary;
  const parts = [`${s.updated} updated`, `${s.unchanged + s.converged} unchanged`];
  if (s.skipped) parts.push(`${s.skipped} held`);
  if (s.failed) parts.push(`${s.failed} failed`);
  lines.push(`Apply: ${parts.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

/** The summary's parts `apply` and `reconcile --once` share: what an interrupted run left. */
export function recoveryLines(recovery: RecoverySummary): string[] {
  if (recovery.confirmed + recovery.abandoned + recovery.unsettled === 0) return [];
  return [
    `Recovered an interrupted earlier run: ${recovery.confirmed} write(s) had landed and are now recorded, ${recovery.abandoned} had not${recovery.unsettled ? `, ${recovery.unsettled} still unknown (CXone unreachable)` : ""}.`,
    "",
  ];
}

/** One line per campaign that was not simply unchanged, then a blank line. */
export function outcomeLines(outcomes: readonly CampaignOutcome[]): string[] {
  const shown = outcomes.filter((o) => o.result !== "unchanged");
  return shown.length > 0 ? [...shown.map(outcomeLine), ""] : [];
}

/** Webhooks delivered or waiting, and the audit commit. */
export function afterWriteLines(finish: FinishSummary, auditBranch: string): string[] {
  const lines: string[] = [];
  const w = finish.webhooks;
  if (w.delivered + w.pending + w.dead > 0) {
    lines.push(
      `Webhooks: ${w.delivered} delivered${w.pending ? `, ${w.pending} still pending (retried by the next apply, reconcile or dialwindow webhooks retry)` : ""}${w.dead ? `, ${w.dead} failed for good (see dialwindow webhooks list)` : ""}.`,
    );
  }
  const a = finish.audit;
  if (a.commit)
    lines.push(
      `Audit: ${a.appended} record(s) in commit ${a.commit.slice(0, 12)} on ${t(auditBranch)}${a.pushed ? ", pushed" : ", not pushed yet (kept locally; pushed next time)"}.`,
    );
  else if (a.error)
    lines.push(`Audit: not recorded yet (${t(a.error)}); ${a.pending} record(s) wait in the journal.`);
  return lines;
}
