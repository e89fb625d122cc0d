/**
 * The reconciler takes its CXone port and its clock from whoever starts it: given a port, it
 * opens no connection of its own and every read and write goes through the one given.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { validateDesiredState } from "../../src/desired/validate.js";
import { connect } from "../../src/live/connect.js";
import type { CxonePort } from "../../src/live/port.js";
import { Reconciler } from "../../src/reconcile/reconciler.js";
import { silentLogger } from "../../src/util/log.js";
import { driftByHand, makeWorld, setReconcileConfig } from "../helpers/world.js";
import { FakeTimers, waitFor } from "./helpers.js";

const Q4 = "123456789012345678";

describe("reconciler: the CXone port it is given", () => {
  it("reads and writes only through the port given, on the clock given", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await makeWorld({ at: start.toISO() as string, noWebhooks: true });
    await setReconcileConfig(world, ["mode: enforce", "resyncInterval: 1h", "debounce: 200ms"]);
    driftByHand(world, Q4);
    const config = (await validateDesiredState(world.dir, { at: start, env: world.env })).config;
    const connection = connect(config, world.env, { logger: silentLogger() });
    const calls: string[] = [];
    const port = new Proxy(connection.port, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as CxonePort;
    const fake = new FakeTimers(start.toMillis());
    const reconciler = await Reconciler.start({
      dir: world.dir,
      cwd: world.dir,
      // No credentials: a connection of its own would be refused.
      env: { ...world.env, CXONE_CLIENT_SECRET: "" },
      logger: silentLogger(),
      clock: fake,
      port,
      random: () => 0.5,
      auditRemote: null,
    });
    try {
      await reconciler.run();
      await waitFor("the hand edit to be undone", () => world.sim.countRequests("patch") === 1, 10_000);
      assert.ok(calls.includes("readCampaigns"), calls.join(", "));
      assert.ok(calls.includes("writeSchedule"), calls.join(", "));
      await waitFor("every campaign in sync", () => reconciler.status().counts.in_sync === 7, 10_000);
    } finally {
      const stopping = reconciler.stop("test done");
      await fake.advance(60_000);
      await stopping;
      await connection.close();
    }
  });
});
