/**
 * Smoke tests of the real daemon as a child process, in real time, against the simulator and
 * real git repositories: the binary starts, serves, writes, and stops cleanly on SIGTERM even
 * mid-write. Its behaviours one by one run in-process on a fake clock in
 * test/reconcile/daemon-behaviour.test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DateTime } from "luxon";
import { verifyAuditTrail } from "../../src/audit/verify.js";
import { Journal } from "../../src/state/journal.js";
import { silentLogger } from "../../src/util/log.js";
import { waitFor } from "../helpers/cli.js";
import { type Daemon, startDaemon } from "../helpers/daemon.js";
import { sendRaw } from "../helpers/http-fuzz.js";
import { driftByHand, editFile, makeWorld, setReconcileConfig, type World } from "../helpers/world.js";

const Q4 = "123456789012345678";
const EAST = "223456789012345678";
const WEST = "323456789012345678";
const FAST = ["mode: enforce", "resyncInterval: 1s", "gitInterval: 1s", "debounce: 200ms"];

const running: Daemon[] = [];
after(async () => {
  for (const d of running) if (d.run.child.exitCode === null) await d.stop("SIGKILL");
});

async function daemon(args: string[], env: Record<string, string>): Promise<Daemon> {
  const d = await startDaemon(args, env);
  running.push(d);
  return d;
}

/** The world as of now: the daemon evaluates holidays and overrides at the real current time. */
async function world(options: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  const w = await makeWorld({ at: DateTime.utc().toISO() as string, ...options });
  await setReconcileConfig(w, FAST);
  return w;
}

function matches(w: World, id: string): boolean {
  return JSON.stringify(w.sim.getCampaign(id)?.schedule) === JSON.stringify(w.desired.get(id));
}

async function readyz(d: Daemon): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  const res = await fetch(`${d.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reasons: string[] } };
}

describe("reconcile --dir (enforce)", () => {
  it("fixes drift at start, applies an edited file, reverts a hand edit, moves the metrics, and SIGTERM exits 0 with nothing lost", async () => {
    const w = await world({ git: true });
    driftByHand(w, Q4);
    const d = await daemon(["--dir", w.dir], w.env);

    await waitFor("the startup drift to be fixed", () => matches(w, Q4));
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);

    // One unauthenticated request whose target the URL parser refuses: a 400, and the daemon
    // goes on (everything below needs it alive).
    const killer = await sendRaw(Number(new URL(d.url).port), [
      Buffer.from("GET //[ HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]);
    assert.match(killer.response, /^HTTP\/1\.1 400 /);
    assert.equal((await fetch(`${d.url}/healthz`)).status, 200);

    await editFile(w, "campaigns/sales/renewals-west.yaml", (t) => t.replace('end: "18:00"', 'end: "17:00"'));
    await waitFor("the edited file to be applied", () =>
      (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === "17:00"),
    );

    driftByHand(w, EAST, "WED");
    await waitFor("the hand edit to be reverted by the resync", () => matches(w, EAST));

    // The simulator holds the reverted schedule a moment before the daemon has journalled the
    // write and counted it.
    await waitFor(
      "the three writes to be counted",
      async () => (await d.metric("dialwindow_reconciles_total", { result: "applied" })) >= 3,
    );
    assert.ok((await d.metric("dialwindow_api_requests_total", { kind: "patch" })) >= 3);
    assert.ok(
      (await d.metric("dialwindow_api_requests_total", { kind: "list" })) >= 2,
      "the resync reads pages, not campaigns one by one",
    );
    await waitFor(
      "deliveries to be counted",
      async () => (await d.metric("dialwindow_webhook_deliveries_total", { result: "delivered" })) >= 3,
    );
    assert.ok(
      (await d.metric("dialwindow_last_successful_reconcile_timestamp_seconds")) > Date.now() / 1000 - 60,
    );
    await waitFor(
      "the audit commit to be counted",
      async () => (await d.metric("dialwindow_audit_commits_total")) >= 1,
    );

    const exit = await d.stop("SIGTERM");
    assert.equal(exit.code, 0);
    // Nothing lost: one verified delivery per change, every change audited, no open intent.
    const patches = w.sim.requests("patch").filter((p) => p.status === 200).length;
    assert.equal(patches, 3);
    const delivered = new Set(w.receiver.requests.filter((r) => r.verified).map((r) => r.id));
    assert.equal(delivered.size, 3);
    const trail = await verifyAuditTrail({
      remote: w.origin as string,
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.equal(trail.ok, true);
    assert.equal(trail.records, 3);
    const journal = await Journal.open(join(w.dir, ".dialwindow/journal.jsonl"), {
      logger: silentLogger(),
      readOnly: true,
    });
    assert.deepEqual(journal.view.openIntents(), []);
    assert.deepEqual(journal.view.unaudited(), []);
    await journal.close();
  });
});

describe("reconcile: SIGTERM during a write", () => {
  it("finishes the in-flight write, delivers its webhook, commits its audit record, exits 0", async () => {
    const w = await world({ git: true });
    const d = await daemon(["--dir", w.dir], w.env);
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);
    w.sim.configure({ latencyMs: 1500 });
    driftByHand(w, Q4);
    await waitFor(
      "a PATCH in flight",
      () => w.sim.requests("patch").some((p) => p.status === undefined),
      20_000,
    );
    const exit = await d.stop("SIGTERM");
    assert.equal(exit.code, 0);
    assert.equal(w.sim.requests("patch")[0]?.status, 200, "the write completed");
    assert.ok(matches(w, Q4));
    assert.equal(new Set(w.receiver.requests.filter((r) => r.verified).map((r) => r.id)).size, 1);
    const trail = await verifyAuditTrail({
      remote: w.origin as string,
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.equal(trail.records, 1);
  });
});
