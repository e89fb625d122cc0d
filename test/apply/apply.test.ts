/**
 * applyPlan against a strict in-memory port (test/helpers/memory-port.ts): what is written,
 * with which expected version, how each port error is answered, and how every write is
 * bracketed in the journal. The same engine over HTTP, against the simulator, is exercised by
 * test/cli/plan-apply.test.ts.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ApplyOptions, applyPlan, type WriteRecorder } from "../../src/apply/apply.js";
import { normalizeSchedule, type Schedule } from "../../src/desired/schedule.js";
import {
  NotFoundError,
  OutcomeUnknownError,
  ReadBackMismatchError,
  RejectedError,
} from "../../src/live/port.js";
import { diffSchedules } from "../../src/plan/diff.js";
import { PLAN_FORMAT_VERSION, type Plan, type PlannedChange } from "../../src/plan/plan.js";
import type { ChangeRecord, WriteIntent } from "../../src/state/change-record.js";
import { systemClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/log.js";
import { MemoryPort } from "../helpers/memory-port.js";

const A = "100000000000000001";
const B = "100000000000000002";
const C = "100000000000000003";
const REVISION = "0123456789abcdef0123456789abcdef01234567";

function schedule(start: string, end = "17:00", days = ["MON", "TUE"]): Schedule {
  return {
    timezone: "America/Chicago",
    dialingHours: days.map((day) => ({ day, startTime: start, endTime: end })) as Schedule["dialingHours"],
    pauseConditions: ["BUSY"],
  };
}

const OLD = schedule("09:00");
const NEW = schedule("10:00");
/** What someone sets in the CXone UI while a write is on its way. */
const HAND = schedule("08:00");

/** The change plan would make for `id` against what the port holds now. */
function update(port: MemoryPort, id: string, after: Schedule = NEW): PlannedChange {
  const live = port.get(id);
  assert.ok(live);
  return {
    campaignId: id,
    name: `name-${id.slice(-1)}`,
    file: `campaigns/${id.slice(-1)}.yaml`,
    action: "update",
    version: live.version,
    before: normalizeSchedule(live.schedule),
    after: normalizeSchedule(after),
    diff: diffSchedules(normalizeSchedule(live.schedule), normalizeSchedule(after)),
  };
}

function planOf(...changes: PlannedChange[]): Plan {
  const count = (a: string) => changes.filter((c) => c.action === a).length;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    profile: "tutorial",
    at: "2026-12-01T15:00:00.000Z",
    revision: REVISION,
    summary: { update: count("update"), noop: count("noop"), error: count("error") },
    changes,
    transitions: [],
  };
}

type Entry =
  | { kind: "intent"; id: string; intent: WriteIntent }
  | { kind: "written"; id: string; change: ChangeRecord }
  | { kind: "abandoned"; id: string; reason: string }
  | { kind: "released"; id: string };

/** The journal's side of apply: what was recorded, in order. */
function journal(
  options: { failWritten?: Error } = {},
): WriteRecorder & { entries: Entry[]; open(): string[] } {
  const entries: Entry[] = [];
  let n = 0;
  return {
    entries,
    async intent(intent) {
      const id = `int_${++n}`;
      entries.push({ kind: "intent", id, intent: structuredClone(intent) });
      return id;
    },
    async written(id, change) {
      if (options.failWritten) throw options.failWritten;
      entries.push({ kind: "written", id, change });
    },
    async abandoned(id, reason) {
      entries.push({ kind: "abandoned", id, reason });
    },
    release(id) {
      entries.push({ kind: "released", id });
    },
    /** Intents with no outcome: what recovery settles from live state. */
    open() {
      const settled = new Set(
        entries.filter((e) => e.kind === "written" || e.kind === "abandoned").map((e) => e.id),
      );
      return entries.filter((e) => e.kind === "intent" && !settled.has(e.id)).map((e) => e.id);
    },
  };
}

function options(recorder: WriteRecorder, overrides: Partial<ApplyOptions> = {}): ApplyOptions {
  // Each reading moves 10 ms on, so every write has a latency.
  let now = Date.parse("2026-12-01T15:00:00Z");
  return {
    mode: "fresh",
    actor: "dialwindow apply (test@host)",
    revision: REVISION,
    logger: silentLogger(),
    recorder,
    clock: { now: () => (now += 10), setTimer: systemClock.setTimer },
    ...overrides,
  };
}

describe("applyPlan", () => {
  it("writes exactly the updates, each expecting the version it was planned against; noop and error pass through in plan order", async () => {
    const port = new MemoryPort({ [A]: OLD, [B]: OLD, [C]: OLD });
    const versions = [A, B].map((id) => port.get(id)?.version);
    const j = journal();
    const noop: PlannedChange = { ...update(port, C, OLD), action: "noop" };
    const error: PlannedChange = {
      ...update(port, C),
      campaignId: "100000000000000009",
      name: "gone",
      action: "error",
      error: "campaign does not exist in CXone",
    };
    const result = await applyPlan(planOf(update(port, A), noop, error, update(port, B)), port, options(j));

    assert.deepEqual(
      result.outcomes.map((o) => [o.campaignId, o.result, o.error]),
      [
        [A, "updated", undefined],
        [C, "unchanged", undefined],
        ["100000000000000009", "failed", "campaign does not exist in CXone"],
        [B, "updated", undefined],
      ],
    );
    assert.deepEqual(result.summary, { updated: 2, unchanged: 1, converged: 0, failed: 1, skipped: 0 });
    assert.deepEqual(
      port.calls.map((c) => (c.op === "writeSchedule" ? [c.id, c.expectedVersion] : c.op)),
      [
        [A, versions[0]],
        [B, versions[1]],
      ],
      "one write per update and nothing else: no read, no write for noop or error",
    );
    assert.deepEqual(port.get(A)?.schedule, normalizeSchedule(NEW));
    assert.deepEqual(port.get(C)?.schedule, OLD);
    port.verify();
  });

  it("brackets each write: an intent before it, then the change record with both versions, once", async () => {
    const port = new MemoryPort({ [A]: OLD });
    const before = port.get(A)?.version as string;
    const j = journal();
    const result = await applyPlan(planOf(update(port, A)), port, options(j));
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "written"],
    );
    const [intent, written] = j.entries;
    assert.ok(intent?.kind === "intent" && written?.kind === "written");
    assert.equal(written.id, intent.id);
    assert.deepEqual(intent.intent, {
      campaignId: A,
      name: "name-1",
      file: "campaigns/1.yaml",
      revision: REVISION,
      before: normalizeSchedule(OLD),
      after: normalizeSchedule(NEW),
      versionBefore: before,
    });
    assert.equal(written.change.versionBefore, before);
    assert.equal(written.change.versionAfter, port.get(A)?.version);
    assert.equal(written.change.actor, "dialwindow apply (test@host)");
    assert.match(written.change.changeId, /^chg_/);
    assert.deepEqual(result.changes, [written.change]);
  });

  it("fresh: a version conflict re-reads, re-plans against the new live state and writes again expecting its version", async () => {
    const port = new MemoryPort({ [A]: OLD });
    const planned = port.get(A)?.version;
    port.fault({ op: "writeSchedule", id: A, before: (p) => p.set(A, HAND) });
    const j = journal();
    const result = await applyPlan(planOf(update(port, A)), port, options(j));
    assert.equal(result.outcomes[0]?.result, "updated");
    const writes = port.writes();
    assert.equal(writes.length, 2);
    assert.equal(writes[0]?.expectedVersion, planned);
    assert.notEqual(writes[1]?.expectedVersion, planned);
    assert.deepEqual(port.get(A)?.schedule, normalizeSchedule(NEW));
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "abandoned", "intent", "written"],
    );
    const change = result.changes[0];
    assert.deepEqual(
      change?.before,
      normalizeSchedule(HAND),
      "the record says what it replaced: the hand edit",
    );
    port.verify();
  });

  it("saved: a version conflict fails with 'run plan again' and never overwrites the campaign", async () => {
    const port = new MemoryPort({ [A]: OLD, [B]: OLD });
    const plan = planOf(update(port, A), update(port, B));
    port.set(A, HAND); // edited in CXone after the plan was reviewed
    const j = journal();
    const result = await applyPlan(plan, port, options(j, { mode: "saved" }));
    assert.deepEqual(
      result.outcomes.map((o) => [o.result, o.error]),
      [
        ["failed", "live changed since the plan; run plan again"],
        ["updated", undefined],
      ],
    );
    assert.deepEqual(port.get(A)?.schedule, HAND, "the hand edit stands");
    assert.equal(port.writes().filter((w) => w.id === A).length, 1);
    assert.deepEqual(j.open(), [], "the refused write's intent is abandoned, not left open");
  });

  it("a conflict that left CXone in the desired state is 'converged': no change record, no second write", async () => {
    const port = new MemoryPort({ [A]: OLD });
    port.fault({ op: "writeSchedule", id: A, before: (p) => p.set(A, NEW) });
    const j = journal();
    const result = await applyPlan(planOf(update(port, A)), port, options(j, { mode: "saved" }));
    assert.equal(result.outcomes[0]?.result, "converged");
    assert.deepEqual(result.changes, []);
    assert.equal(port.writes().length, 1);
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "abandoned"],
    );
    port.verify();
  });

  it("an answer lost after the write landed: confirmed by reading again and recorded once, never written twice", async () => {
    for (const mode of ["fresh", "saved"] as const) {
      const port = new MemoryPort({ [A]: OLD });
      port.fault({
        op: "writeSchedule",
        id: A,
        land: true,
        error: new OutcomeUnknownError("socket hang up"),
      });
      const j = journal();
      const result = await applyPlan(planOf(update(port, A)), port, options(j, { mode }));
      assert.equal(result.outcomes[0]?.result, "updated", mode);
      assert.equal(result.changes[0]?.versionAfter, port.get(A)?.version);
      assert.deepEqual(
        port.calls.map((c) => c.op),
        ["writeSchedule", "readCampaign"],
      );
      assert.deepEqual(
        j.entries.map((e) => e.kind),
        ["intent", "written"],
      );
      port.verify();
    }
  });

  it("an answer lost and the write not landed: fresh writes again; saved fails saying it did not land", async () => {
    const fresh = new MemoryPort({ [A]: OLD });
    fresh.fault({ op: "writeSchedule", id: A, error: new OutcomeUnknownError("503 Service Unavailable") });
    const j = journal();
    const r1 = await applyPlan(planOf(update(fresh, A)), fresh, options(j));
    assert.equal(r1.outcomes[0]?.result, "updated");
    assert.equal(fresh.writes().length, 2);
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "abandoned", "intent", "written"],
    );

    const saved = new MemoryPort({ [A]: OLD });
    saved.fault({ op: "writeSchedule", id: A, error: new OutcomeUnknownError("503 Service Unavailable") });
    const r2 = await applyPlan(planOf(update(saved, A)), saved, options(journal(), { mode: "saved" }));
    assert.deepEqual(
      r2.outcomes.map((o) => [o.result, o.error]),
      [["failed", "503 Service Unavailable; the write did not land"]],
    );
    assert.equal(saved.writes().length, 1);
    assert.deepEqual(saved.get(A)?.schedule, OLD);
  });

  it("an answer lost and the re-read failing too: failed, and the intent is left open for recovery to settle", async () => {
    const port = new MemoryPort({ [A]: OLD });
    port
      .fault({ op: "writeSchedule", id: A, land: true, error: new OutcomeUnknownError("connection reset") })
      .fault({ op: "readCampaign", id: A, error: new OutcomeUnknownError("connection reset") });
    const j = journal();
    const result = await applyPlan(planOf(update(port, A)), port, options(j));
    assert.equal(result.outcomes[0]?.result, "failed");
    assert.match(result.outcomes[0]?.error ?? "", /whether the write landed is settled on the next run/);
    assert.deepEqual(result.changes, []);
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "released"],
    );
    assert.equal(j.open().length, 1, "open: neither written nor abandoned");
    assert.equal(port.writes().length, 1, "never written blindly again");
    port.verify();
  });

  it("a rejection, a campaign gone and a read-back mismatch fail that campaign only, each abandoned, none retried", async () => {
    const port = new MemoryPort({ [A]: OLD, [B]: OLD, [C]: OLD });
    const stored = { id: C, version: '"v99"', schedule: HAND };
    port
      .fault({
        op: "writeSchedule",
        id: A,
        error: new RejectedError({
          reason: "invalid_schedule: licence allows 4 blocks",
          answer: "422",
          message: "rejected",
        }),
      })
      .fault({ op: "writeSchedule", id: B, error: new NotFoundError("gone") })
      .fault({
        op: "writeSchedule",
        id: C,
        error: new ReadBackMismatchError("CXone holds another schedule than the one sent", stored),
      });
    const j = journal();
    const result = await applyPlan(
      planOf(update(port, A), update(port, B), update(port, C)),
      port,
      options(j),
    );
    assert.deepEqual(
      result.outcomes.map((o) => [o.result, o.error]),
      [
        [
          "failed",
          "CXone rejected the schedule from campaigns/1.yaml (422): invalid_schedule: licence allows 4 blocks",
        ],
        ["failed", "the campaign no longer exists in CXone"],
        ["failed", "CXone holds another schedule than the one sent; not retried, see campaigns/3.yaml"],
      ],
    );
    assert.equal(port.writes().length, 3);
    assert.deepEqual(
      port.calls.filter((c) => c.op !== "writeSchedule"),
      [],
      "no re-read for these",
    );
    assert.equal(j.entries.filter((e) => e.kind === "abandoned").length, 3);
    assert.deepEqual(j.open(), []);
    port.verify();
  });

  it("a write that landed but could not be journalled fails saying so, with its intent left open", async () => {
    const port = new MemoryPort({ [A]: OLD });
    const j = journal({ failWritten: new Error("ENOSPC: no space left on device") });
    const result = await applyPlan(planOf(update(port, A)), port, options(j));
    assert.equal(result.outcomes[0]?.result, "failed");
    assert.match(result.outcomes[0]?.error ?? "", /written to CXone, but journalling it failed \(ENOSPC/);
    assert.deepEqual(port.get(A)?.schedule, normalizeSchedule(NEW));
    assert.deepEqual(
      j.entries.map((e) => e.kind),
      ["intent", "released"],
    );
  });

  it("gives up after maxConflictRetries conflicts, saying to run apply again", async () => {
    const port = new MemoryPort({ [A]: OLD });
    for (let i = 0; i < 3; i++)
      port.fault({ op: "writeSchedule", id: A, before: (p) => p.set(A, schedule(`0${i}:00`)) });
    const result = await applyPlan(
      planOf(update(port, A)),
      port,
      options(journal(), { maxConflictRetries: 2 }),
    );
    assert.deepEqual(
      result.outcomes.map((o) => [o.result, o.error]),
      [["failed", "the campaign kept changing or refusing writes (3 tries); run apply again"]],
    );
    assert.equal(port.writes().length, 3);
    port.verify();
  });

  it("a campaign held (by a deny sync window) is skipped with the reason; nothing is sent for it", async () => {
    const port = new MemoryPort({ [A]: OLD, [B]: OLD });
    const result = await applyPlan(
      planOf(update(port, A), update(port, B)),
      port,
      options(journal(), { hold: (c) => (c.campaignId === A ? "held until 16:00" : undefined) }),
    );
    assert.deepEqual(
      result.outcomes.map((o) => [o.campaignId, o.result, o.error]),
      [
        [A, "skipped", "held until 16:00"],
        [B, "updated", undefined],
      ],
    );
    assert.deepEqual(
      port.writes().map((w) => w.id),
      [B],
    );
  });
});
