/**
 * The reconciler in-process on a fake clock, when the desired state cannot be used: writes held
 * back while it could not be read go out as soon as it can be, and a daemon limited to one
 * team's campaigns (`--selector`) reports only that team's broken files.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { validateDesiredState } from "../../src/desired/validate.js";
import { Reconciler } from "../../src/reconcile/reconciler.js";
import { driftByHand, makeWorld, setReconcileConfig } from "../helpers/world.js";
import { capturingLogger, FakeTimers, waitFor } from "./helpers.js";

const Q4 = "123456789012345678";

describe("reconciler: a desired state that cannot be read", () => {
  it("a write held back while the desired state could not be read goes out when it can be read again, not at the next resync", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await makeWorld({ at: start.toISO() as string, noWebhooks: true });
    await setReconcileConfig(world, ["mode: enforce", "resyncInterval: 1h", "debounce: 200ms"]);
    const fake = new FakeTimers(start.toMillis());
    let unreadable = false;
    const reconciler = await Reconciler.start({
      dir: world.dir,
      cwd: world.dir,
      env: world.env,
      logger: capturingLogger().logger,
      now: () => DateTime.fromMillis(fake.now(), { zone: "UTC" }),
      timers: fake,
      random: () => 0.5,
      auditRemote: null,
      readDesiredState: (dir, options) => {
        if (unreadable) return Promise.reject(new Error("EIO: i/o error, scandir 'campaigns'"));
        return validateDesiredState(dir, options);
      },
    });
    try {
      await reconciler.run();
      unreadable = true;
      await reconciler.reload();
      assert.match(JSON.stringify(reconciler.status().held), /cannot read the desired state: EIO/);

      // A hand edit found by the resync is not undone while the desired state is unreadable.
      driftByHand(world, Q4);
      await fake.advance(3_600_000 * 1.1);
      await waitFor(
        "the drifted campaign to be held back",
        () => reconciler.status().problems.some((p) => p.campaignId === Q4 && p.state === "blocked"),
        10_000,
      );
      assert.equal(world.sim.countRequests("patch"), 0);

      unreadable = false;
      await reconciler.reload();
      await waitFor("the held-back write", () => world.sim.countRequests("patch") === 1, 5_000);
      await waitFor("the campaign to be in sync", () => reconciler.status().counts.in_sync === 7, 5_000);
      assert.equal(reconciler.status().held, null);
      assert.deepEqual(reconciler.status().problems, []);
      assert.equal(world.sim.countRequests("patch"), 1);
    } finally {
      const stopping = reconciler.stop("test done");
      await fake.advance(60_000);
      await stopping;
    }
  });
});
