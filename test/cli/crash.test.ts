/**
 * A crash at any point loses nothing: the real binary is SIGKILLed mid-apply, and the next
 * command that writes finishes the work with the same webhook-id and one audit record.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyAuditTrail } from "../../src/audit/verify.js";
import { runInProcess, spawnBinary, waitFor } from "../helpers/cli.js";
import { driftByHand, makeWorld } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";

async function auditRecords(origin: string): Promise<number> {
  const v = await verifyAuditTrail({ remote: origin, branch: "dialwindow-audit", path: "audit" });
  assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
  return v.records;
}

describe("SIGKILL between the PATCH and the webhook", () => {
  it("killed after the PATCH landed but before its answer was journalled: the next run finds the write in CXone and delivers it once", async () => {
    const world = await makeWorld({ git: true });
    driftByHand(world, Q4);
    // The PATCH is stored, then the connection hangs: the client never learns it succeeded.
    world.sim.injectFault({
      kind: "patch",
      campaignId: Q4,
      times: 1,
      fault: { type: "hang", afterProcessing: true },
    });
    const run = spawnBinary(["apply", "--dir", world.dir, "--at", AT], { env: world.env });
    await waitFor(
      "the PATCH to land",
      () => JSON.stringify(world.sim.getCampaign(Q4)?.schedule) === JSON.stringify(world.desired.get(Q4)),
    );
    run.child.kill("SIGKILL");
    const killed = await run.done;
    assert.equal(killed.signal, "SIGKILL");
    assert.equal(world.receiver.requests.length, 0, "no webhook went out before the crash");

    // What follows the crash runs in-process: the kill needed a real process, the recovery does not.
    const retry = await runInProcess(["webhooks", "retry", "--dir", world.dir, "--webhook-wait", "10"], {
      env: world.env,
      now: AT,
    });
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    const deliveries = world.receiver.requests.filter((r) => r.verified);
    assert.equal(deliveries.length, 1);
    const body = JSON.parse(deliveries[0]?.body ?? "{}");
    assert.equal(body.campaign_id, Q4);
    assert.deepEqual(body.schedule, world.desired.get(Q4));
    assert.equal(await auditRecords(world.origin as string), 1);

    // Nothing is left to do, and nothing is done twice.
    const again = await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Apply: 0 updated, 7 unchanged\./);
    assert.equal(world.receiver.requests.filter((r) => r.verified).length, 1);
    assert.equal(await auditRecords(world.origin as string), 1);
    assert.equal(world.sim.countRequests("patch"), 1);
  });
  // Killed while a webhook is on the wire: test/apply/recovery.test.ts settles that journal
  // (a change recorded but not delivered is delivered by the next run, once, under its id).
});
