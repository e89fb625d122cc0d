/**
 * The reconciler in-process on a fake clock, under cxone-admin with a campaign whose curfews are
 * managed: a hand change to the skill's recipient time-zone boundings is found by the live
 * resync and undone in enforce mode, and only reported in report mode; a campaign that starts
 * managing them while a resync reads CXone is read again, not judged by that read.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { validateDesiredState } from "../../src/desired/validate.js";
import { connect } from "../../src/live/connect.js";
import { type ReconcileEvent, Reconciler } from "../../src/reconcile/reconciler.js";
import { silentLogger } from "../../src/util/log.js";
import { coastToCoast, makeAdminWorld, SKILL_NY } from "../helpers/admin-world.js";
import { waitFor } from "../helpers/cli.js";
import { FakeTimers, holdingPort, settle } from "./helpers.js";

const AT = "2026-12-01T15:00:00Z";
const HOUR = 3_600_000;
const EASTERN = "Eastern Standard Time";
const PACIFIC = "Pacific Standard Time";

const MANAGED = coastToCoast(["  curfews: managed"]);

const LAWFUL = [EASTERN, PACIFIC].map((standardName) => ({
  standardName,
  timeZoneActiveToCall: true,
  overrideTime: true,
  startTime: "08:00",
  endTime: "21:00",
}));

const HAND_EDIT = [
  {
    standardName: EASTERN,
    timeZoneActiveToCall: true,
    overrideTime: true,
    startTime: "07:00",
    endTime: "22:00",
  },
];

async function withDaemon(
  mode: "enforce" | "report",
  body: (ctx: {
    world: Awaited<ReturnType<typeof makeAdminWorld>>;
    fake: FakeTimers;
    events: ReconcileEvent[];
  }) => Promise<void>,
): Promise<void> {
  const world = await makeAdminWorld({
    at: AT,
    campaigns: { "campaigns/coast.yaml": MANAGED },
    cxoneExtra: "reconcile:\n  resyncInterval: 1h\n  debounce: 200ms",
  });
  // In sync to begin with: the skill holds what the law gives.
  world.sim.editTimeZoneSettings(SKILL_NY, LAWFUL);
  const fake = new FakeTimers(DateTime.fromISO(AT).toMillis());
  const events: ReconcileEvent[] = [];
  const reconciler = await Reconciler.start({
    dir: world.dir,
    cwd: world.dir,
    env: world.env,
    mode,
    logger: silentLogger(),
    clock: fake,
    random: () => 0.5,
    auditRemote: null,
    events: { onReconciled: (e) => events.push(e) },
  });
  try {
    await reconciler.run();
    assert.equal(world.sim.countRequests("put-time-zones"), 0, "in sync at start: nothing written");
    await body({ world, fake, events });
  } finally {
    const stopping = reconciler.stop("test done");
    await fake.advance(60_000);
    await stopping;
  }
}

describe("the reconciler and managed curfews", () => {
  it("enforce: a hand change to the boundings is reverted at the next resync, with one PUT", async () => {
    await withDaemon("enforce", async ({ world, fake, events }) => {
      world.sim.editTimeZoneSettings(SKILL_NY, HAND_EDIT);
      await fake.advance(HOUR + 1000);
      await waitFor("the write to be reported", () => events.some((e) => e.result === "applied"), 10_000);
      assert.deepEqual(world.sim.timeZoneSettings(SKILL_NY), LAWFUL, "the boundings are restored");
      assert.equal(world.sim.countRequests("put-time-zones"), 1);
      assert.equal(world.sim.countRequests("put-schedule"), 0, "the schedule was in sync");
      const applied = events.find((e) => e.result === "applied");
      assert.equal(applied?.change?.part, "curfews");
      assert.deepEqual(applied?.change?.before, [{ zone: EASTERN, start: "07:00", end: "22:00" }]);
    });
  });

  it("report: the same hand change is reported as drift and left in CXone", async () => {
    await withDaemon("report", async ({ world, fake, events }) => {
      world.sim.editTimeZoneSettings(SKILL_NY, HAND_EDIT);
      await fake.advance(HOUR + 1000);
      await waitFor(
        "the drift to be reported",
        () => events.some((e) => e.result === "drift_reported"),
        10_000,
      );
      const reported = events.find((e) => e.result === "drift_reported");
      assert.match(reported?.detail ?? "", /3 difference\(s\) in the curfews/);
      assert.equal(world.sim.countRequests("put-time-zones"), 0, "report mode never writes");
      assert.deepEqual(
        world.sim.timeZoneSettings(SKILL_NY),
        HAND_EDIT.map((b) => ({ ...b })),
      );
    });
  });
});

describe("a campaign that starts managing its curfews while a resync reads CXone", () => {
  it("is read again by its handler, not judged by a read that left its boundings out", async () => {
    const world = await makeAdminWorld({
      at: AT,
      campaigns: { "campaigns/coast.yaml": coastToCoast() },
      cxoneExtra: "reconcile:\n  resyncInterval: 1h\n  debounce: 200ms",
    });
    world.sim.editTimeZoneSettings(SKILL_NY, HAND_EDIT);
    const start = DateTime.fromISO(AT);
    const config = (await validateDesiredState(world.dir, { at: start, env: world.env })).config;
    const connection = connect(config, world.env, { logger: silentLogger() });
    const { port, holdNextRead } = holdingPort(connection.port);
    const fake = new FakeTimers(start.toMillis());
    const events: ReconcileEvent[] = [];
    const reconciler = await Reconciler.start({
      dir: world.dir,
      cwd: world.dir,
      env: world.env,
      mode: "enforce",
      logger: silentLogger(),
      clock: fake,
      random: () => 0.5,
      auditRemote: null,
      port,
      events: { onReconciled: (e) => events.push(e) },
    });
    try {
      await reconciler.run();
      assert.equal(world.sim.countRequests("put-time-zones"), 0, "curfews unmanaged: the hand edit stays");
      const held = holdNextRead();
      await fake.advance(HOUR + 1000);
      await held.read.promise; // the hourly resync has read CXone, without boundings

      await writeFile(join(world.dir, "campaigns/coast.yaml"), MANAGED);
      await reconciler.reload();
      held.release.resolve();
      await waitFor(
        "the boundings to be written",
        () => events.some((e) => e.result === "applied" && e.change?.part === "curfews"),
        10_000,
      );
      await settle();
      assert.deepEqual(world.sim.timeZoneSettings(SKILL_NY), LAWFUL);
      assert.deepEqual(
        events.filter((e) => e.result === "failed").map((e) => e.detail),
        [],
        "no failure from judging the read made before the change",
      );
    } finally {
      const stopping = reconciler.stop("test done");
      await fake.advance(60_000);
      await stopping;
      await connection.close();
    }
  });
});
