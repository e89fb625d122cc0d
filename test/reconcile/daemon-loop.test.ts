/**
 * The reconciler in-process on a fake clock, for what takes real time to happen: waking up at
 * an effective-schedule transition (a holiday entering the wire schedule at local midnight).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { makeAdminWorld, SKILL_NY } from "../helpers/admin-world.js";
import { waitFor } from "../helpers/cli.js";
import { FakeTimers } from "./helpers.js";
import { daemonWorld, startInProcess, stopInProcess } from "./in-process.js";

const Q4 = "123456789012345678";

describe("reconciler wake-ups", () => {
  it("at local midnight six days before a holiday, the holiday's weekday slot is emptied in CXone", async () => {
    // q4-outreach (America/Chicago) has 2026-12-24 (a Thursday) as a holiday. At 23:59 on
    // Thursday 17 December the THU slot still describes the 17th; at 00:00 on the 18th it moves
    // on to the 24th, which has no dialing.
    const start = DateTime.fromISO("2026-12-17T23:59:00", { zone: "America/Chicago" });
    const world = await daemonWorld(start.toUTC());
    const thursday = () =>
      (world.sim.getCampaign(Q4)?.schedule.dialingHours ?? []).filter((h) => h.day === "THU");
    assert.equal(thursday().length, 1, "before midnight, Thursday still dials");

    const fake = new FakeTimers(start.toMillis());
    const reconciler = await startInProcess(world, fake);
    try {
      await reconciler.run();
      assert.ok(
        (await reconciler.metrics.metricsText()).includes(
          `dialwindow_next_transition_timestamp_seconds ${start.plus({ minutes: 1 }).toSeconds()}`,
        ),
      );
      assert.equal(world.sim.countRequests("patch"), 0, "nothing to do before the transition");

      await fake.advance(61_000);
      await waitFor("the THU slot to be emptied at the transition", () => thursday().length === 0, 10_000);
      const patch = world.sim.requests("patch")[0];
      assert.ok(patch?.path.endsWith(Q4));
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});

describe("reconciler wake-ups under cxone-admin", () => {
  it("at the local midnight when a clock change moves a translated window, the skill is rewritten", async () => {
    // east-collections (New York, 09:00-17:00) is written in Phoenix time, which has no DST. At
    // 23:59 on Thursday 5 March the THU slot describes the 5th (07:00 in Phoenix); at 00:00 on the
    // 6th it moves on to the 12th, after the US change of the 8th: 06:00 in Phoenix. No holiday
    // or override is involved: only the clock change makes this a transition.
    const start = DateTime.fromISO("2026-03-05T23:59:00", { zone: "America/New_York" });
    const world = await makeAdminWorld({
      at: start.toUTC().toISO() as string,
      scheduleTimezone: "America/Phoenix",
    });
    const thursday = () => world.sim.scheduleSettings(SKILL_NY)?.thursdayStartTime;
    assert.equal(thursday(), "07:00");
    const fake = new FakeTimers(start.toMillis());
    const reconciler = await startInProcess(world, fake);
    try {
      await reconciler.run();
      assert.equal(world.sim.countRequests("put-schedule"), 0, "nothing to do before the transition");
      assert.ok(
        (await reconciler.metrics.metricsText()).includes(
          `dialwindow_next_transition_timestamp_seconds ${start.plus({ minutes: 1 }).toSeconds()}`,
        ),
      );
      await fake.advance(61_000);
      await waitFor("the THU window to move to 06:00 Phoenix time", () => thursday() === "06:00", 10_000);
      assert.equal(world.sim.countRequests("put-schedule"), 1);
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});
