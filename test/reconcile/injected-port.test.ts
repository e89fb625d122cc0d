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
import { silentLogger } from "../../src/util/log.js";
import { driftByHand } from "../helpers/world.js";
import { FakeTimers, waitFor } from "./helpers.js";
import { daemonWorld, startInProcess, stopInProcess } from "./in-process.js";

const Q4 = "123456789012345678";

describe("reconciler: the CXone port it is given", () => {
  it("reads and writes only through the port given, on the clock given", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
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
    // No credentials: a connection of its own would be refused.
    const reconciler = await startInProcess(world, fake, {
      env: { ...world.env, CXONE_CLIENT_SECRET: "" },
      port,
    });
    try {
      await reconciler.run();
      await waitFor("the hand edit to be undone", () => world.sim.countRequests("patch") === 1, 10_000);
      assert.ok(calls.includes("readCampaigns"), calls.join(", "));
      assert.ok(calls.includes("writeSchedule"), calls.join(", "));
      await waitFor("every campaign in sync", () => reconciler.status().counts.in_sync === 7, 10_000);
    } finally {
      await stopInProcess(reconciler, fake);
      await connection.close();
    }
  });
});
