import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../src/simulator/index.js";
import { BOTH_SCOPES, campaign, ManualClock, schedule, waitFor, withSimulator } from "./helpers.js";

const seeded = { campaigns: [campaign("100"), campaign("200")] };

describe("simulator: rate limit", () => {
  it("answers 429 with a Retry-After computed from the sliding window", async () => {
    const clock = new ManualClock();
    await withSimulator({ ...seeded, rpm: 3, now: clock.now }, async (sim, client) => {
      const token = await client.token();
      assert.equal((await client.get("100", token)).status, 200);
      clock.advance(10_000);
      assert.equal((await client.get("100", token)).status, 200);
      assert.equal((await client.list(token, "")).status, 200);
      // Token calls do not count against the API budget.
      await client.token();
      clock.advance(5_000);
      const limited = await client.get("100", token);
      assert.equal(limited.status, 429);
      assert.equal((limited.json as { error: string }).error, "rate_limited");
      // The oldest call (t=0) leaves the window at t=60 s; it is now t=15 s.
      assert.equal(limited.headers.get("retry-after"), "45");

      clock.advance(44_999);
      const stillLimited = await client.get("100", token);
      assert.equal(stillLimited.status, 429);
      assert.equal(stillLimited.headers.get("retry-after"), "1");
      clock.advance(1);
      assert.equal((await client.get("100", token)).status, 200);
      assert.equal(sim.requests("get").filter((r) => r.status === 429).length, 2);
    });
  });

  it("keeps one budget per client id, shared by all of that client's tokens", async () => {
    const clock = new ManualClock();
    const clients = { [DEMO_CLIENT_ID]: DEMO_CLIENT_SECRET, other: "other-secret" };
    await withSimulator({ ...seeded, rpm: 1, now: clock.now, clients }, async (_sim, client) => {
      assert.equal((await client.get("100", await client.token())).status, 200);
      assert.equal((await client.get("100", await client.token())).status, 429);
      assert.equal(
        (await client.get("100", await client.token(BOTH_SCOPES, "other", "other-secret"))).status,
        200,
      );
    });
  });

  it("refuses nonsensical settings", async () => {
    await withSimulator(seeded, async (sim) => {
      for (const changes of [{ rpm: 0 }, { errorRate: 1.5 }, { maxPageSize: 0.5 }, { latencyMs: -1 }]) {
        assert.throws(() => sim.configure(changes), { code: "DW_USAGE" }, JSON.stringify(changes));
      }
      assert.equal(sim.settings().rpm, 200, "a refused change leaves the settings alone");
    });
  });

  it("can be lifted at runtime", async () => {
    await withSimulator({ ...seeded, rpm: 1 }, async (sim, client) => {
      const token = await client.token();
      await client.get("100", token);
      assert.equal((await client.get("100", token)).status, 429);
      sim.configure({ rpm: Number.POSITIVE_INFINITY });
      assert.equal((await client.get("100", token)).status, 200);
    });
  });
});

describe("simulator: injected faults", () => {
  it("answers an injected status with its body and Retry-After, the given number of times", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({
        kind: "get",
        campaignId: "100",
        times: 2,
        fault: { type: "status", status: 503, body: { error: "maintenance" }, retryAfter: 7 },
      });
      assert.equal((await client.get("200", token)).status, 200, "other campaigns are unaffected");
      for (let i = 0; i < 2; i++) {
        const reply = await client.get("100", token);
        assert.equal(reply.status, 503);
        assert.equal(reply.headers.get("retry-after"), "7");
        assert.deepEqual(reply.json, { error: "maintenance" });
      }
      assert.equal((await client.get("100", token)).status, 200);
      assert.equal(sim.pendingFaults(), 0);
      assert.deepEqual(
        sim.requests("get").map((r) => r.fault),
        [undefined, "status 503", "status 503", undefined],
      );
    });
  });

  it("accepts a bare status code and applies it before authentication", async () => {
    await withSimulator(seeded, async (sim, client) => {
      sim.injectFault({ fault: 500 });
      const reply = await client.get("100", "not-a-token");
      assert.equal(reply.status, 500);
      assert.equal(typeof (reply.json as { error: string }).error, "string");
    });
  });

  it("fails the token endpoint on request", async () => {
    await withSimulator(seeded, async (sim, client) => {
      sim.injectFault({ kind: "token", fault: { type: "status", status: 503, retryAfter: 2 } });
      await assert.rejects(client.token(), /503/);
      assert.equal(typeof (await client.token()), "string");
    });
  });

  it("sends 200 with broken JSON, after the write has landed", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "patch", fault: "malformed-json" });
      const etag = sim.getCampaign("100")?.etag;
      const reply = await client.patch("100", schedule({ pauseConditions: [] }), etag, token);
      assert.equal(reply.status, 200);
      assert.equal(reply.json, undefined);
      assert.throws(() => JSON.parse(reply.text), SyntaxError);
      assert.deepEqual(sim.getCampaign("100")?.schedule.pauseConditions, []);
      assert.notEqual(sim.getCampaign("100")?.etag, etag);
    });
  });

  it("leaves out the ETag header on a GET, and the etags of list items", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "get", fault: "missing-etag" });
      const got = await client.get("100", token);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("etag"), null);
      assert.equal((got.json as { id: string }).id, "100");
      assert.notEqual((await client.get("100", token)).headers.get("etag"), null, "only once");

      sim.injectFault({ kind: "list", fault: "missing-etag" });
      const listed = (await client.list(token, "")).json as { items: Array<Record<string, unknown>> };
      assert.equal(listed.items.length, 2);
      assert.ok(listed.items.every((item) => !("etag" in item)));
    });
  });

  it("resets the connection, before or after serving the request", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "get", fault: "reset" });
      await assert.rejects(client.get("100", token), TypeError);
      assert.equal((await client.get("100", token)).status, 200, "the next request is served");

      const etag = sim.getCampaign("100")?.etag;
      sim.injectFault({ kind: "patch", fault: { type: "reset", afterProcessing: true } });
      await assert.rejects(
        client.patch("100", schedule({ pauseConditions: ["BUSY"] }), etag, token),
        TypeError,
      );
      assert.deepEqual(sim.getCampaign("100")?.schedule.pauseConditions, ["BUSY"], "the write landed");
      const retried = await client.patch("100", schedule({ pauseConditions: ["BUSY"] }), etag, token);
      assert.equal(retried.status, 412, "a blind retry with the old ETag is refused");
      assert.deepEqual(
        sim.requests().map((r) => [r.kind, r.status, r.fault]),
        [
          ["token", 200, undefined],
          ["get", undefined, "reset"],
          ["get", 200, undefined],
          ["patch", undefined, "reset"],
          ["patch", 412, undefined],
        ],
      );
    });
  });

  it("hangs until the client gives up, and close() still returns", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "get", fault: "hang" });
      // The client gives up once the hung GET has arrived. A 100 ms timeout started with the call
      // could fire before it arrives on a loaded machine, leaving the fault for the next GET,
      // which then hung for undici's five minutes.
      const giveUp = new AbortController();
      const hung = client.get("100", token, { signal: giveUp.signal });
      await waitFor(() => sim.countRequests("get") === 1, "the first hung GET to arrive");
      giveUp.abort(new DOMException("the client gave up", "TimeoutError"));
      await assert.rejects(hung, { name: "TimeoutError" });
      assert.equal((await client.get("100", token)).status, 200);
      // A second hung request is still open when the simulator closes (withSimulator's finally).
      sim.injectFault({ kind: "get", fault: "hang" });
      const pending = client.get("100", token);
      await waitFor(() => sim.countRequests("get") === 3, "the hung GET to arrive");
      await sim.close();
      await assert.rejects(pending, TypeError);
    });
  });

  it("makes the next PATCH stale: 412 despite a current If-Match, as if someone wrote first", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "patch", campaignId: "100", fault: "stale" });
      assert.equal((await client.get("100", token)).status, 200, "a stale fault never touches a GET");
      const etag = sim.getCampaign("100")?.etag;
      const before = sim.getCampaign("100")?.schedule;
      const reply = await client.patch("100", schedule({ pauseConditions: [] }), etag, token);
      assert.equal(reply.status, 412);
      const now = await client.get("100", token);
      assert.notEqual(now.headers.get("etag"), etag);
      assert.deepEqual((now.json as { schedule: unknown }).schedule, before);
      const again = await client.patch(
        "100",
        schedule({ pauseConditions: [] }),
        now.headers.get("etag") ?? "",
        token,
      );
      assert.equal(again.status, 200);
      assert.equal(sim.requests("patch")[0]?.fault, "stale");
    });
  });

  it("rejects a stale fault aimed at anything but PATCH", async () => {
    await withSimulator(seeded, async (sim) => {
      assert.throws(() => sim.injectFault({ kind: "get", fault: "stale" }), RangeError);
      assert.throws(() => sim.injectFault({ fault: 42 }), RangeError);
    });
  });

  it("reports and clears faults that were never reached", async () => {
    await withSimulator(seeded, async (sim, client) => {
      sim.injectFault({ kind: "patch", times: 3, fault: 503 });
      sim.injectFault({ kind: "get", campaignId: "200", fault: "reset" });
      await client.get("100", await client.token());
      assert.equal(sim.pendingFaults(), 4);
      sim.clearFaults();
      assert.equal(sim.pendingFaults(), 0);
    });
  });

  it("fails a share of API calls with 500/503, reproducibly for a seed", async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const seen: number[] = [];
      await withSimulator({ ...seeded, errorRate: 0.5, seed }, async (_sim, client) => {
        const token = await client.token();
        for (let i = 0; i < 40; i++) seen.push((await client.get("100", token)).status);
      });
      return seen;
    };
    const first = await statuses(7);
    assert.deepEqual(await statuses(7), first);
    assert.ok(first.includes(200) && first.includes(500) && first.includes(503), first.join(","));
    assert.ok(first.every((s) => s === 200 || s === 500 || s === 503));
  });

  it("never fails token calls at random", async () => {
    await withSimulator({ ...seeded, errorRate: 1 }, async (sim, client) => {
      const token = await client.token();
      assert.ok([500, 503].includes((await client.get("100", token)).status));
      assert.equal(sim.requests("get")[0]?.fault?.startsWith("random"), true);
    });
  });

  it("answers after latencyMs, and close() does not wait for it", async () => {
    await withSimulator({ ...seeded, latencyMs: 20 }, async (sim, client) => {
      const token = await client.token();
      assert.equal((await client.get("100", token)).status, 200);
      sim.configure({ latencyMs: 60_000 });
      const slow = client.get("100", token);
      await waitFor(() => sim.countRequests() === 3, "the slow GET to arrive");
      await sim.close();
      await assert.rejects(slow, TypeError);
    });
  });
});

describe("simulator: request log", () => {
  it("counts requests by kind and clears", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      await client.get("100", token);
      await client.list(token, "?page=1&pageSize=10");
      await client.patch("100", schedule(), sim.getCampaign("100")?.etag, token);
      await client.call("DELETE", "/outbound/campaigns/100", { token });
      assert.deepEqual(sim.requestCounts(), { token: 1, get: 1, list: 1, patch: 1, other: 1 });
      assert.equal(sim.countRequests(), 5);
      const [list] = sim.requests("list");
      assert.deepEqual(list?.query, { page: "1", pageSize: "10" });
      assert.equal(list?.path, "/api/v2/outbound/campaigns");
      sim.clearRequests();
      assert.equal(sim.countRequests(), 0);
      assert.deepEqual(sim.requests(), []);
    });
  });
});
