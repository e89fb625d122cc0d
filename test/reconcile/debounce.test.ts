import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Debounce } from "../../src/reconcile/debounce.js";
import { FakeTimers } from "./helpers.js";

function setup(quietMs: number, maxWaitMs: number) {
  const timers = new FakeTimers(0);
  const fired: number[] = [];
  const debounce = new Debounce({ quietMs, maxWaitMs, clock: timers, fire: () => fired.push(timers.now()) });
  return { timers, fired, debounce };
}

describe("Debounce", () => {
  it("fires once, quietMs after the last poke of a burst", async () => {
    const { timers, fired, debounce } = setup(1_000, 10_000);
    debounce.poke();
    await timers.advance(600);
    debounce.poke();
    debounce.poke();
    await timers.advance(999);
    assert.deepEqual(fired, []);
    await timers.advance(1);
    assert.deepEqual(fired, [1_600]);
    await timers.advance(60_000);
    assert.deepEqual(fired, [1_600]);
  });

  it("fires no later than maxWaitMs after a burst began, however long it goes on", async () => {
    const { timers, fired, debounce } = setup(1_000, 2_500);
    for (let i = 0; i < 10; i++) {
      debounce.poke();
      await timers.advance(500);
    }
    // Pokes every 500 ms from 0 to 4 500: without the ceiling nothing would fire before 5 500.
    // The first burst (0…) fires at 2 500, the next (2 500…) at 5 000.
    assert.deepEqual(fired, [2_500, 5_000]);
    await timers.advance(10_000);
    assert.deepEqual(fired, [2_500, 5_000]);
  });

  it("cancel() drops the burst and starts the next one afresh", async () => {
    const { timers, fired, debounce } = setup(1_000, 1_500);
    debounce.poke();
    await timers.advance(900);
    debounce.cancel();
    await timers.advance(5_000);
    assert.deepEqual(fired, []);
    debounce.poke();
    await timers.advance(1_000);
    assert.deepEqual(fired, [6_900]);
  });

  it("refuses a ceiling below the quiet period", () => {
    const timers = new FakeTimers();
    assert.throws(
      () => new Debounce({ quietMs: 1_000, maxWaitMs: 10, clock: timers, fire: () => {} }),
      RangeError,
    );
  });
});
