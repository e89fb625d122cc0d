import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { WireSchedule } from "../../src/desired/wire.js";
import type { CampaignSeed } from "../../src/simulator/index.js";
import { campaign, schedule, withSimulator } from "./helpers.js";

const seeded = { campaigns: [campaign("100"), campaign("200", { name: "Second", status: "PAUSED" })] };

describe("simulator: routes", () => {
  it("answers 404 with a JSON body for unknown routes", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      for (const path of [
        "/outbound/campaign/100",
        "/outbound/campaigns/100/schedule",
        "/outbound/campaigns/",
      ]) {
        const reply = await client.call("GET", path, { token });
        assert.equal(reply.status, 404, path);
        assert.equal((reply.json as { error: string }).error, "not_found");
      }
      const outside = await fetch(sim.apiUrl.replace("/api/v2", "/health"));
      assert.equal(outside.status, 404);
      assert.equal(outside.headers.get("content-type"), "application/json; charset=utf-8");
    });
  });

  it("answers 405 with Allow for wrong methods", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const cases: Array<[string, string, string]> = [
        ["DELETE", `${sim.apiUrl}/outbound/campaigns/100`, "GET, PATCH"],
        ["PUT", `${sim.apiUrl}/outbound/campaigns/100`, "GET, PATCH"],
        ["POST", `${sim.apiUrl}/outbound/campaigns`, "GET"],
        ["GET", sim.tokenUrl, "POST"],
      ];
      for (const [method, url, allow] of cases) {
        const reply = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
        assert.equal(reply.status, 405, `${method} ${url}`);
        assert.equal(reply.headers.get("allow"), allow);
        assert.equal(((await reply.json()) as { error: string }).error, "method_not_allowed");
      }
      assert.equal(sim.countRequests("other"), 4);
    });
  });
});

describe("simulator: GET a campaign", () => {
  it("returns id, name, status and schedule with a quoted strong ETag", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const reply = await client.get("200", await client.token());
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { id: "200", name: "Second", status: "PAUSED", schedule: schedule() });
      const etag = reply.headers.get("etag") ?? "";
      assert.match(etag, /^"[^"]+"$/);
      assert.equal(etag, sim.getCampaign("200")?.etag);
    });
  });

  it("answers 404 for an unknown or removed campaign", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const unknown = await client.get("999", token);
      assert.equal(unknown.status, 404);
      assert.equal((unknown.json as { error: string }).error, "not_found");
      assert.equal(sim.removeCampaign("100"), true);
      assert.equal((await client.get("100", token)).status, 404);
      assert.equal(sim.campaignCount(), 1);
    });
  });

  it("hands out copies, so a test cannot change the store by accident", async () => {
    await withSimulator(seeded, async (sim) => {
      const copy = sim.getCampaign("100");
      copy?.schedule.dialingHours.pop();
      assert.equal(sim.getCampaign("100")?.schedule.dialingHours.length, 2);
    });
  });
});

describe("simulator: PATCH a schedule", () => {
  it("stores the schedule exactly as sent, ordering included, and returns a new ETag", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const before = await client.get("100", token);
      const etag = before.headers.get("etag") ?? "";
      const unordered: WireSchedule = {
        timezone: "America/New_York",
        dialingHours: [
          { day: "FRI", startTime: "13:00", endTime: "17:00" },
          { day: "MON", startTime: "09:00", endTime: "12:00" },
          { day: "FRI", startTime: "08:00", endTime: "12:00" },
        ],
        pauseConditions: ["BUSY", "ANSWERING_MACHINE"],
      };
      const patched = await client.patch("100", unordered, etag, token);
      assert.equal(patched.status, 200);
      const newEtag = patched.headers.get("etag") ?? "";
      assert.match(newEtag, /^"[^"]+"$/);
      assert.notEqual(newEtag, etag);
      assert.deepEqual(patched.json, {
        id: "100",
        name: "Campaign 100",
        status: "ACTIVE",
        schedule: unordered,
      });

      const after = await client.get("100", token);
      assert.equal(after.headers.get("etag"), newEtag);
      // Byte-for-byte: key order and element order are what the client sent.
      assert.equal(JSON.stringify((after.json as { schedule: unknown }).schedule), JSON.stringify(unordered));
      const [logged] = sim.requests("patch");
      assert.equal(logged?.ifMatch, etag);
      assert.deepEqual(logged?.body, { schedule: unordered });
      assert.equal(logged?.status, 200);
    });
  });

  it("changes the ETag on every write, even of an identical schedule", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      const token = await client.token();
      const first = (await client.get("100", token)).headers.get("etag") ?? "";
      const second = (await client.patch("100", schedule(), first, token)).headers.get("etag") ?? "";
      const third = (await client.patch("100", schedule(), second, token)).headers.get("etag") ?? "";
      assert.equal(new Set([first, second, third]).size, 3);
    });
  });

  it("answers 428 without If-Match", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const etag = sim.getCampaign("100")?.etag;
      const reply = await client.patch(
        "100",
        schedule({ pauseConditions: [] }),
        undefined,
        await client.token(),
      );
      assert.equal(reply.status, 428);
      assert.equal((reply.json as { error: string }).error, "precondition_required");
      assert.equal(sim.getCampaign("100")?.etag, etag);
    });
  });

  it("answers 412 to an old, weak or wildcard If-Match and writes nothing", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const read = (await client.get("100", token)).headers.get("etag") ?? "";
      const edited = sim.editSchedule("100", schedule({ pauseConditions: ["DISCONNECTED"] }));
      assert.notEqual(edited, read);
      for (const ifMatch of [read, `W/${edited}`, "*", edited.slice(1, -1), `${edited}, ${read}`]) {
        const reply = await client.patch("100", schedule(), ifMatch, token);
        assert.equal(reply.status, 412, ifMatch);
        assert.equal((reply.json as { error: string }).error, "precondition_failed");
      }
      assert.deepEqual(sim.getCampaign("100")?.schedule.pauseConditions, ["DISCONNECTED"]);
      assert.equal(sim.getCampaign("100")?.etag, edited);
    });
  });

  it("checks If-Match before the payload, so a stale invalid write is a 412", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      const reply = await client.patch("100", { timezone: "Nowhere" }, '"stale"', await client.token());
      assert.equal(reply.status, 412);
    });
  });

  it("answers 404 to a PATCH of an unknown campaign", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      assert.equal((await client.patch("999", schedule(), '"x"', await client.token())).status, 404);
    });
  });

  it("answers 415 unless the body is declared application/json", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const etag = sim.getCampaign("100")?.etag ?? "";
      const reply = await client.patch("100", schedule(), etag, await client.token(), {
        headers: { "content-type": "text/plain" },
      });
      assert.equal(reply.status, 415);
      assert.equal(sim.getCampaign("100")?.etag, etag);
      const charset = await client.patch("100", schedule(), etag, await client.token(), {
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      assert.equal(charset.status, 200);
    });
  });

  it("answers 400 to malformed JSON", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const etag = sim.getCampaign("100")?.etag ?? "";
      const reply = await client.patch("100", '{"schedule": {', etag, await client.token());
      assert.equal(reply.status, 400);
      assert.equal((reply.json as { error: string }).error, "invalid_json");
      assert.equal(sim.getCampaign("100")?.etag, etag);
    });
  });

  const good = schedule();
  const invalid: Array<[string, unknown, RegExp]> = [
    [
      "a top-level key besides schedule",
      JSON.stringify({ schedule: good, id: "100" }),
      /^body\.id: unexpected key/,
    ],
    ["a body that is not an object", "[]", /^body: must be a JSON object/],
    ["no schedule", JSON.stringify({}), /^body\.schedule: is required/],
    ["an extra schedule key", { ...good, holidays: [] }, /^schedule\.holidays: unexpected key/],
    [
      "a missing schedule key",
      { timezone: good.timezone, dialingHours: good.dialingHours },
      /pauseConditions: is required/,
    ],
    ["a timezone that is not a string", { ...good, timezone: 5 }, /^schedule\.timezone: must be a string/],
    [
      "an unknown IANA zone",
      { ...good, timezone: "America/Springfield" },
      /"America\/Springfield" is not a known IANA/,
    ],
    [
      "dialingHours that is not an array",
      { ...good, dialingHours: {} },
      /^schedule\.dialingHours: must be an array/,
    ],
    [
      "a day that is not MON..SUN",
      { ...good, dialingHours: [{ day: "MONDAY", startTime: "08:00", endTime: "09:00" }] },
      /dialingHours\[0\]\.day: "MONDAY" is not one of/,
    ],
    [
      "a time that is not HH:MM",
      { ...good, dialingHours: [{ day: "MON", startTime: "8:00", endTime: "09:00" }] },
      /dialingHours\[0\]\.startTime: "8:00" is not a time/,
    ],
    [
      "a time past 23:59",
      { ...good, dialingHours: [{ day: "MON", startTime: "08:00", endTime: "24:00" }] },
      /dialingHours\[0\]\.endTime: "24:00"/,
    ],
    [
      "a time that is a number",
      { ...good, dialingHours: [{ day: "MON", startTime: 800, endTime: "09:00" }] },
      /startTime: 800 is not a time/,
    ],
    [
      "start equal to end",
      { ...good, dialingHours: [{ day: "MON", startTime: "09:00", endTime: "09:00" }] },
      /startTime 09:00 must be before endTime 09:00/,
    ],
    [
      "start after end",
      { ...good, dialingHours: [{ day: "MON", startTime: "22:00", endTime: "02:00" }] },
      /must be before endTime/,
    ],
    [
      "an extra key in a block",
      { ...good, dialingHours: [{ day: "MON", startTime: "08:00", endTime: "09:00", days: ["MON"] }] },
      /dialingHours\[0\]\.days: unexpected key/,
    ],
    [
      "overlapping windows on one day",
      {
        ...good,
        dialingHours: [
          { day: "MON", startTime: "08:00", endTime: "12:00" },
          { day: "TUE", startTime: "08:00", endTime: "12:00" },
          { day: "MON", startTime: "11:00", endTime: "13:00" },
        ],
      },
      /dialingHours\[2\]: MON 11:00-13:00 overlaps schedule\.dialingHours\[0\] MON 08:00-12:00/,
    ],
    [
      "a duplicated window",
      { ...good, dialingHours: [good.dialingHours[0], good.dialingHours[0]] },
      /dialingHours\[1\]: MON 08:00-16:00 overlaps/,
    ],
    [
      "an unknown pause condition",
      { ...good, pauseConditions: ["VOICEMAIL"] },
      /pauseConditions\[0\]: "VOICEMAIL" is not one of NO_ANSWER/,
    ],
    [
      "a repeated pause condition",
      { ...good, pauseConditions: ["BUSY", "BUSY"] },
      /pauseConditions\[1\]: BUSY is listed more than once/,
    ],
    [
      "pauseConditions that is not an array",
      { ...good, pauseConditions: "BUSY" },
      /pauseConditions: must be an array/,
    ],
  ];
  for (const [what, value, detail] of invalid) {
    it(`answers 422 invalid_schedule to ${what}`, async () => {
      await withSimulator(seeded, async (sim, client) => {
        const etag = sim.getCampaign("100")?.etag ?? "";
        const reply = await client.patch("100", value, etag, await client.token());
        assert.equal(reply.status, 422, reply.text);
        const body = reply.json as { error: string; details: string[] };
        assert.equal(body.error, "invalid_schedule");
        assert.ok(
          body.details.some((d) => detail.test(d)),
          `expected a detail matching ${detail}, got ${JSON.stringify(body.details)}`,
        );
        assert.equal(sim.getCampaign("100")?.etag, etag, "a rejected PATCH must not write");
      });
    });
  }

  it("lists every problem of a bad payload, not just the first", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const bad = {
        timezone: "Nowhere/Land",
        dialingHours: [{ day: "XYZ", startTime: "1", endTime: "2" }],
        pauseConditions: ["X"],
      };
      const reply = await client.patch("100", bad, sim.getCampaign("100")?.etag, await client.token());
      assert.equal((reply.json as { details: string[] }).details.length, 5);
    });
  });

  it("allows adjacent windows and an empty week", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const adjacent = schedule({
        dialingHours: [
          { day: "MON", startTime: "12:00", endTime: "16:00" },
          { day: "MON", startTime: "08:00", endTime: "12:00" },
        ],
      });
      const first = await client.patch("100", adjacent, sim.getCampaign("100")?.etag, token);
      assert.equal(first.status, 200);
      const empty = await client.patch(
        "100",
        schedule({ dialingHours: [], pauseConditions: [] }),
        first.headers.get("etag") ?? "",
        token,
      );
      assert.equal(empty.status, 200);
    });
  });

  it("caps dialing blocks at maxDialingBlocks (35 by default, configurable)", async () => {
    const blocks = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        day: (["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const)[i % 7] as "MON",
        startTime: `${String(Math.floor(i / 7)).padStart(2, "0")}:00`,
        endTime: `${String(Math.floor(i / 7)).padStart(2, "0")}:30`,
      }));
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const over = await client.patch(
        "100",
        schedule({ dialingHours: blocks(36) }),
        sim.getCampaign("100")?.etag,
        token,
      );
      assert.equal(over.status, 422);
      assert.match((over.json as { details: string[] }).details[0] ?? "", /36 blocks exceed .* limit of 35/);
      const atCap = await client.patch(
        "100",
        schedule({ dialingHours: blocks(35) }),
        sim.getCampaign("100")?.etag,
        token,
      );
      assert.equal(atCap.status, 200);

      sim.configure({ maxDialingBlocks: 5 });
      const overFive = await client.patch(
        "100",
        schedule({ dialingHours: blocks(6) }),
        sim.getCampaign("100")?.etag,
        token,
      );
      assert.equal(overFive.status, 422);
    });
  });

  it("sees a hand edit made through editSchedule, unvalidated, with a new ETag", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const token = await client.token();
      const odd = {
        timezone: "Mars/Olympus",
        dialingHours: [],
        pauseConditions: [],
      } as unknown as WireSchedule;
      const etag = sim.editSchedule("100", odd);
      const reply = await client.get("100", token);
      assert.equal(reply.headers.get("etag"), etag);
      assert.deepEqual((reply.json as { schedule: unknown }).schedule, odd);
      assert.throws(() => sim.editSchedule("404", odd), { code: "DW_SIMULATOR_UNKNOWN_CAMPAIGN" });
    });
  });
});

describe("simulator: list endpoint", () => {
  const many: CampaignSeed[] = Array.from({ length: 250 }, (_, i) =>
    campaign(`c${String(i).padStart(4, "0")}`),
  );

  it("pages 1-based in id order with total, and each item's etag equals the GET ETag", async () => {
    // Seeded out of order: the order of the answer must not depend on insertion order.
    await withSimulator({ campaigns: [...many].reverse() }, async (sim, client) => {
      const token = await client.token();
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const reply = await client.list(token, `?page=${page}&pageSize=100`);
        assert.equal(reply.status, 200);
        const body = reply.json as {
          items: Array<{ id: string; etag: string }>;
          total: number;
          page: number;
          pageSize: number;
        };
        assert.equal(body.total, 250);
        assert.equal(body.page, page);
        assert.equal(body.pageSize, 100);
        assert.equal(body.items.length, page < 3 ? 100 : 50);
        seen.push(...body.items.map((item) => item.id));
      }
      assert.deepEqual(
        seen,
        many.map((c) => c.id),
      );

      const first = (await client.list(token, "?page=1&pageSize=1")).json as {
        items: Array<Record<string, unknown>>;
      };
      const item = first.items[0] ?? {};
      assert.deepEqual(Object.keys(item), ["id", "name", "status", "schedule", "etag"]);
      assert.equal(item.etag, (await client.get("c0000", token)).headers.get("etag"));

      const beyond = (await client.list(token, "?page=4&pageSize=100")).json as {
        items: unknown[];
        total: number;
      };
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.total, 250);
      assert.equal(sim.countRequests("list"), 5);
    });
  });

  it("defaults to page 1 of 100", async () => {
    await withSimulator({ campaigns: many }, async (_sim, client) => {
      const body = (await client.list(await client.token(), "")).json as {
        items: unknown[];
        page: number;
        pageSize: number;
      };
      assert.equal(body.items.length, 100);
      assert.equal(body.page, 1);
      assert.equal(body.pageSize, 100);
    });
  });

  it("answers 400 to a pageSize above maxPageSize and to bad or unknown parameters", async () => {
    await withSimulator({ campaigns: many, maxPageSize: 200 }, async (_sim, client) => {
      const token = await client.token();
      assert.equal((await client.list(token, "?page=1&pageSize=200")).status, 200);
      for (const query of [
        "?pageSize=201",
        "?page=0",
        "?page=-1",
        "?page=1.5",
        "?pageSize=abc",
        "?pagesize=100",
        "?page=1&page=2",
      ]) {
        const reply = await client.list(token, query);
        assert.equal(reply.status, 400, query);
        assert.equal((reply.json as { error: string }).error, "invalid_request");
      }
    });
  });

  it("answers 404 when the list endpoint is disabled, and can be switched at runtime", async () => {
    await withSimulator({ campaigns: many, listEndpoint: false }, async (sim, client) => {
      const token = await client.token();
      const off = await client.list(token, "?page=1&pageSize=100");
      assert.equal(off.status, 404);
      assert.equal((off.json as { error: string }).error, "not_found");
      assert.equal(sim.countRequests("list"), 1, "a refused list call is still logged as one");
      assert.equal((await client.get("c0001", token)).status, 200, "single GETs still work");
      sim.configure({ listEndpoint: true });
      assert.equal((await client.list(token, "?page=1&pageSize=100")).status, 200);
    });
  });

  it("serves any page of 50,000 campaigns", async () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => String(100_000_000_000_000_000n + BigInt(i)));
    await withSimulator({ campaigns: ids.map((id) => campaign(id)) }, async (_sim, client) => {
      const reply = await client.list(await client.token(), "?page=50&pageSize=1000");
      const body = reply.json as { items: Array<{ id: string }>; total: number };
      assert.equal(body.total, 50_000);
      assert.equal(body.items.length, 1000);
      assert.equal(body.items[0]?.id, ids[49_000]);
      assert.equal(body.items[999]?.id, ids[49_999]);
    });
  });
});
