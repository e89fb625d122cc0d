/**
 * The reconciler in-process on a fake clock, for what takes real time to happen: waking up at
 * an effective-schedule transition (a holiday entering the wire schedule at local midnight).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { Reconciler } from "../../src/reconcile/reconciler.js";
import { silentLogger } from "../../src/util/log.js";
import { waitFor } from "../helpers/cli.js";
import { makeWorld, setReconcileConfig } from "../helpers/world.js";
import { FakeTimers } from "./helpers.js";

const Q4 = "123456789012345678";

describe("reconciler wake-ups", () => {
  it("at local midnight six days before a holiday, the holiday's weekday slot is emptied in CXone", async () => {
    // q4-outreach (America/Chicago) has 2026-12-24 (a Thursday) as a holiday. At 23:59 on
    // Thursday 17 December the THU slot still describes the 17th; at 00:00 on the 18th it moves
    // on to the 24th, which has no dialing.
    const start = DateTime.fromISO("2026-12-17T23:59:00", { zone: "America/Chicago" });
    const world = await makeWorld({ at: start.toUTC().toISO() as string, noWebhooks: true });
    await setReconcileConfig(world, ["mode: enforce", "resyncInterval: 1h", "debounce: 200ms"]);
    const thursday = () =>
      (world.sim.getCampaign(Q4)?.schedule.dialingHours ?? []).filter((h) => h.day === "THU");
    assert.equal(thursday().length, 1, "before midnight, Thursday still dials");

    const fake = new FakeTimers(start.toMillis());
    const reconciler = await Reconciler.start({
      dir: world.dir,
      cwd: world.dir,
      env: world.env,
      logger: silentLogger(),
      now: () => DateTime.fromMillis(fake.now(), { zone: "UTC" }),
      timers: fake,
      random: () => 0.5,
      auditRemote: null,
    });
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
      const stopping = reconciler.stop("test done");
      await fake.advance(60_000);
      await stopping;
    }
  });
});
