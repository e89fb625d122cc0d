import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Agent } from "undici";
import { Outbox } from "../../src/notify/outbox.js";
import type { RetryPolicy } from "../../src/notify/retry-policy.js";
import { loadWebhookTargets } from "../../src/notify/targets.js";
import type { ChangeRecord } from "../../src/state/change-record.js";
import { Journal } from "../../src/state/journal.js";
import { closedPortUrl, type Handler, newSecret, type Receiver, startReceiver } from "../helpers/receiver.js";
import { AFTER, BEFORE, captureLog, changeFor, intentFor, tempDir } from "../state/fixtures.js";

const SECRETS = { wfm: newSecret(), bi: newSecret() };
const ENV = { WFM_SECRET: SECRETS.wfm, BI_SECRET: SECRETS.bi };
const START = Date.parse("2026-03-01T12:00:00.000Z");

interface TestContext {
  after(fn: () => Promise<void> | void): void;
}

interface SetupOptions {
  handler?: Handler;
  targets?: ("wfm" | "bi")[];
  policy?: Partial<RetryPolicy>;
  concurrency?: number;
  /** Send to this URL instead of the receiver (e.g. a closed port). */
  url?: string;
  changes?: ChangeRecord[];
  /** Use the outbox's default policy (with `policy` on top) instead of the short test one. */
  defaultPolicy?: boolean;
  /** Per-target `webhooks[].maxAttempts`. */
  targetMaxAttempts?: number;
  random?: () => number;
}

async function setup(t: TestContext, options: SetupOptions = {}) {
  const dir = await tempDir(t);
  const receiver = await startReceiver({ "/wfm": SECRETS.wfm, "/bi": SECRETS.bi }, options.handler);
  const dispatcher = new Agent();
  t.after(async () => {
    await receiver.close();
    await dispatcher.destroy();
  });
  let now = START;
  const sleeps: number[] = [];
  const time = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    /** Moves the clock forward to `at` (never back). */
    until: (at: number) => {
      now = Math.max(now, at);
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
  const log = captureLog();
  const names = options.targets ?? ["wfm"];
  const targets = loadWebhookTargets(
    names.map((name) => ({
      name,
      url: options.url ?? receiver.url(`/${name}`),
      secretEnv: name === "wfm" ? "WFM_SECRET" : "BI_SECRET",
      ...(options.targetMaxAttempts === undefined ? {} : { maxAttempts: options.targetMaxAttempts }),
    })),
    ENV,
  );
  const journalPath = join(dir, "journal.jsonl");
  const open = async () => {
    const journal = await Journal.open(journalPath, { logger: log.logger });
    t.after(() => journal.close());
    const outbox = new Outbox({
      journal,
      targets,
      logger: log.logger,
      dispatcher,
      now: time.now,
      sleep: time.sleep,
      random: options.random ?? (() => 0.5),
      policy: options.defaultPolicy
        ? { ...options.policy }
        : { baseDelayMs: 1000, maxDelayMs: 1500, maxAttempts: 5, ...options.policy },
      concurrency: options.concurrency ?? 4,
    });
    return { journal, outbox };
  };
  const { journal, outbox } = await open();
  for (const change of options.changes ?? [changeFor(1)]) {
    const intentId = `int_${change.changeId}`;
    await journal.recordIntent({ ...intentFor(1), campaignId: change.campaignId, intentId });
    await outbox.enqueue(intentId, change);
  }
  return { receiver, journal, outbox, time, log, journalPath, open };
}

function idsOf(receiver: Receiver): string[] {
  return receiver.requests.map((r) => r.id);
}

describe("Outbox", () => {
  it("delivers exactly one verified, correctly shaped delivery per change per target", async (t) => {
    const changes = [changeFor(1), changeFor(2), changeFor(3, { revision: null })];
    const { receiver, outbox, time, log, open } = await setup(t, { targets: ["wfm", "bi"], changes });

    assert.deepEqual(await outbox.drain(), { delivered: 6, pending: 0, dead: 0 });
    assert.equal(receiver.requests.length, 6);
    assert.ok(receiver.requests.every((r) => r.verified));
    for (const change of changes) {
      for (const path of ["/wfm", "/bi"]) {
        assert.equal(receiver.accepted(path, change.changeId), 1, `${change.changeId} ${path}`);
        const req = receiver.requests.find((r) => r.path === path && r.id === change.changeId);
        assert.ok(req);
        assert.equal(req.timestamp, String(time.now() / 1000));
        assert.deepEqual(Object.keys(JSON.parse(req.body)), [
          "event",
          "campaign_id",
          "schedule",
          "previous_schedule",
          "revision",
          "change_id",
          "timestamp",
        ]);
        assert.deepEqual(JSON.parse(req.body), {
          event: "CAMPAIGN_SCHEDULE_UPDATED",
          campaign_id: change.campaignId,
          schedule: AFTER,
          previous_schedule: BEFORE,
          revision: change.revision,
          change_id: change.changeId,
          timestamp: change.at,
        });
      }
    }
    assert.ok(
      outbox.list().every((d) => d.state === "delivered" && d.attempts === 1 && d.lastStatus === 200),
      "every delivery is recorded as delivered",
    );
    const delivered = log.records().filter((r) => r.msg === "webhook delivered");
    assert.equal(delivered.length, 6);
    assert.deepEqual(
      Object.keys(delivered[0] ?? {}).filter((k) => ["target", "changeId", "status", "attempt"].includes(k)),
      ["target", "changeId", "status", "attempt"],
    );

    // Nothing is sent twice: not by a second drain, nor after a restart.
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 0 });
    const restarted = await open();
    assert.deepEqual(await restarted.outbox.drain(), { delivered: 0, pending: 0, dead: 0 });
    assert.equal(receiver.requests.length, 6);
  });

  it("waits out a 429's Retry-After, then delivers with the same webhook-id, re-signed", async (t) => {
    const { receiver, outbox, time } = await setup(t, {
      handler: (r) => (r.nth === 1 ? { status: 429, headers: { "retry-after": "7" } } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain(), { delivered: 1, pending: 0, dead: 0 });
    assert.deepEqual(time.sleeps, [7000]);
    const [first, second] = receiver.requests;
    assert.ok(first && second);
    assert.ok(first.verified && second.verified);
    assert.equal(first.id, "chg_0001");
    assert.equal(second.id, "chg_0001");
    assert.equal(Number(second.timestamp) - Number(first.timestamp), 7);
    assert.notEqual(second.signature, first.signature);
    assert.equal(second.body, first.body);
    assert.deepEqual(
      outbox.list().map((d) => [d.state, d.attempts]),
      [["delivered", 2]],
    );
  });

  it("retries a 500 after a jittered backoff, and the log says when", async (t) => {
    const { receiver, outbox, time, log } = await setup(t, {
      handler: (r) => (r.nth === 1 ? { status: 500, body: "oops" } : { status: 204 }),
    });
    const started = time.now();
    assert.deepEqual(await outbox.drain(), { delivered: 1, pending: 0, dead: 0 });
    assert.deepEqual(time.sleeps, [500], "full jitter: random 0.5 of the 1000 ms first step");
    const failed = log.records().filter((r) => r.msg === "webhook attempt failed; retrying");
    assert.equal(failed.length, 1, log.text());
    assert.equal(failed[0]?.retryAt, new Date(started + 500).toISOString());
    assert.equal(failed[0]?.status, 500);
    assert.equal(receiver.accepted("/wfm", "chg_0001"), 1);
    assert.equal(receiver.requests.length, 2);
  });

  it("dead-letters a 410 at once, and the dead letter survives a restart", async (t) => {
    const { receiver, outbox, time, open } = await setup(t, {
      handler: () => ({ status: 410, body: "endpoint retired" }),
    });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 1 });
    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(time.sleeps, []);
    const [entry] = outbox.list();
    assert.equal(entry?.state, "dead");
    assert.equal(entry?.lastStatus, 410);
    assert.match(entry?.lastError ?? "", /HTTP 410: endpoint retired/);

    const restarted = await open();
    assert.deepEqual(
      restarted.journal.view.deadLetters().map((d) => [d.change.changeId, d.target, d.status]),
      [["chg_0001", "wfm", 410]],
    );
    assert.deepEqual(await restarted.outbox.drain(), { delivered: 0, pending: 0, dead: 0 });
    assert.equal(receiver.requests.length, 1);
  });

  it("retries a receiver that hangs past the attempt timeout, then dead-letters it", async (t) => {
    const { receiver, outbox, time } = await setup(t, {
      handler: () => "hang",
      policy: { attemptTimeoutMs: 100, maxAttempts: 2 },
    });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 1 });
    assert.equal(receiver.requests.length, 2);
    assert.deepEqual(time.sleeps, [500]);
    assert.match(
      outbox.list()[0]?.lastError ?? "",
      /gave up after 2 attempts; last: no response within 100 ms/,
    );
  });

  it("dead-letters a receiver that refuses connections once the attempts are used up", async (t) => {
    const { outbox, time } = await setup(t, { url: await closedPortUrl(), policy: { maxAttempts: 3 } });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 1 });
    assert.deepEqual(time.sleeps, [500, 750], "backoff doubles, capped at maxDelayMs (1500 x jitter 0.5)");
    const [entry] = outbox.list();
    assert.equal(entry?.attempts, 3);
    assert.equal(entry?.lastStatus, null);
    assert.match(entry?.lastError ?? "", /ECONNREFUSED/);
  });

  it("leaves a refused delivery pending when the next retry falls past the deadline, keeping its attempts", async (t) => {
    const { outbox, time, open } = await setup(t, { url: await closedPortUrl() });
    assert.deepEqual(await outbox.drain({ deadlineMs: 1200 }), { delivered: 0, pending: 1, dead: 0 });
    assert.deepEqual(time.sleeps, [500], "the 750 ms wait after attempt 2 would pass the deadline");
    const restarted = await open();
    const [entry] = restarted.outbox.list();
    assert.equal(entry?.state, "pending");
    assert.equal(entry?.attempts, 2, "attempts are journalled, so the budget holds across restarts");
    assert.match(entry?.lastError ?? "", /ECONNREFUSED/);
  });

  it("stops at the drain deadline and leaves the rest pending for the next drain", async (t) => {
    const changes = [1, 2, 3, 4].map((n) => changeFor(n));
    let advance = (_ms: number) => {};
    const { receiver, outbox, time } = await setup(t, {
      changes,
      concurrency: 1,
      handler: () => {
        advance(2000); // each delivery takes 2 s of the drain's clock
        return { status: 200 };
      },
    });
    advance = time.advance;
    assert.deepEqual(await outbox.drain({ deadlineMs: 5000 }), { delivered: 3, pending: 1, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0002", "chg_0003"]);
    assert.deepEqual(await outbox.drain({ deadlineMs: 5000 }), { delivered: 1, pending: 0, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0002", "chg_0003", "chg_0004"]);
  });

  it("does not let a hung receiver hold a drain past its deadline", async (t) => {
    const { receiver, outbox } = await setup(t, { handler: () => "hang" });
    // The fake clock never moves, so only the deadline (150 ms real time here) can end the attempt.
    assert.deepEqual(await outbox.drain({ deadlineMs: 150 }), { delivered: 0, pending: 1, dead: 0 });
    assert.equal(receiver.requests.length, 1);
    assert.equal(outbox.list()[0]?.attempts, 0, "an attempt cut by the deadline does not use up the budget");
  });

  it("redelivers with the same webhook-id after a crash lost the delivered entry", async (t) => {
    const { receiver, outbox, journal, journalPath, open } = await setup(t);
    const beforeDelivery = await readFile(journalPath);
    assert.deepEqual(await outbox.drain(), { delivered: 1, pending: 0, dead: 0 });
    await journal.close();
    // kill -9 after the POST, before the `delivered` entry reached the disk.
    await writeFile(journalPath, beforeDelivery);

    const restarted = await open();
    assert.deepEqual(
      restarted.journal.view.pendingFor("wfm").map((c) => c.changeId),
      ["chg_0001"],
    );
    assert.deepEqual(await restarted.outbox.drain(), { delivered: 1, pending: 0, dead: 0 });
    const [first, second] = receiver.requests;
    assert.ok(first?.verified && second?.verified);
    assert.equal(second.id, first.id, "the receiver's idempotency key is stable");
    assert.equal(second.body, first.body);
  });

  it("retry sends dead letters again with a fresh budget", async (t) => {
    const changes = [changeFor(1), changeFor(2)];
    const { receiver, outbox } = await setup(t, {
      changes,
      handler: (r) => (r.nth === 1 ? { status: 404 } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 2 });
    await assert.rejects(outbox.retry(["chg_nope"]), { code: "DW_USAGE", message: /chg_nope/ });

    assert.deepEqual(await outbox.retry(["chg_0002"]), {
      requeued: 1,
      superseded: 0,
      delivered: 1,
      pending: 0,
      dead: 0,
    });
    assert.deepEqual(
      outbox.list().map((d) => [d.changeId, d.state, d.attempts]),
      [
        ["chg_0001", "dead", 1],
        ["chg_0002", "delivered", 1],
      ],
    );
    assert.deepEqual(await outbox.retry(), { requeued: 1, superseded: 0, delivered: 1, pending: 0, dead: 0 });
    assert.equal(receiver.accepted("/wfm", "chg_0001"), 1);
    assert.equal(receiver.accepted("/wfm", "chg_0002"), 1);
    assert.equal(receiver.requests.filter((r) => r.id === "chg_0001").length, 2);
  });

  it("keeps one campaign's changes in order for a target while another campaign proceeds", async (t) => {
    const changes = [changeFor(1), changeFor(1, { changeId: "chg_0001b" }), changeFor(2)];
    const { receiver, outbox } = await setup(t, {
      changes,
      handler: (r) => (r.id === "chg_0001" && r.nth === 1 ? { status: 503 } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain(), { delivered: 3, pending: 0, dead: 0 });
    const accepted = idsOf(receiver).filter((id) => id !== "chg_0002");
    assert.deepEqual(accepted, ["chg_0001", "chg_0001", "chg_0001b"]);
  });

  it("dead-letters deliveries to a target that is no longer configured", async (t) => {
    const { journal, outbox } = await setup(t, { changes: [] });
    await journal.recordIntent(intentFor(9));
    await journal.recordWritten("int_9", changeFor(9), { targets: ["wfm", "retired"] });
    assert.deepEqual(await outbox.drain(), { delivered: 1, pending: 0, dead: 1 });
    const retired = outbox.list().find((d) => d.target === "retired");
    assert.equal(retired?.state, "dead");
    assert.equal(retired?.targetConfigured, false);
    assert.match(retired?.lastError ?? "", /no longer configured/);
  });

  it("never writes the secret or a signature to the journal, the bodies or the logs", async (t) => {
    const changes = [changeFor(1), changeFor(2)];
    const { receiver, outbox, journalPath, log } = await setup(t, {
      targets: ["wfm", "bi"],
      changes,
      policy: { maxAttempts: 2 },
      // A careless receiver echoes what it got, the signature and (worse) the secret included.
      handler: (r) => {
        const echo = `rejected ${r.signature} with ${r.path === "/wfm" ? SECRETS.wfm : SECRETS.bi}`;
        if (r.id === "chg_0001") return r.nth === 1 ? { status: 503, body: echo } : { status: 200 };
        return { status: 403, body: echo };
      },
    });
    await outbox.drain();
    assert.ok(receiver.requests.length >= 5);
    const journalText = await readFile(journalPath, "utf8");
    const bodies = receiver.requests.map((r) => r.body).join("\n");
    const logs = log.text();
    assert.match(journalText, /HTTP 403: rejected \[signature\] with \[redacted\]/, "the echo was scrubbed");
    const forbidden = [
      SECRETS.wfm,
      SECRETS.bi,
      SECRETS.wfm.slice("whsec_".length),
      SECRETS.bi.slice("whsec_".length),
      ...receiver.requests.map((r) => r.signature.slice("v1,".length)),
    ];
    for (const secret of forbidden) {
      for (const [where, text] of [
        ["journal", journalText],
        ["bodies", bodies],
        ["logs", logs],
      ] as const) {
        assert.ok(!text.includes(secret), `${where} must not contain a secret or signature`);
      }
    }
  });
});

describe("Outbox retry timing", () => {
  it("keeps a delivery alive through an hour-long outage while the daemon drains every 30 s", async (t) => {
    const OUTAGE_MS = 60 * 60_000;
    let clock = () => START;
    const { receiver, outbox, time } = await setup(t, {
      defaultPolicy: true,
      handler: () =>
        clock() < START + OUTAGE_MS ? { status: 503, body: "down for maintenance" } : { status: 200 },
    });
    clock = time.now;
    let dead = 0;
    // What the reconciler does while anything is pending: a 10-second drain every 30 seconds.
    for (let tick = START; tick <= START + 2 * OUTAGE_MS; tick += 30_000) {
      time.until(tick);
      dead += (await outbox.drain({ deadlineMs: 10_000 })).dead;
    }
    assert.equal(dead, 0);
    assert.equal(receiver.accepted("/wfm", "chg_0001"), 1, "delivered once the receiver was back");
    const [entry] = outbox.list();
    assert.equal(entry?.state, "delivered");
    assert.equal(receiver.requests.length, entry.attempts, "every POST was a journalled attempt");
    assert.ok(entry.attempts < 15, `an hour used ${entry.attempts} of the 15 attempts`);
    const last = receiver.requests.at(-1);
    assert.ok(
      last && Number(last.timestamp) * 1000 >= START + OUTAGE_MS,
      "the last attempt came after the outage",
    );
  });

  it("skips a delivery whose next attempt is not due: no POST, no attempt used, even after a restart", async (t) => {
    const { receiver, outbox, time, open, journalPath } = await setup(t, {
      handler: (r) => (r.nth === 1 ? { status: 503 } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain({ deadlineMs: 100 }), { delivered: 0, pending: 1, dead: 0 });
    const dueAt = START + 500; // full jitter 0.5 of the 1000 ms first step
    assert.equal(outbox.nextDueAt(), dueAt);
    const [waiting] = outbox.list();
    assert.equal(waiting?.nextAttemptAt, new Date(dueAt).toISOString());
    assert.match(
      await readFile(journalPath, "utf8"),
      /"type":"attempt-failed".*"retryAt":"2026-03-01T12:00:00\.500Z"/,
    );

    time.advance(499);
    assert.deepEqual(await outbox.drain({ deadlineMs: 100 }), { delivered: 0, pending: 1, dead: 0 });
    assert.equal(receiver.requests.length, 1, "not due yet: nothing sent");
    assert.equal(outbox.list()[0]?.attempts, 1, "and no attempt used up");

    const restarted = await open();
    assert.equal(restarted.outbox.nextDueAt(), dueAt, "the schedule is in the journal");
    assert.deepEqual(await restarted.outbox.drain({ deadlineMs: 100 }), {
      delivered: 0,
      pending: 1,
      dead: 0,
    });
    assert.equal(receiver.requests.length, 1);
    time.advance(1);
    assert.deepEqual(await restarted.outbox.drain({ deadlineMs: 100 }), {
      delivered: 1,
      pending: 0,
      dead: 0,
    });
    assert.equal(receiver.requests.length, 2);
    assert.equal(restarted.outbox.nextDueAt(), undefined);
    assert.equal(restarted.outbox.list()[0]?.nextAttemptAt, null);
  });

  it("nextDueAt is now for fresh work and the waiting lane head's time while later changes queue behind it", async (t) => {
    const changes = [changeFor(1), changeFor(1, { changeId: "chg_0001b" })];
    const { receiver, outbox, time } = await setup(t, {
      changes,
      handler: (r) =>
        r.id === "chg_0001" && r.nth === 1
          ? { status: 429, headers: { "retry-after": "120" } }
          : { status: 200 },
    });
    assert.equal(outbox.nextDueAt(), START);
    assert.deepEqual(await outbox.drain({ deadlineMs: 1000 }), { delivered: 0, pending: 2, dead: 0 });
    assert.equal(
      outbox.nextDueAt(),
      START + 120_000,
      "chg_0001b waits behind chg_0001, so only its time counts",
    );
    time.advance(60_000);
    assert.deepEqual(await outbox.drain({ deadlineMs: 1000 }), { delivered: 0, pending: 2, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001"], "the newer change did not overtake the waiting one");
    time.advance(60_000);
    assert.deepEqual(await outbox.drain({ deadlineMs: 1000 }), { delivered: 2, pending: 0, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0001", "chg_0001b"]);
    assert.equal(outbox.nextDueAt(), undefined);
  });

  it("retry sends a pending delivery that is waiting out its backoff at once", async (t) => {
    const { receiver, outbox } = await setup(t, {
      handler: (r) => (r.nth === 1 ? { status: 503 } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain({ deadlineMs: 100 }), { delivered: 0, pending: 1, dead: 0 });
    assert.deepEqual(await outbox.retry(undefined, { deadlineMs: 100 }), {
      requeued: 0,
      superseded: 0,
      delivered: 1,
      pending: 0,
      dead: 0,
    });
    assert.equal(receiver.accepted("/wfm", "chg_0001"), 1);
  });

  it("a target's own maxAttempts overrides the policy's", async (t) => {
    const { receiver, outbox } = await setup(t, { handler: () => ({ status: 503 }), targetMaxAttempts: 2 });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 1 });
    assert.equal(receiver.requests.length, 2);
    assert.match(outbox.list()[0]?.lastError ?? "", /gave up after 2 attempts/);
  });
});

describe("Outbox dead letters never reorder a campaign's changes", () => {
  const OLD = changeFor(1);
  const NEW = changeFor(1, { changeId: "chg_0001b", at: "2026-03-01T12:05:00.000Z" });

  it("does not redeliver an older dead letter once a newer change for the campaign was delivered", async (t) => {
    const { receiver, outbox } = await setup(t, {
      changes: [OLD, NEW],
      handler: (r) => (r.id === OLD.changeId ? { status: 410 } : { status: 200 }),
    });
    assert.deepEqual(await outbox.drain(), { delivered: 1, pending: 0, dead: 1 });
    assert.deepEqual(
      outbox.list().map((d) => [d.changeId, d.state, d.superseded, d.supersededBy]),
      [
        ["chg_0001", "dead", true, "chg_0001b"],
        ["chg_0001b", "delivered", false, null],
      ],
    );
    receiver.handler = () => ({ status: 200 });
    const nothing = { requeued: 0, superseded: 1, delivered: 0, pending: 0, dead: 0 };
    assert.deepEqual(await outbox.retry(["chg_0001"]), nothing);
    assert.deepEqual(await outbox.retry(), nothing);
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0001b"], "the receiver keeps the newer schedule");
  });

  it("does not requeue an older dead letter while a newer change for the campaign is pending", async (t) => {
    const { receiver, outbox } = await setup(t, {
      changes: [OLD, NEW],
      handler: (r) =>
        r.id === OLD.changeId ? { status: 410 } : r.nth === 1 ? { status: 503 } : { status: 200 },
    });
    assert.deepEqual(await outbox.drain({ deadlineMs: 100 }), { delivered: 0, pending: 1, dead: 1 });
    assert.equal(outbox.list()[0]?.supersededBy, "chg_0001b");
    receiver.handler = () => ({ status: 200 });
    assert.deepEqual(await outbox.retry(), { requeued: 0, superseded: 1, delivered: 1, pending: 0, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0001b", "chg_0001b"]);
  });

  it("when all of a campaign's changes are dead, retry sends only the newest", async (t) => {
    const { receiver, outbox } = await setup(t, { changes: [OLD, NEW], handler: () => ({ status: 410 }) });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 2 });
    assert.ok(
      outbox.list().every((d) => !d.superseded),
      "a dead newer change supersedes nothing",
    );
    receiver.handler = () => ({ status: 200 });
    assert.deepEqual(await outbox.retry(), { requeued: 1, superseded: 1, delivered: 1, pending: 0, dead: 0 });
    assert.deepEqual(idsOf(receiver), ["chg_0001", "chg_0001b", "chg_0001b"]);
    assert.deepEqual(
      outbox.list().map((d) => [d.changeId, d.state, d.superseded]),
      [
        ["chg_0001", "dead", true],
        ["chg_0001b", "delivered", false],
      ],
    );
  });

  it("an older change retried on its own goes first, and the newer one after it", async (t) => {
    const { receiver, outbox } = await setup(t, { changes: [OLD, NEW], handler: () => ({ status: 410 }) });
    assert.deepEqual(await outbox.drain(), { delivered: 0, pending: 0, dead: 2 });
    receiver.handler = () => ({ status: 200 });
    assert.deepEqual(await outbox.retry(["chg_0001"]), {
      requeued: 1,
      superseded: 0,
      delivered: 1,
      pending: 0,
      dead: 0,
    });
    assert.deepEqual(await outbox.retry(["chg_0001b"]), {
      requeued: 1,
      superseded: 0,
      delivered: 1,
      pending: 0,
      dead: 0,
    });
    assert.deepEqual(idsOf(receiver).slice(2), ["chg_0001", "chg_0001b"]);
  });

  it("judges supersession per target and per campaign", async (t) => {
    const OTHER = changeFor(2);
    const { receiver, outbox } = await setup(t, {
      targets: ["wfm", "bi"],
      changes: [OLD, NEW, OTHER],
      handler: (r) => {
        const ok =
          (r.id === NEW.changeId && r.path === "/wfm") || (r.id === OTHER.changeId && r.path === "/bi");
        return ok ? { status: 200 } : { status: 410 };
      },
    });
    assert.deepEqual(await outbox.drain(), { delivered: 2, pending: 0, dead: 4 });
    receiver.handler = () => ({ status: 200 });
    // OLD to wfm: NEW was delivered there. OLD to bi: NEW goes there now. OTHER: another campaign.
    assert.deepEqual(await outbox.retry(), { requeued: 2, superseded: 2, delivered: 2, pending: 0, dead: 0 });
    assert.deepEqual(
      receiver.requests
        .slice(6)
        .map((r) => `${r.path} ${r.id}`)
        .sort(),
      ["/bi chg_0001b", "/wfm chg_0002"],
    );
  });
});
