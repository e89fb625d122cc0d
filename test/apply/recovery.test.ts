/**
 * Crash recovery, against a strict in-memory port: the write pipeline (a real journal in a
 * temporary state directory, a real webhook receiver, a real git remote for the audit trail)
 * settles the intents a dead process left open by reading live state. A process that dies
 * between journalling an intent and journalling its outcome leaves exactly that journal; the
 * real binary being SIGKILLed there is the smoke test in test/cli/crash.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WritePipeline } from "../../src/apply/pipeline.js";
import { verifyAuditTrail } from "../../src/audit/verify.js";
import { resolveConfig } from "../../src/desired/config.js";
import { normalizeSchedule, type Schedule } from "../../src/desired/schedule.js";
import { OutcomeUnknownError } from "../../src/live/port.js";
import type { WriteIntent } from "../../src/state/change-record.js";
import { silentLogger } from "../../src/util/log.js";
import { tempDir } from "../helpers/fs.js";
import { MemoryPort } from "../helpers/memory-port.js";
import { newSecret, type Receiver, startReceiver } from "../helpers/receiver.js";
import { GIT_ENV } from "../helpers/world.js";

const A = "100000000000000001";
const OLD: Schedule = {
  timezone: "America/Chicago",
  dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
  pauseConditions: ["BUSY"],
};
const NEW: Schedule = { ...OLD, dialingHours: [{ day: "MON", startTime: "10:00", endTime: "17:00" }] };
const OTHER: Schedule = { ...OLD, dialingHours: [{ day: "MON", startTime: "11:00", endTime: "17:00" }] };

interface Setting {
  open(): Promise<WritePipeline>;
  receiver: Receiver;
  remote: string;
  port: MemoryPort;
}

async function setting(): Promise<Setting> {
  const dir = await tempDir("dw-recovery-");
  const secret = newSecret();
  const receiver = await startReceiver({ "/wfm": secret });
  after(() => receiver.close());
  const remote = join(dir, "audit.git");
  execFileSync("git", ["init", "-q", "--bare", remote], { env: { ...process.env, ...GIT_ENV } });
  const config = resolveConfig({
    apiVersion: "dialwindow/v1",
    kind: "Config",
    webhooks: [{ name: "wfm", url: receiver.url("/wfm"), secretEnv: "WFM_SECRET" }],
    audit: { branch: "dialwindow-audit", path: "audit", push: true },
  });
  const open = () =>
    WritePipeline.open({
      stateDir: join(dir, "state"),
      desiredDir: dir,
      config,
      env: { WFM_SECRET: secret, ...GIT_ENV },
      logger: silentLogger(),
      command: "apply",
      auditRemote: remote,
    });
  return {
    open,
    receiver,
    remote,
    port: new MemoryPort({ [A]: OLD }),
  };
}

function intentFor(port: MemoryPort, after: Schedule): WriteIntent {
  const live = port.get(A);
  assert.ok(live?.version);
  return {
    campaignId: A,
    name: "q4-outreach",
    file: "campaigns/q4.yaml",
    revision: null,
    before: normalizeSchedule(live.schedule),
    after: normalizeSchedule(after),
    versionBefore: live.version,
  };
}

async function finish(p: WritePipeline) {
  return p.finish({ deliveryDeadlineMs: 10_000, revision: null, actor: "dialwindow apply (test@host)" });
}

async function auditRecords(s: Setting): Promise<number> {
  const v = await verifyAuditTrail({ remote: s.remote, branch: "dialwindow-audit", path: "audit" });
  assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
  return v.records;
}

describe("crash recovery: intents a dead process left open", () => {
  it("a write that landed is recorded from live state, delivered once under its change id and audited once", async () => {
    const s = await setting();
    const crashed = await s.open();
    await crashed.recorder.intent(intentFor(s.port, NEW));
    s.port.set(A, NEW); // CXone took the write; the process died before journalling the answer
    await crashed.close();

    const next = await s.open();
    assert.equal(next.openIntentCount(), 1);
    assert.deepEqual(await next.recover(s.port), { confirmed: 1, abandoned: 0, unsettled: 0 });
    assert.deepEqual(s.port.writes(), [], "settled by reading, never by writing again");
    const [change] = next.journal.view.unaudited();
    assert.equal(change?.versionAfter, s.port.get(A)?.version);
    assert.deepEqual(change?.after, normalizeSchedule(NEW));
    const summary = await finish(next);
    assert.deepEqual(summary.webhooks, { delivered: 1, pending: 0, dead: 0 });
    assert.equal(summary.audit.appended, 1);
    await next.close();
    const deliveries = s.receiver.requests.filter((r) => r.verified);
    assert.deepEqual(
      deliveries.map((r) => r.id),
      [change?.changeId],
    );
    assert.equal(JSON.parse(deliveries[0]?.body ?? "{}").campaign_id, A);
    assert.equal(await auditRecords(s), 1);

    // The run after that finds nothing left to do and does nothing twice.
    const third = await s.open();
    assert.equal(third.openIntentCount(), 0);
    assert.deepEqual(await third.recover(s.port), { confirmed: 0, abandoned: 0, unsettled: 0 });
    const again = await finish(third);
    await third.close();
    assert.deepEqual(again.webhooks, { delivered: 0, pending: 0, dead: 0 });
    assert.equal(again.audit.appended, 0);
    assert.equal(s.receiver.requests.length, 1);
    assert.equal(await auditRecords(s), 1);
  });

  it("a change journalled but not yet delivered when the process died is delivered by the next run, once", async () => {
    const s = await setting();
    const crashed = await s.open();
    const intent = intentFor(s.port, NEW);
    const id = await crashed.recorder.intent(intent);
    const version = s.port.set(A, NEW);
    await crashed.recorder.written(id, {
      ...intent,
      changeId: "chg_01KNOWNBEFORETHECRASH",
      versionAfter: version,
      actor: "dialwindow apply (test@host)",
      at: "2026-12-01T15:00:00.000Z",
    });
    await crashed.close();

    const next = await s.open();
    assert.deepEqual(await next.recover(s.port), { confirmed: 0, abandoned: 0, unsettled: 0 });
    assert.deepEqual((await finish(next)).webhooks, { delivered: 1, pending: 0, dead: 0 });
    await next.close();
    assert.deepEqual(
      s.receiver.requests.map((r) => [r.id, r.verified]),
      [["chg_01KNOWNBEFORETHECRASH", true]],
    );
    assert.equal(await auditRecords(s), 1);
  });

  it("a write that never landed is abandoned: no change record, no webhook, no audit record", async () => {
    const s = await setting();
    const crashed = await s.open();
    await crashed.recorder.intent(intentFor(s.port, NEW));
    await crashed.close();

    const next = await s.open();
    assert.deepEqual(await next.recover(s.port), { confirmed: 0, abandoned: 1, unsettled: 0 });
    assert.equal(next.openIntentCount(), 0);
    assert.deepEqual(next.journal.view.unaudited(), []);
    const summary = await finish(next);
    await next.close();
    assert.deepEqual(summary.webhooks, { delivered: 0, pending: 0, dead: 0 });
    assert.equal(s.receiver.requests.length, 0);
  });

  it("someone else's edit is not taken for ours: the live schedule must be the intent's, at a new version", async () => {
    const s = await setting();
    const crashed = await s.open();
    await crashed.recorder.intent(intentFor(s.port, NEW));
    await crashed.close();
    s.port.set(A, OTHER); // edited by hand in CXone: a new version, but not what we sent

    const next = await s.open();
    assert.deepEqual(await next.recover(s.port), { confirmed: 0, abandoned: 1, unsettled: 0 });
    await next.close();
  });

  it("when CXone cannot be read, the intent stays open and a later run settles it", async () => {
    const s = await setting();
    const crashed = await s.open();
    await crashed.recorder.intent(intentFor(s.port, NEW));
    s.port.set(A, NEW);
    await crashed.close();

    const next = await s.open();
    s.port.fault({ op: "readCampaign", id: A, error: new OutcomeUnknownError("connection refused") });
    assert.deepEqual(await next.recover(s.port), { confirmed: 0, abandoned: 0, unsettled: 1 });
    assert.equal(next.openIntentCount(), 1);
    assert.deepEqual(await next.recover(s.port), { confirmed: 1, abandoned: 0, unsettled: 0 });
    await next.close();
    s.port.verify();
  });

  it("of several open intents for one campaign, only the latest that live state holds is confirmed", async () => {
    const s = await setting();
    const crashed = await s.open();
    // A first attempt that never landed, then a second (after a re-read) that did.
    await crashed.recorder.intent(intentFor(s.port, OTHER));
    await crashed.recorder.intent(intentFor(s.port, NEW));
    s.port.set(A, NEW);
    await crashed.close();

    const next = await s.open();
    assert.deepEqual(await next.recover(s.port), { confirmed: 1, abandoned: 1, unsettled: 0 });
    assert.deepEqual(
      next.journal.view.unaudited().map((c) => c.after),
      [normalizeSchedule(NEW)],
    );
    await next.close();
  });

  it("an intent whose write is still running in this process is left alone", async () => {
    const s = await setting();
    const p = await s.open();
    await p.recorder.intent(intentFor(s.port, NEW));
    s.port.set(A, NEW);
    assert.equal(p.openIntentCount(), 0);
    assert.deepEqual(await p.recover(s.port), { confirmed: 0, abandoned: 0, unsettled: 0 });
    assert.deepEqual(s.port.calls, [], "not even read");
    await p.close();
  });
});
