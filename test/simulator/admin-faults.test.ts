import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { PC_QUERY, pcSkill, settings, withAdminSimulator } from "./admin-helpers.js";
import { ManualClock } from "./helpers.js";

const skills = [pcSkill(101), pcSkill(102)];

describe("cxone-admin simulator: rate limit and injected statuses", () => {
  it("answers 429 without Retry-After beyond rpm per access key, and lets calls through once the minute has passed", async () => {
    const clock = new ManualClock();
    await withAdminSimulator({ skills, rpm: 3, now: clock.now }, async (sim, client) => {
      const token = await client.token(); // the token endpoint spends no API budget
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const reply = await client.getSchedule(101, token);
        statuses.push(reply.status);
        assert.equal(reply.headers.get("retry-after"), null);
        if (reply.status === 429) assert.equal(typeof (reply.json as { error: string }).error, "string");
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      clock.advance(60_000);
      assert.equal((await client.getSchedule(101, token)).status, 200);
      assert.equal(sim.countRequests("get-schedule"), 6);
    });
  });

  it("plays an injected 429 storm without Retry-After, then 5xx, on the kind asked for only", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "list", times: 3, fault: 429 });
      sim.injectFault({ kind: "get-schedule", skillId: 102, fault: 503 });
      sim.injectFault({ kind: "put-schedule", fault: 500 });
      assert.equal(sim.pendingFaults(), 5);
      for (let i = 0; i < 3; i++) {
        const reply = await client.list(PC_QUERY, token);
        assert.equal(reply.status, 429);
        assert.equal(reply.headers.get("retry-after"), null);
      }
      assert.equal((await client.list(PC_QUERY, token)).status, 200);
      assert.equal((await client.getSchedule(101, token)).status, 200);
      assert.equal((await client.getSchedule(102, token)).status, 503);
      const put = await client.putSchedule(101, settings({ mondayEndTime: "18:00" }), token);
      assert.equal(put.status, 500);
      assert.equal(
        sim.scheduleSettings(101)?.mondayEndTime,
        "17:00",
        "a 500 injected before serving stores nothing",
      );
      assert.equal(sim.pendingFaults(), 0);
      assert.deepEqual(
        sim.requests("list").map((e) => e.fault),
        ["status 429", "status 429", "status 429", undefined],
      );
    });
  });

  it("answers random 500s and 503s at errorRate, reproducibly for a seed", async () => {
    const run = async () => {
      const statuses: number[] = [];
      await withAdminSimulator({ skills, errorRate: 0.5, seed: 7 }, async (_sim, client) => {
        const token = await client.token();
        for (let i = 0; i < 20; i++) statuses.push((await client.getSchedule(101, token)).status);
      });
      return statuses;
    };
    const first = await run();
    assert.ok(first.some((s) => s === 500 || s === 503));
    assert.ok(first.includes(200));
    assert.deepEqual(await run(), first);
  });

  it("can break the JSON of an answer or reset the connection", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "bulk", fault: "malformed-json" });
      const broken = await client.call("GET", "/skills/parameters", { token });
      assert.equal(broken.status, 200);
      assert.equal(broken.json, undefined);
      sim.injectFault({ kind: "get-schedule", fault: "reset" });
      await assert.rejects(client.getSchedule(101, token));
      // A PUT that lands although its connection is reset: the outcome is unknown to the client.
      sim.injectFault({ kind: "put-schedule", fault: { type: "reset", afterProcessing: true } });
      await assert.rejects(client.putSchedule(101, settings({ mondayEndTime: "19:00" }), token));
      assert.equal(sim.scheduleSettings(101)?.mondayEndTime, "19:00");
    });
  });
});

describe("cxone-admin simulator: changes between a read and a write", () => {
  it("edits a skill by hand just before the next GET of it: the read sees the change", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "get-schedule", skillId: 101, fault: "edit" });
      const read = (await client.getSchedule(101, token)).json as Record<string, unknown>;
      assert.equal(read.saturdayIsActive, true, "Saturday switched on by the default edit");
      assert.equal(sim.requests("get-schedule")[0]?.fault, "edit before");
    });
  });

  it("edits a skill by hand right after a GET, so a PUT made from that read overwrites the hand edit (no ETag to stop it)", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({
        kind: "get-schedule",
        skillId: 101,
        fault: { type: "edit", after: true, settings: { mondayStartTime: "07:00" } },
      });
      const read = (await client.getSchedule(101, token)).json as Record<string, unknown>;
      assert.equal(read.mondayStartTime, "09:00", "the GET answered before the edit");
      assert.equal(sim.scheduleSettings(101)?.mondayStartTime, "07:00");
      assert.equal((await client.putSchedule(101, settings({ fridayEndTime: "16:00" }), token)).status, 200);
      assert.equal(sim.scheduleSettings(101)?.mondayStartTime, "09:00", "the hand edit is lost");
    });
  });

  it("edits a skill just before a PUT lands, or after it (a read-back then differs)", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "put-schedule", skillId: 101, fault: { type: "edit", after: true } });
      const sent = settings({ mondayEndTime: "18:00" });
      assert.equal((await client.putSchedule(101, sent, token)).status, 200);
      const readBack = (await client.getSchedule(101, token)).json as Record<string, unknown>;
      assert.notDeepEqual(readBack, sent);
      assert.equal(readBack.saturdayIsActive, true);
    });
  });

  it("answers a PUT 200 without storing it (ignore-write): the read-back shows the old schedule", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      sim.injectFault({ kind: "put-schedule", skillId: 102, fault: "ignore-write" });
      const put = await client.putSchedule(102, settings({ mondayEndTime: "18:00" }), token);
      assert.equal(put.status, 200);
      assert.deepEqual((await client.getSchedule(102, token)).json, settings());
      assert.throws(() => sim.injectFault({ fault: "ignore-write" }), /put-schedule or put-time-zones/);
      assert.throws(() => sim.injectFault({ kind: "put-schedule", fault: "edit" }), /skillId/);
    });
  });

  it("lets a test edit schedule-settings by hand and read them back directly", async () => {
    await withAdminSimulator({ skills }, async (sim) => {
      const edited = sim.editScheduleSettings(101, { tuesdayIsActive: false, tuesdayEndTime: "12:00" });
      assert.equal(edited.tuesdayIsActive, false);
      assert.deepEqual(
        sim.scheduleSettings(101),
        settings({ tuesdayIsActive: false, tuesdayEndTime: "12:00" }),
      );
      assert.deepEqual(sim.scheduleSettings("102"), settings());
      assert.throws(() => sim.editScheduleSettings(4242, {}), /no skill 4242/);
      sim.upsertSkills([{ skillId: 900, skillName: "Inbound", isOutbound: false, outboundStrategy: null }]);
      assert.throws(() => sim.editScheduleSettings(900, {}), /not a Personal Connection skill/);
      assert.equal(sim.scheduleSettings(900), undefined);
      assert.equal(sim.skillCount(), 3);
      assert.equal(sim.removeSkill(102), true);
      assert.equal(sim.getSkill(102), undefined);
    });
  });
});

describe("cxone-admin simulator: the request log", () => {
  it("shows per skill that each PUT was preceded by one GET and followed by one read-back", async () => {
    await withAdminSimulator({ skills: [pcSkill(101), pcSkill(102), pcSkill(103)] }, async (sim, client) => {
      const token = await client.token();
      await client.call("GET", "/skills/parameters", { token });
      for (const id of [101, 103]) {
        await client.getSchedule(id, token);
        await client.putSchedule(id, settings({ mondayEndTime: "18:00" }), token);
        await client.getSchedule(id, token);
      }
      const counts = sim.requestCounts();
      assert.deepEqual(
        { token: counts.token, bulk: counts.bulk, get: counts["get-schedule"], put: counts["put-schedule"] },
        { token: 1, bulk: 1, get: 4, put: 2 },
      );
      for (const id of [101, 103]) {
        const trail = sim
          .requests()
          .filter((e) => e.skillId === id)
          .map((e) => `${e.kind} ${e.status}`);
        assert.deepEqual(trail, ["get-schedule 200", "put-schedule 200", "get-schedule 200"]);
      }
      assert.deepEqual(
        sim.requests().filter((e) => e.skillId === 102),
        [],
      );
      sim.clearRequests();
      assert.equal(sim.countRequests(), 0);
    });
  });
});
