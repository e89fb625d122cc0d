import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { resolveConfig } from "../../src/desired/config.js";
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfterMs,
  retryDelayMs,
} from "../../src/notify/retry-policy.js";

const HOUR = 3_600_000;

/** The waits between the default policy's attempts when `random` always returns `r`. */
function waits(r: number): number[] {
  const p = DEFAULT_RETRY_POLICY;
  return Array.from({ length: p.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, undefined, p, () => r));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("the default retry policy", () => {
  it("spreads 15 attempts over about four hours, so an outage of minutes does not dead-letter", () => {
    assert.equal(DEFAULT_RETRY_POLICY.maxAttempts, 15);
    const typical = sum(waits(0.5)) / HOUR;
    assert.ok(typical > 3.5 && typical < 4.5, `the average span is ${typical.toFixed(2)} h`);
    const longest = sum(waits(0.999999)) / HOUR;
    assert.ok(longest > 7.5 && longest < 8.5, `the longest span is ${longest.toFixed(2)} h`);
    assert.ok(sum(waits(0.5).slice(0, 3)) > 90_000, "the first four attempts alone outlast a 90 s outage");
  });

  it("caps every wait at an hour", () => {
    const w = waits(0.999999);
    assert.ok(w.every((ms) => ms < HOUR));
    assert.ok((w.at(-1) ?? 0) > HOUR - 1000, "the late waits reach the cap");
  });

  it("honours a Retry-After of up to an hour", () => {
    const p = DEFAULT_RETRY_POLICY;
    assert.equal(
      retryDelayMs(1, 30 * 60_000, p, () => 0.5),
      30 * 60_000,
    );
    assert.equal(
      retryDelayMs(1, 5 * HOUR, p, () => 0.5),
      HOUR,
    );
    assert.equal(parseRetryAfterMs("1800", 0), 1_800_000);
  });

  it("is what dialwindow.yaml gives a webhook without maxAttempts, and maxAttempts overrides it", () => {
    const webhook = { name: "wfm", url: "https://wfm.example/hook", secretEnv: "WFM_SECRET" };
    const resolve = (extra: { maxAttempts?: number }) =>
      resolveConfig({ apiVersion: "dialwindow/v1", kind: "Config", webhooks: [{ ...webhook, ...extra }] })
        .webhooks[0]?.maxAttempts;
    assert.equal(resolve({}), DEFAULT_RETRY_POLICY.maxAttempts);
    assert.equal(resolve({ maxAttempts: 3 }), 3);
  });
});

describe("backoffDelayMs", () => {
  it("full jitter: any wait from 0 up to the doubling step, capped", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const p = DEFAULT_RETRY_POLICY;
          const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
          const ms = backoffDelayMs(attempt, p, () => r);
          return Number.isInteger(ms) && ms >= 0 && ms < ceiling;
        },
      ),
    );
    assert.equal(
      backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0),
      0,
    );
  });
});
