/**
 * Executes a plan: write exactly the campaigns whose action is "update", each expecting the
 * version it was planned against, and report every outcome. Fresh plans (plan and apply in
 * one run) resolve a version conflict by re-reading and re-diffing; saved plans never
 * overwrite a campaign that changed after it was reviewed.
 *
 * Every write is bracketed by the recorder (the journal): an intent before the write, and
 * either the change record or "abandoned" after it. Once a write has succeeded its intent is
 * never abandoned. When the outcome is unknown (OutcomeUnknownError) live state is read again:
 * if it now holds exactly what was sent at a new version, the write is recorded, so its
 * webhook and audit record are never lost. A write is never retried blindly, so a version
 * conflict always means someone else changed the campaign: if that left it in the desired
 * state the outcome is "converged", with no change record of ours.
 *
 * Only the port's errors are branched on (live/port.ts); which HTTP answer stood behind one
 * is the adapter's business.
 *
 * One file although long: the write protocol (intent, write, settling an unknown outcome, a
 * conflict) is one sequence, shared by both parts a campaign has (schedule and curfews).
 */
import { type Curfews, curfewsEqual, normalizeCurfews } from "../desired/curfews.js";
import { normalizeSchedule, type Schedule, schedulesEqual } from "../desired/schedule.js";
import {
  type CxonePort,
  NotFoundError,
  OutcomeUnknownError,
  ReadBackMismatchError,
  RejectedError,
  VersionConflictError,
} from "../live/port.js";
import { forEachBounded } from "../live/semaphore.js";
import type { Plan, PlannedChange, PlannedCurfews } from "../plan/plan.js";
import { type ChangeRecord, changeRecordFor, type WriteIntent } from "../state/change-record.js";
import { type Clock, systemClock } from "../util/clock.js";
import { newChangeId } from "../util/ids.js";
import type { Logger } from "../util/log.js";

export type { WriteIntent } from "../state/change-record.js";

/** Where writes are journalled; the journal implements it, tests may pass a fake. */
export interface WriteRecorder {
  intent(intent: WriteIntent): Promise<string>;
  written(intentId: string, change: ChangeRecord): Promise<void>;
  abandoned(intentId: string, reason: string): Promise<void>;
  /** The write's outcome is unknown: the intent stays open, to be settled from live state. */
  release?(intentId: string): void;
}

export type OutcomeResult = "updated" | "unchanged" | "converged" | "failed" | "skipped";

export interface CampaignOutcome {
  campaignId: string;
  name: string;
  file: string;
  result: OutcomeResult;
  /** The first change made: the schedule's, else the boundings'. */
  change?: ChangeRecord;
  /** Every change made, one per part written (the schedule, the boundings). */
  changes?: ChangeRecord[];
  error?: string;
  latencyMs: number;
}

export interface ApplyResult {
  outcomes: CampaignOutcome[];
  changes: ChangeRecord[];
  summary: { updated: number; unchanged: number; converged: number; failed: number; skipped: number };
}

export interface ApplyOptions {
  /** "fresh": planned in this run; a version conflict re-reads and re-diffs. "saved": a reviewed plan; a conflict fails. */
  mode: "fresh" | "saved";
  actor: string;
  revision: string | null;
  logger: Logger;
  recorder?: WriteRecorder | undefined;
  /** Write latencies and the instants recorded; default the system clock. */
  clock?: Clock;
  /** Writes in flight at once (the client also bounds its own concurrency). */
  concurrency?: number;
  /** Fresh mode: writes per campaign after version conflicts before giving up. */
  maxConflictRetries?: number;
  /** Campaigns to leave alone this run (e.g. a sync window holds them), with the reason. */
  hold?: (change: PlannedChange) => string | undefined;
}

const noRecorder: WriteRecorder = {
  intent: async () => "",
  written: async () => {},
  abandoned: async () => {},
};

export async function applyPlan(plan: Plan, port: CxonePort, options: ApplyOptions): Promise<ApplyResult> {
  const now = (options.clock ?? systemClock).now;
  const outcomes: CampaignOutcome[] = [];
  const updates: PlannedChange[] = [];
  for (const c of plan.changes) {
    const base = { campaignId: c.campaignId, name: c.name, file: c.file, latencyMs: 0 };
    if (c.action === "noop") outcomes.push({ ...base, result: "unchanged" });
    else if (c.action === "error")
      outcomes.push({ ...base, result: "failed", error: c.error ?? "planning failed" });
    else {
      const held = options.hold?.(c);
      if (held) outcomes.push({ ...base, result: "skipped", error: held });
      else updates.push(c);
    }
  }
  await forEachBounded(updates, options.concurrency ?? 4, async (c) => {
    outcomes.push(await applyOne(c, plan.revision, port, options, now));
  });
  const order = new Map(plan.changes.map((c, i) => [c.campaignId, i]));
  outcomes.sort((a, b) => (order.get(a.campaignId) ?? 0) - (order.get(b.campaignId) ?? 0));
  const count = (r: OutcomeResult) => outcomes.filter((o) => o.result === r).length;
  return {
    outcomes,
    changes: outcomes.flatMap((o) => o.changes ?? (o.change ? [o.change] : [])),
    summary: {
      updated: count("updated"),
      unchanged: count("unchanged"),
      converged: count("converged"),
      failed: count("failed"),
      skipped: count("skipped"),
    },
  };
}

/**
 * One part of a campaign that a write replaces as a whole: its schedule, or (curfews: managed)
 * its boundings. The engine below is the same for both: intent, write expecting a version,
 * settle an unknown outcome by reading again, re-plan a conflict in fresh mode.
 */
interface Part<T> {
  /** In change records: absent for the schedule (as every record before curfews), "curfews". */
  part: "schedule" | "curfews";
  /** "the schedule", "the boundings": in messages. */
  what: string;
  /** Prefixed to a failure of this part ("curfews: "), empty for the schedule. */
  prefix: string;
  /** Log message of a landed write. */
  written: string;
  /** Log message when someone else already wrote what was wanted. */
  converged: string;
  /** What the version guard is called, in messages. */
  versionName: string;
  before: T;
  after: T;
  version: string;
  write(version: string): Promise<{ version: string }>;
  /** Live state again: undefined when the campaign is gone; version null when CXone gave none. */
  read(): Promise<{ version: string | null; value: T } | undefined>;
  equal(a: T, b: T): boolean;
  normalize(value: T): T;
  intent(base: Omit<WriteIntent, "before" | "after" | "part">, before: T): WriteIntent;
}

function schedulePart(planned: PlannedChange, port: CxonePort): Part<Schedule> {
  return {
    part: "schedule",
    what: "the schedule",
    prefix: "",
    written: "campaign schedule written",
    converged: "CXone already holds the desired schedule; nothing written",
    versionName: port.capabilities.versionName,
    before: planned.before ?? planned.after,
    after: planned.after,
    version: planned.version as string,
    write: (version) => port.writeSchedule(planned.campaignId, planned.after, version),
    read: async () => {
      const live = await port.readCampaign(planned.campaignId);
      return live && { version: live.version, value: live.schedule };
    },
    equal: schedulesEqual,
    normalize: normalizeSchedule,
    intent: (base, before) => ({ ...base, before, after: planned.after }),
  };
}

function curfewsPart(planned: PlannedChange, port: CxonePort): Part<Curfews> {
  const curfews = planned.curfews as PlannedCurfews;
  return {
    part: "curfews",
    what: "the boundings",
    prefix: "curfews: ",
    written: "campaign curfews written",
    converged: "CXone already holds the desired boundings; nothing written",
    versionName: port.capabilities.versionName,
    before: curfews.before,
    after: curfews.after,
    version: curfews.version,
    write: async (version) => {
      if (!port.writeCurfews) {
        throw new RejectedError({
          reason: `the ${port.profile} profile holds no recipient time-zone boundings`,
          answer: "not sent",
          message: `the ${port.profile} profile holds no recipient time-zone boundings`,
        });
      }
      return port.writeCurfews(planned.campaignId, curfews.after, version);
    },
    read: async () => {
      const live = await port.readCampaign(planned.campaignId, { curfews: true });
      return live?.curfews && { version: live.curfews.version, value: live.curfews.curfews };
    },
    equal: curfewsEqual,
    normalize: normalizeCurfews,
    intent: (base, before) => ({ ...base, part: "curfews", before, after: curfews.after }),
  };
}

type PartOutcome = Omit<CampaignOutcome, "campaignId" | "name" | "file" | "latencyMs" | "changes">;

async function applyOne(
  planned: PlannedChange,
  revision: string | null,
  port: CxonePort,
  options: ApplyOptions,
  now: () => number,
): Promise<CampaignOutcome> {
  const started = now();
  const outcomes: PartOutcome[] = [];
  // The schedule first, as always; a failure of one part does not stop the other.
  if (planned.diff.length > 0) {
    outcomes.push(await writePart(schedulePart(planned, port), planned, revision, options, now));
  }
  if (planned.curfews && planned.curfews.diff.length > 0) {
    outcomes.push(await writePart(curfewsPart(planned, port), planned, revision, options, now));
  }
  const changes = outcomes.flatMap((o) => (o.change ? [o.change] : []));
  const failed = outcomes.filter((o) => o.result === "failed");
  const result: OutcomeResult =
    failed.length > 0
      ? "failed"
      : outcomes.some((o) => o.result === "updated")
        ? "updated"
        : outcomes.length > 0 && outcomes.every((o) => o.result === "converged")
          ? "converged"
          : "unchanged";
  return {
    campaignId: planned.campaignId,
    name: planned.name,
    file: planned.file,
    result,
    ...(changes[0] ? { change: changes[0], changes } : {}),
    ...(failed.length > 0 ? { error: failed.map((o) => o.error ?? "failed").join("; ") } : {}),
    latencyMs: now() - started,
  };
}

async function writePart<T>(
  part: Part<T>,
  planned: PlannedChange,
  revision: string | null,
  options: ApplyOptions,
  now: () => number,
): Promise<PartOutcome> {
  const recorder = options.recorder ?? noRecorder;
  const log = options.logger.child({
    campaignId: planned.campaignId,
    campaign: planned.name,
    file: planned.file,
    ...(part.part === "curfews" ? { part: part.part } : {}),
  });
  const fail = (error: string): PartOutcome => ({ result: "failed", error: `${part.prefix}${error}` });

  let before = part.before;
  let version = part.version;
  const tries = options.mode === "fresh" ? 1 + (options.maxConflictRetries ?? 3) : 1;
  for (let attempt = 1; attempt <= tries; attempt++) {
    const intent = part.intent(
      {
        campaignId: planned.campaignId,
        name: planned.name,
        file: planned.file,
        revision,
        versionBefore: version,
      },
      before,
    );
    const intentId = await recorder.intent(intent);
    /** Journals the change; once a write has landed its intent is never abandoned. */
    const record = async (versionAfter: string): Promise<PartOutcome> => {
      const at = now();
      const change = changeRecordFor(intent, versionAfter, options.actor, at, newChangeId(at));
      try {
        await recorder.written(intentId, change);
      } catch (err) {
        // The write is in CXone but not in the journal: the open intent is settled from live
        // state by the next run (or the daemon's next flush), which records it then.
        recorder.release?.(intentId);
        log.error(
          { err: describe(err) },
          "the write landed but journalling it failed; it is settled from live state later",
        );
        return fail(
          `written to CXone, but journalling it failed (${describe(err)}); it is recorded from live state on the next run`,
        );
      }
      return { result: "updated", change };
    };

    const t0 = now();
    let written: { version: string } | undefined;
    let failure: unknown;
    try {
      written = await part.write(version);
    } catch (err) {
      failure = err;
    }
    if (written) {
      const outcome = await record(written.version);
      if (outcome.change) {
        log.info(
          {
            versionBefore: version,
            versionAfter: written.version,
            latencyMs: now() - t0,
            revision,
            changeId: outcome.change.changeId,
          },
          part.written,
        );
      }
      return outcome;
    }

    if (failure instanceof RejectedError) {
      await recorder.abandoned(intentId, `rejected by CXone (${failure.answer}): ${failure.reason}`);
      // Debug: the outcome carries the reason, and each caller reports it once (apply's summary,
      // the reconciler's log line per reason), not once per retry.
      log.debug({ answer: failure.answer, reason: failure.reason }, `CXone rejected ${part.what}`);
      return fail(`CXone rejected ${part.what} from ${planned.file} (${failure.answer}): ${failure.reason}`);
    }
    if (failure instanceof ReadBackMismatchError) {
      // CXone took the write but holds something else: not retried, a second write would
      // most likely be changed the same way. Nothing of ours is recorded as written.
      await recorder.abandoned(intentId, failure.message);
      log.error({ err: failure.message }, `${part.what} read back after the write is not what was sent`);
      return fail(`${failure.message}; not retried, see ${planned.file}`);
    }
    if (failure instanceof NotFoundError) {
      await recorder.abandoned(intentId, "the campaign no longer exists in CXone");
      return fail("the campaign no longer exists in CXone");
    }
    const conflict = failure instanceof VersionConflictError;
    if (!conflict && !(failure instanceof OutcomeUnknownError)) {
      await recorder.abandoned(intentId, describe(failure));
      log.debug({ err: describe(failure) }, `writing ${part.what} failed`);
      return fail(describe(failure));
    }

    // A version conflict, or an answer that leaves it unknown whether CXone acted: read the campaign again.
    let live: Awaited<ReturnType<Part<T>["read"]>>;
    try {
      live = await part.read();
    } catch (readErr) {
      if (conflict) {
        await recorder.abandoned(intentId, "version conflict: the campaign changed since it was read");
      } else {
        // Whether the write landed is unknown: the intent stays open and is settled later.
        recorder.release?.(intentId);
      }
      log.error({ err: describe(readErr) }, "re-reading the campaign after a failed write failed");
      return fail(
        `${describe(failure)}; re-reading it failed too (${describe(readErr)})${conflict ? "" : ", so whether the write landed is settled on the next run"}`,
      );
    }
    if (!live) {
      await recorder.abandoned(intentId, "the campaign no longer exists in CXone");
      return fail("the campaign no longer exists in CXone");
    }
    const holdsDesired = part.equal(live.value, part.after);
    if (!conflict && holdsDesired && live.version && live.version !== version) {
      // No answer, but CXone now holds exactly what was sent under a new version: it landed.
      log.warn(
        { versionBefore: version, versionAfter: live.version },
        "write confirmed by reading the campaign again after an uncertain answer",
      );
      return record(live.version);
    }
    await recorder.abandoned(
      intentId,
      conflict
        ? "version conflict: the campaign changed since it was read"
        : `did not land: ${describe(failure)}`,
    );
    if (holdsDesired) {
      // Someone else already wrote exactly this: nothing to write, nothing to announce.
      log.info({ versionLive: live.version }, part.converged);
      return { result: "converged" };
    }
    if (options.mode === "saved") {
      if (conflict) {
        log.warn(
          { versionPlanned: version, versionLive: live.version },
          "live changed since the plan; not overwritten",
        );
        return fail("live changed since the plan; run plan again");
      }
      return fail(`${describe(failure)}; the write did not land`);
    }
    if (!live.version)
      return fail(
        `CXone returned no ${part.versionName} on re-read; refusing to write without a version to expect`,
      );
    log.warn(
      {
        versionBefore: version,
        versionLive: live.version,
        attempt,
        failure: conflict ? "version conflict" : describe(failure),
      },
      conflict
        ? "campaign changed while writing (version conflict); re-planned against the new live state"
        : "write did not land; trying again",
    );
    before = part.normalize(live.value);
    version = live.version;
  }
  return fail(`the campaign kept changing or refusing writes (${tries} tries); run apply again`);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
