import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { retryDelayMs, WorkQueue, type WorkResult } from "../../src/reconcile/work-queue.js";
import { type Deferred, deferred, FakeTimers, settle } from "./helpers.js";

/** A handler whose every call waits for the test to answer it. */
function controlledHandler() {
  const answered = new WeakSet<object>();
  const calls: Array<{ key: string; at: number; answer: Deferred<WorkResult> }> = [];
  const running = new Map<string, number>();
  let maxSameKey = 0;
  let maxInFlight = 0;
  let inFlight = 0;
  const handler = (timers: FakeTimers) => async (key: string) => {
    const answer = deferred<WorkResult>();
    calls.push({ key, at: timers.now(), answer });
    running.set(key, (running.get(key) ?? 0) + 1);
    inFlight++;
    maxSameKey = Math.max(maxSameKey, running.get(key) ?? 0);
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await answer.promise;
    } finally {
      running.set(key, (running.get(key) ?? 1) - 1);
      inFlight--;
    }
  };
  return {
    calls,
    handler,
    keys: () => calls.map((c) => c.key),
    maxSameKey: () => maxSameKey,
    maxInFlight: () => maxInFlight,
    /** Answers the oldest unanswered call for `key`. */
    async answer(key: string, result: WorkResult | Error): Promise<void> {
      const call = calls.find((c) => c.key === key && !answered.has(c));
      if (call === undefined) throw new Error(`no open call for ${key}`);
      answered.add(call);
      if (result instanceof Error) call.answer.reject(result);
      else call.answer.resolve(result);
      await settle();
    },
  };
}

describe("WorkQueue", () => {
  it("handles a key added several times while waiting only once", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers });
    q.add("busy");
    q.add("a");
    q.add("a");
    q.add("a");
    await settle();
    assert.deepEqual(h.keys(), ["busy"]);
    assert.equal(q.depth(), 1);
    await h.answer("busy", "done");
    await h.answer("a", "done");
    await q.whenIdle();
    assert.deepEqual(h.keys(), ["busy", "a"]);
  });

  it("runs a key added while it is being handled once more afterwards, never concurrently", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers, concurrency: 4 });
    q.add("a");
    await settle();
    q.add("a");
    q.add("a");
    await settle();
    assert.deepEqual(h.keys(), ["a"], "not started again while still running");
    assert.equal(q.depth(), 1);
    await h.answer("a", "done");
    assert.deepEqual(h.keys(), ["a", "a"]);
    await h.answer("a", "done");
    await q.whenIdle();
    assert.deepEqual(h.keys(), ["a", "a"]);
    assert.equal(h.maxSameKey(), 1);
  });

  it("never runs more handlers at once than its concurrency, and handles every key", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers, concurrency: 2 });
    for (const key of ["a", "b", "c", "d", "e"]) q.add(key);
    await settle();
    assert.deepEqual(h.keys(), ["a", "b"]);
    assert.deepEqual(q.stats(), { queued: 3, inFlight: 2, delayed: 0 });
    for (const key of ["a", "b", "c", "d", "e"]) await h.answer(key, "done");
    await q.whenIdle();
    assert.deepEqual(h.keys(), ["a", "b", "c", "d", "e"]);
    assert.equal(h.maxInFlight(), 2);
  });

  it("backs off a failing key exponentially with jitter, capped, and resets after success", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({
      handler: h.handler(timers),
      clock: timers,
      backoff: { baseMs: 1_000, capMs: 8_000 },
      random: () => 0.5,
    });
    q.add("a");
    for (let i = 0; i < 6; i++) {
      await settle();
      // Thrown errors and "retry" answers count alike.
      await h.answer("a", i % 2 === 0 ? new Error("cxone down") : "retry");
      assert.equal(q.failures("a"), i + 1);
      await timers.next();
    }
    const gaps = h.calls.slice(1).map((c, i) => c.at - (h.calls[i] as { at: number }).at);
    assert.deepEqual(gaps, [750, 1_500, 3_000, 6_000, 6_000, 6_000]);

    await h.answer("a", "done");
    assert.equal(q.failures("a"), 0, "success resets the backoff");
    q.add("a");
    await settle();
    await h.answer("a", "retry");
    const before = timers.now();
    await timers.next();
    assert.equal(h.calls.at(-1)?.at, before + 750, "the next failure starts from the base again");
  });

  it("tells onRetry each armed retry, and dueAt says when it is due", async () => {
    const timers = new FakeTimers(10_000);
    const h = controlledHandler();
    const armed: Array<[string, number, number | undefined]> = [];
    const q = new WorkQueue({
      handler: h.handler(timers),
      clock: timers,
      random: () => 0.5,
      onRetry: (key, failures) => armed.push([key, failures, q.dueAt(key)]),
    });
    assert.equal(q.dueAt("a"), undefined);
    q.add("a");
    await settle();
    await h.answer("a", "retry");
    assert.deepEqual(armed, [["a", 1, 10_750]]);
    await timers.next();
    await h.answer("a", "done");
    assert.equal(armed.length, 1, "a success arms nothing");
    assert.equal(q.dueAt("a"), undefined);
  });

  it("forget() resets a key's backoff", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers, random: () => 0 });
    q.add("a");
    await settle();
    await h.answer("a", "retry");
    await timers.next();
    await h.answer("a", "retry");
    assert.equal(q.failures("a"), 2);
    q.forget("a");
    assert.equal(q.failures("a"), 0);
    await timers.next();
    await h.answer("a", "retry");
    assert.equal(q.failures("a"), 1);
  });

  it("addAfter waits for the delay, and the earliest of two pending delays wins", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers });
    q.addAfter("a", 5_000);
    q.addAfter("a", 60_000);
    q.addAfter("b", 60_000);
    q.addAfter("b", 2_000);
    assert.deepEqual(q.stats(), { queued: 0, inFlight: 0, delayed: 2 });
    await timers.advance(1_999);
    assert.deepEqual(h.keys(), []);
    await timers.advance(1);
    assert.deepEqual(h.keys(), ["b"]);
    await h.answer("b", "done");
    await timers.advance(3_000);
    assert.deepEqual(h.keys(), ["b", "a"]);
    await h.answer("a", "done");
    await timers.advance(120_000);
    assert.deepEqual(h.keys(), ["b", "a"], "the later duplicates were not kept");
  });

  it("shutdown waits for running handlers, drops waiting work and takes no new work", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers });
    q.add("a");
    q.add("b");
    q.addAfter("c", 1_000);
    await settle();
    let result: unknown;
    const done = q.shutdown({ drainMs: 30_000 }).then((r) => {
      result = r;
    });
    await settle();
    assert.equal(result, undefined, "still waiting for a");
    q.add("d");
    q.addAfter("e", 10);
    await timers.advance(5_000);
    assert.deepEqual(h.keys(), ["a"]);
    // A handler that fails during shutdown is not rescheduled either.
    await h.answer("a", new Error("boom"));
    await done;
    assert.deepEqual(result, { drained: true, dropped: ["b", "c"], unfinished: [] });
    await timers.advance(60_000);
    assert.deepEqual(h.keys(), ["a"]);
    assert.equal(timers.pending(), 0);
  });

  it("shutdown gives up on a handler that outlives drainMs and says which", async () => {
    const timers = new FakeTimers();
    const h = controlledHandler();
    const q = new WorkQueue({ handler: h.handler(timers), clock: timers, concurrency: 2 });
    q.add("stuck");
    q.add("quick");
    await settle();
    const done = q.shutdown({ drainMs: 10_000 });
    await h.answer("quick", "done");
    await timers.advance(10_000);
    assert.deepEqual(await done, { drained: false, dropped: [], unfinished: ["stuck"] });
    assert.strictEqual(q.shutdown({ drainMs: 1 }), done, "a second call returns the first result");
  });

  it("shutdown with nothing running resolves at once", async () => {
    const timers = new FakeTimers();
    const q = new WorkQueue({ handler: async () => "done", clock: timers });
    assert.deepEqual(await q.shutdown({ drainMs: 1_000 }), { drained: true, dropped: [], unfinished: [] });
  });

  it("treats a handler that throws synchronously as a retry", async () => {
    const timers = new FakeTimers();
    let calls = 0;
    const q = new WorkQueue({
      handler: (() => {
        calls++;
        throw new Error("sync");
      }) as unknown as () => Promise<WorkResult>,
      clock: timers,
    });
    q.add("a");
    await q.whenIdle();
    assert.equal(calls, 1);
    assert.equal(q.failures("a"), 1);
    assert.equal(q.stats().delayed, 1);
  });

  it("refuses a nonsensical configuration", () => {
    const handler = async () => "done" as const;
    assert.throws(() => new WorkQueue({ handler, concurrency: 0 }), RangeError);
    assert.throws(() => new WorkQueue({ handler, backoff: { baseMs: 10_000, capMs: 1_000 } }), RangeError);
  });
});

describe("retryDelayMs", () => {
  it("stays within [ceiling/2, ceiling], never exceeds the cap, and never shrinks as failures grow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100 }),
        (failures, r, baseMs, capFactor) => {
          const policy = { baseMs, capMs: baseMs * capFactor };
          const ceiling = Math.min(policy.capMs, baseMs * 2 ** (failures - 1));
          const delay = retryDelayMs(failures, policy, () => r);
          assert.ok(delay >= Math.floor(ceiling / 2) && delay <= ceiling, `${delay} vs ceiling ${ceiling}`);
          assert.ok(delay <= policy.capMs);
          assert.ok(retryDelayMs(failures + 1, policy, () => r) >= delay);
        },
      ),
    );
  });
});
