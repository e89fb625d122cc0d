/**
 * The reconciler's decision, pure: the same planned change written, held, reported or left
 * frozen depending only on the circumstances given.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import type { Schedule } from "../../src/desired/schedule.js";
import { diffSchedules } from "../../src/plan/diff.js";
import type { PlannedChange } from "../../src/plan/plan.js";
import { type DecideContext, decide } from "../../src/reconcile/decide.js";

const AT = DateTime.fromISO("2026-12-06T23:30:00Z", { zone: "utc" });
const before: Schedule = {
  timezone: "America/Chicago",
  dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
  pauseConditions: [],
};
const after: Schedule = { ...before, dialingHours: [{ day: "MON", startTime: "09:00", endTime: "18:00" }] };

function planned(action: PlannedChange["action"], error?: string): PlannedChange {
  return {
    campaignId: "1",
    name: "q4",
    file: "campaigns/q4.yaml",
    action,
    version: action === "error" ? null : "v1",
    before: action === "error" ? null : before,
    after: action === "noop" ? before : after,
    diff: action === "update" ? diffSchedules(before, after) : [],
    ...(error ? { error } : {}),
  };
}

const open: DecideContext = { frozen: undefined, mode: "enforce", window: { denied: false }, at: AT };

describe("decide", () => {
  it("writes an update in enforce mode outside deny windows", () => {
    assert.deepEqual(decide(planned("update"), open), { result: "write" });
  });

  it("leaves a campaign CXone already agrees with alone, whatever the circumstances", () => {
    const worst: DecideContext = { ...open, frozen: "calendars/x.yaml is invalid", mode: "report" };
    assert.deepEqual(decide(planned("noop"), worst), { result: "noop" });
  });

  it("fails a plan that could not be made, before anything else is considered", () => {
    const frozen = { ...open, frozen: "dialwindow.yaml is invalid" };
    assert.deepEqual(decide(planned("error", "skill 1 does not exist in CXone"), frozen), {
      result: "failed",
      detail: "skill 1 does not exist in CXone",
    });
  });

  it("writes nothing while the desired state is frozen, in either mode", () => {
    for (const mode of ["enforce", "report"] as const) {
      assert.deepEqual(decide(planned("update"), { ...open, mode, frozen: "calendars/x.yaml:3:7 DW050" }), {
        result: "blocked",
        detail: "calendars/x.yaml:3:7 DW050",
      });
    }
  });

  it("only reports drift in report mode, even inside a deny window", () => {
    const denied = { denied: true, until: AT.plus({ hours: 2 }) };
    assert.deepEqual(decide(planned("update"), { ...open, mode: "report", window: denied }), {
      result: "drift_reported",
      detail: "2 difference(s) in the schedule",
    });
  });

  it("holds a write inside a deny window and looks again a second after it ends", () => {
    const until = DateTime.fromISO("2026-12-07T02:00:00-06:00", { setZone: true });
    const d = decide(planned("update"), { ...open, window: { denied: true, until } });
    assert.equal(d.result, "held");
    assert.ok(d.result === "held");
    assert.equal(d.until.toISO(), "2026-12-07T08:00:00.000Z");
    assert.equal(d.requeueAfter, 8.5 * 3_600_000 + 1000);
    assert.equal(d.detail, "held by a deny sync window until 2026-12-07T08:00:00.000Z");
  });

  it("a window with no known end is looked at again in a minute; never sooner than a second", () => {
    const d = decide(planned("update"), { ...open, window: { denied: true } });
    assert.ok(d.result === "held");
    assert.equal(d.requeueAfter, 61_000);
    const ending = decide(planned("update"), { ...open, window: { denied: true, until: AT } });
    assert.ok(ending.result === "held");
    assert.equal(ending.requeueAfter, 1000);
  });
});
