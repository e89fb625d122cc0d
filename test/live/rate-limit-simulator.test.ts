/**
 * The rate budget against the simulator's own limit, on one virtual clock shared by both, so
 * minutes of traffic run in milliseconds and the answer is exact.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateBudget } from "../../src/live/rate-budget.js";
import { createTutorialClient } from "../../src/live/tutorial-client.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startSimulator } from "../../src/simulator/index.js";

const SERVER_RPM = 200;

async function planReadOver(campaigns: number, clientRpm: number) {
  let t = Date.parse("2026-12-01T00:00:00Z");
  const now = () => t;
  // Concurrency 1: sleeps run one at a time, so the virtual clock never over-advances.
  const sleep = async (ms: number) => {
    t += ms;
  };
  const sim = await startSimulator({ rpm: SERVER_RPM, listEndpoint: false, now });
  try {
    const ids = Array.from({ length: campaigns }, (_, i) => String(900000000000000000n + BigInt(i)));
    sim.upsertCampaigns(
      ids.map((id) => ({
        id,
        name: `c${id}`,
        schedule: {
          timezone: "America/Chicago",
          dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
          pauseConditions: [],
        },
      })),
    );
    const client = createTutorialClient({
      apiUrl: sim.apiUrl,
      tokenUrl: sim.tokenUrl,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      scope: "outbound:campaign:read outbound:campaign:write",
      budget: new RateBudget({ requestsPerMinute: clientRpm, now, sleep }),
      concurrency: 1,
      now,
      sleep,
      random: () => 0.5,
    });
    try {
      const read = await client.readCampaigns(ids);
      return { read, requests: sim.requests(), minutes: (t - Date.parse("2026-12-01T00:00:00Z")) / 60_000 };
    } finally {
      await client.close();
    }
  } finally {
    await sim.close();
  }
}

describe("rate budget against the server's limit", () => {
  it("a budget below the server's limit reads more campaigns than the limit with zero 429s", async () => {
    const { read, requests, minutes } = await planReadOver(450, 180);
    assert.equal(read.campaigns.size, 450);
    assert.equal(requests.filter((r) => r.status === 429).length, 0);
    assert.equal(requests.filter((r) => r.kind === "get").length, 450);
    // 450 requests at 180 a minute cannot take less than about two and a half minutes.
    assert.ok(minutes >= 2.4, `took ${minutes} virtual minutes`);
  });

  it("control: a budget above the server's limit does meet 429s (so the test above can fail)", async () => {
    const { read, requests } = await planReadOver(450, 400);
    assert.equal(read.campaigns.size, 450, "the client still completes by honouring Retry-After");
    assert.ok(requests.filter((r) => r.status === 429).length > 0);
  });
});
