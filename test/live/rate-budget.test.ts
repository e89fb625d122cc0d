import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Agent, type Dispatcher } from "undici";
import { RateBudget } from "../../src/live/rate-budget.js";
import type { RequestEvent } from "../../src/live/tutorial-client.js";
import { UsageError } from "../../src/util/errors.js";
import { CAMPAIGN_PATH, campaignReply, FakeTime, TOKEN_PATH, tokenReply, withFake } from "./fake-cxone.js";

/** The most requests in any window [t, t + 60 s) that starts at one of the requests. */
function busiestMinute(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    let n = 0;
    for (let j = i; j < sorted.length && (sorted[j] as number) < start + 60_000; j++) n++;
    most = Math.max(most, n);
  }
  return most;
}

/** Takes `n` slots one after another and returns when each was granted. */
async function grantTimes(budget: RateBudget, time: FakeTime, n: number): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    await budget.take();
    at.push(time.now());
  }
  return at;
}

test("a budget of R/min never grants more than R in any 60-second window, burst 1", async () => {
  const time = new FakeTime(0);
  const budget = new RateBudget({ requestsPerMinute: 60, burst: 1, now: time.now, sleep: time.sleep });
  const at = await grantTimes(budget, time, 150);
  assert.equal(busiestMinute(at), 60);
  assert.deepEqual(at.slice(0, 3), [0, 1000, 2000]);
});

test("with a burst, the first requests go at once and the window still holds at most R", async () => {
  const time = new FakeTime(0);
  const budget = new RateBudget({ requestsPerMinute: 60, burst: 10, now: time.now, sleep: time.sleep });
  const at = await grantTimes(budget, time, 300);
  assert.deepEqual(at.slice(0, 10), Array(10).fill(0));
  assert.ok((at[10] as number) > 0);
  assert.ok(busiestMinute(at) <= 60, `busiest minute held ${busiestMinute(at)}`);
  // And it does not throttle far below R either.
  assert.ok(busiestMinute(at) >= 55);
});

test("an odd rate (floating-point interval) still never exceeds R per minute", async () => {
  const time = new FakeTime(1_000_000);
  const budget = new RateBudget({ requestsPerMinute: 180, now: time.now, sleep: time.sleep });
  assert.equal(budget.burst, 9);
  const at = await grantTimes(budget, time, 800);
  assert.ok(busiestMinute(at) <= 180, `busiest minute held ${busiestMinute(at)}`);
});

test("concurrent takers are served in arrival order, each with its own slot", async () => {
  const time = new FakeTime(0);
  const budget = new RateBudget({ requestsPerMinute: 6, burst: 1, now: time.now, sleep: time.sleep });
  const waits = await Promise.all([budget.take(), budget.take(), budget.take(), budget.take()]);
  assert.deepEqual(waits, [0, 10_000, 20_000, 30_000]);
});

test("pauseFor holds every taker of the budget back until then", async () => {
  const time = new FakeTime(0);
  const budget = new RateBudget({ requestsPerMinute: 600, now: time.now, sleep: time.sleep });
  await budget.take();
  budget.pauseFor(5000);
  assert.equal(await budget.take(), 5000);
});

test("a budget rejects nonsense settings", () => {
  assert.throws(() => new RateBudget({ requestsPerMinute: 0 }), UsageError);
  assert.throws(() => new RateBudget({ requestsPerMinute: 10, burst: 11 }), UsageError);
  assert.throws(() => new RateBudget({ requestsPerMinute: 10, burst: 0 }), UsageError);
});

/** An Agent that notes the (fake) time each request is handed to the network. */
function recordingDispatcher(time: FakeTime, sent: number[]): { dispatcher: Dispatcher; agent: Agent } {
  const agent = new Agent();
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    sent.push(time.now());
    return dispatch(opts, handler);
  });
  return { dispatcher, agent };
}

test("a client on a budget of R/min sends at most R requests per minute, token request included", () =>
  withFake(async ({ server, time, client }) => {
    const sent: number[] = [];
    const { dispatcher, agent } = recordingDispatcher(time, sent);
    const budget = new RateBudget({ requestsPerMinute: 6, burst: 1, now: time.now, sleep: time.sleep });
    const events: RequestEvent[] = [];
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, campaignReply(), 12);
    try {
      const c = client({ budget, dispatcher, concurrency: 3, onRequest: (e) => events.push(e) });
      const ids = Array.from({ length: 12 }, (_, i) => String(i + 1));
      await Promise.all(ids.map((id) => c.readCampaign(id)));
    } finally {
      await agent.close();
    }
    assert.equal(sent.length, 13);
    assert.equal(busiestMinute(sent), 6);
    // 13 requests at one per 10 s: the last goes 120 s after the first.
    assert.equal((sent.at(-1) as number) - (sent[0] as number), 120_000);
    const waited = events.reduce((sum, e) => sum + e.rateLimitWaitMs, 0);
    assert.ok(waited > 0, "the wait for the budget is reported through onRequest");
  }));

test("two clients sharing one budget share it: together they stay within R per minute", () =>
  withFake(async ({ server, time, client }) => {
    const sent: number[] = [];
    const { dispatcher, agent } = recordingDispatcher(time, sent);
    const budget = new RateBudget({ requestsPerMinute: 6, burst: 2, now: time.now, sleep: time.sleep });
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"), 2);
    server.expect("GET", CAMPAIGN_PATH, campaignReply(), 12);
    try {
      const a = client({ budget, dispatcher, concurrency: 2 });
      const b = client({ budget, dispatcher, concurrency: 2 });
      const ids = ["1", "2", "3", "4", "5", "6"];
      await Promise.all([...ids.map((id) => a.readCampaign(id)), ...ids.map((id) => b.readCampaign(id))]);
    } finally {
      await agent.close();
    }
    assert.equal(sent.length, 14);
    assert.ok(busiestMinute(sent) <= 6, `busiest minute held ${busiestMinute(sent)}`);
  }));

test("a 429 pauses every client sharing the budget, not only the one that got it", () =>
  withFake(async ({ server, time, client }) => {
    const budget = new RateBudget({ requestsPerMinute: 600, now: time.now, sleep: time.sleep });
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"), 2);
    server.expect("GET", "/api/v2/outbound/campaigns/1", { status: 429, headers: { "retry-after": "30" } });
    server.expect("GET", CAMPAIGN_PATH, campaignReply(), 2);

    // Client a's backoff sleep is held open by the test, so b runs while a is still waiting.
    let announce: (ms: number) => void = () => {};
    const aSleeps = new Promise<number>((resolve) => {
      announce = resolve;
    });
    let releaseA: () => void = () => {};
    const heldSleep = (ms: number): Promise<void> => {
      announce(ms);
      return new Promise<void>((resolve) => {
        releaseA = resolve;
      });
    };
    const a = client({ budget, sleep: heldSleep });
    const bEvents: RequestEvent[] = [];
    const b = client({ budget, onRequest: (e) => bEvents.push(e) });

    const aDone = a.readCampaign("1");
    assert.equal(await aSleeps, 30_000);
    await b.readCampaign("2");
    // b's first request (its token) waited out the pause a was told about.
    assert.equal(bEvents[0]?.kind, "token");
    assert.equal(bEvents[0]?.rateLimitWaitMs, 30_000);
    releaseA();
    assert.equal((await aDone)?.id, "1");
  }));
