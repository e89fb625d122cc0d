/**
 * The reconciler in-process on a fake clock, over a world (the example repository and the
 * simulator): a world set up for it, starting it, and stopping it however the test ends.
 */
import type { DateTime } from "luxon";
import { Reconciler, type ReconcilerOptions } from "../../src/reconcile/reconciler.js";
import { silentLogger } from "../../src/util/log.js";
import { makeWorld, setReconcileConfig, type World } from "../helpers/world.js";
import type { FakeTimers } from "./helpers.js";

/** The example in sync with the simulator at `at`, enforce mode, an hourly resync, no webhooks. */
export async function daemonWorld(at: DateTime): Promise<World> {
  const world = await makeWorld({ at: at.toISO() as string, noWebhooks: true });
  await setReconcileConfig(world, ["mode: enforce", "resyncInterval: 1h", "debounce: 200ms"]);
  return world;
}

export function startInProcess(
  world: Pick<World, "dir" | "env">,
  clock: FakeTimers,
  options: Partial<ReconcilerOptions> = {},
): Promise<Reconciler> {
  return Reconciler.start({
    dir: world.dir,
    cwd: world.dir,
    env: world.env,
    logger: silentLogger(),
    clock,
    random: () => 0.5,
    auditRemote: null,
    ...options,
  });
}

/** Stops it, moving the clock on so the shutdown's waits end. */
export async function stopInProcess(reconciler: Reconciler, clock: FakeTimers): Promise<void> {
  const stopping = reconciler.stop("test done");
  await clock.advance(60_000);
  await stopping;
}
