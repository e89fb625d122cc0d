import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SCHEDULE_SETTINGS_FIELDS } from "../../src/simulator/index.js";
import { otherSkills, PC_QUERY, pcSkill, settings, withAdminSimulator } from "./admin-helpers.js";

const skills = [pcSkill(101), pcSkill(102), ...otherSkills(900)];

describe("cxone-admin simulator: GET schedule-settings", () => {
  it("answers the flat 22-field object, times as HH:MM", async () => {
    await withAdminSimulator({ skills }, async (_sim, client) => {
      const reply = await client.getSchedule(101, await client.token());
      assert.equal(reply.status, 200);
      const body = reply.json as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), [...SCHEDULE_SETTINGS_FIELDS]);
      assert.equal(Object.keys(body).length, 22);
      assert.deepEqual(body, settings());
      assert.equal(body.mondayStartTime, "09:00");
    });
  });

  it("answers times as HH:MM:SS when told to (timesWithSeconds), in the bulk read too", async () => {
    await withAdminSimulator({ skills, timesWithSeconds: true }, async (_sim, client) => {
      const token = await client.token();
      const body = (await client.getSchedule(101, token)).json as Record<string, unknown>;
      assert.equal(body.mondayStartTime, "09:00:00");
      assert.equal(body.mondayEndTime, "17:00:00");
      const bulk = (await client.call("GET", "/skills/parameters", { token })).json as {
        skills: { scheduleSettings: { schedules: { startTime: string }[] } }[];
      };
      assert.equal(bulk.skills[0]?.scheduleSettings.schedules[1]?.startTime, "09:00:00");
    });
  });

  it("answers 404 for a skill that is not Personal Connection and for an unknown one; 400 for a non-numeric id", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      for (const id of [900, 901, 902, 4242]) {
        const reply = await client.getSchedule(id, token);
        assert.equal(reply.status, 404, String(id));
        assert.match((reply.json as { error_description: string }).error_description, /Invalid skillId/);
      }
      assert.equal((await client.getSchedule("abc", token)).status, 400);
      assert.equal(sim.countRequests("get-schedule"), 5);
    });
  });
});

describe("cxone-admin simulator: PUT schedule-settings", () => {
  it("stores all 22 fields and answers 200 with no body; the next GET shows them", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      const next = settings({ mondayStartTime: "08:30", fridayIsActive: false, isScheduled: false });
      const put = await client.putSchedule(101, next, token);
      assert.equal(put.status, 200);
      assert.equal(put.text, "");
      assert.deepEqual((await client.getSchedule(101, token)).json, next);
      assert.deepEqual(sim.scheduleSettings(101), next);
      assert.deepEqual(sim.scheduleSettings(102), settings(), "the other skill is untouched");
      assert.deepEqual(sim.requests("put-schedule")[0]?.body, { scheduleSettings: next });
    });
  });

  it("accepts HH:MM:SS on the way in and keeps hours and minutes", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const put = await client.putSchedule(
        101,
        settings({ mondayStartTime: "08:30:00" }),
        await client.token(),
      );
      assert.equal(put.status, 200);
      assert.equal(sim.scheduleSettings(101)?.mondayStartTime, "08:30");
    });
  });

  it("requires the scheduleSettings wrapper: the 22 fields bare are a 400 and nothing is stored", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const reply = await client.putSchedule(
        101,
        JSON.stringify(settings({ mondayStartTime: "06:00" })),
        await client.token(),
      );
      assert.equal(reply.status, 400);
      const body = reply.json as { error: string; error_description: string };
      assert.equal(typeof body.error, "string");
      assert.match(body.error_description, /scheduleSettings: required/);
      assert.deepEqual(sim.scheduleSettings(101), settings());
    });
  });

  it("refuses unknown properties beside the wrapper and inside it (400)", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      const beside = await client.putSchedule(
        101,
        JSON.stringify({ scheduleSettings: settings(), skillId: 101 }),
        token,
      );
      assert.equal(beside.status, 400);
      assert.match(
        (beside.json as { error_description: string }).error_description,
        /skillId: unknown property/,
      );
      const inside = await client.putSchedule(101, { ...settings(), timezone: "America/Denver" }, token);
      assert.equal(inside.status, 400);
      assert.match(
        (inside.json as { error_description: string }).error_description,
        /scheduleSettings\.timezone: unknown property/,
      );
      assert.deepEqual(sim.scheduleSettings(101), settings());
    });
  });

  it("refuses a partial body: every one of the 22 fields is required (400)", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const { saturdayIsActive: _dropped, ...partial } = settings();
      const reply = await client.putSchedule(101, partial, await client.token());
      assert.equal(reply.status, 400);
      assert.match(
        (reply.json as { error_description: string }).error_description,
        /missing saturdayIsActive/,
      );
      assert.deepEqual(sim.scheduleSettings(101), settings());
    });
  });

  it("refuses invalid times and types (400): 24:00, 9:00, 25:00, an end before its start, a string boolean", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      for (const bad of [
        settings({ mondayEndTime: "24:00" }),
        settings({ mondayStartTime: "9:00" }),
        settings({ sundayStartTime: "25:00" }),
        settings({ tuesdayStartTime: "18:00", tuesdayEndTime: "08:00" }),
        settings({ wednesdayStartTime: "10:00", wednesdayEndTime: "10:00" }),
        { ...settings(), isScheduled: "true" },
        { ...settings(), fridayEndTime: null },
      ]) {
        const reply = await client.putSchedule(101, bad, token);
        assert.equal(reply.status, 400, JSON.stringify(bad));
      }
      // An inactive day's times are not ordered: a day off may hold anything well-formed.
      const off = settings({ sundayIsActive: false, sundayStartTime: "18:00", sundayEndTime: "08:00" });
      assert.equal((await client.putSchedule(101, off, token)).status, 200);
      assert.deepEqual(sim.scheduleSettings(101), off);
    });
  });

  it("answers 404 to a PUT on a skill that is not PC or does not exist, and leaves it alone", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      for (const id of [900, 902, 4242]) {
        assert.equal((await client.putSchedule(id, settings(), token)).status, 404, String(id));
      }
      assert.equal(sim.getSkill(900)?.scheduleSettings, undefined);
      assert.equal(sim.getSkill(900)?.personalConnection, false);
    });
  });

  it("answers 415 for a body that is not JSON by its Content-Type, 400 for one that does not parse", async () => {
    await withAdminSimulator({ skills }, async (_sim, client) => {
      const token = await client.token();
      const path = "/skills/101/parameters/schedule-settings";
      const text = await client.call("PUT", path, {
        token,
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ scheduleSettings: settings() }),
      });
      assert.equal(text.status, 415);
      assert.equal((await client.putSchedule(101, "{", token)).status, 400);
    });
  });

  it("sends no ETag anywhere and ignores If-Match (there is no version to match)", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      const answers = [
        await client.list(PC_QUERY, token),
        await client.call("GET", "/skills/parameters", { token }),
        await client.getSchedule(101, token),
        await client.call("PUT", "/skills/101/parameters/schedule-settings", {
          token,
          headers: { "content-type": "application/json", "if-match": '"anything"' },
          body: JSON.stringify({ scheduleSettings: settings({ mondayEndTime: "18:00" }) }),
        }),
        await client.call("GET", "/skills/101/parameters/time-zones", { token }),
        await client.call("GET", "/business-unit", { token }),
      ];
      for (const reply of answers) {
        assert.equal(reply.headers.get("etag"), null);
        assert.equal(/etag|version/i.test(reply.text), false, reply.text.slice(0, 200));
      }
      assert.equal(answers[3]?.status, 200);
      assert.equal(sim.scheduleSettings(101)?.mondayEndTime, "18:00");
      assert.equal(sim.requests("put-schedule")[0]?.ifMatch, '"anything"');
    });
  });

  it("answers 405 to the tutorial's PATCH", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const reply = await client.call("PATCH", "/skills/101/parameters/schedule-settings", {
        token: await client.token(),
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ scheduleSettings: settings() }),
      });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers.get("allow"), "GET, PUT");
      assert.equal(sim.countRequests("put-schedule"), 0);
    });
  });
});

describe("cxone-admin simulator: time-zones", () => {
  interface Zones {
    timeZoneSettings: {
      standardName: string;
      timeZoneActiveToCall: boolean;
      overrideTime: boolean;
      startTime: string | null;
      endTime: string | null;
    }[];
  }

  it("lists every business-unit zone; a PUT replaces the list and deactivates the zones it leaves out", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      const path = "/skills/101/parameters/time-zones";
      const before = (await client.call("GET", path, { token })).json as Zones;
      assert.equal(before.timeZoneSettings.length, sim.businessUnit().timeZones.length);
      assert.ok(before.timeZoneSettings.every((z) => z.timeZoneActiveToCall));

      const put = await client.call("PUT", path, {
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          timeZoneSettings: [
            { standardName: "Eastern Standard Time", timeZoneActiveToCall: true, overrideTime: false },
            {
              standardName: "Pacific Standard Time",
              timeZoneActiveToCall: true,
              overrideTime: true,
              startTime: "09:00",
              endTime: "20:00",
            },
          ],
        }),
      });
      assert.equal(put.status, 200);
      assert.equal(put.text, "");
      const after = (await client.call("GET", path, { token })).json as Zones;
      const active = after.timeZoneSettings.filter((z) => z.timeZoneActiveToCall).map((z) => z.standardName);
      assert.deepEqual(active.sort(), ["Eastern Standard Time", "Pacific Standard Time"]);
      const pacific = after.timeZoneSettings.find((z) => z.standardName === "Pacific Standard Time");
      assert.deepEqual(
        [pacific?.overrideTime, pacific?.startTime, pacific?.endTime],
        [true, "09:00", "20:00"],
      );
      assert.equal(sim.countRequests("put-time-zones"), 1);
      assert.equal(sim.countRequests("get-time-zones"), 2);
    });
  });

  it("refuses a bare list, an unknown zone, an unknown property, an override without times (400); 404 for non-PC", async () => {
    await withAdminSimulator({ skills }, async (sim, client) => {
      const token = await client.token();
      const put = (id: number, body: unknown) =>
        client.call("PUT", `/skills/${id}/parameters/time-zones`, {
          token,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const eastern = {
        standardName: "Eastern Standard Time",
        timeZoneActiveToCall: true,
        overrideTime: false,
      };
      for (const bad of [
        [eastern],
        { timeZoneSettings: [{ ...eastern, standardName: "America/New_York" }] },
        { timeZoneSettings: [{ ...eastern, colour: "red" }] },
        { timeZoneSettings: [{ ...eastern, overrideTime: true }] },
        { timeZoneSettings: [eastern, eastern] },
      ]) {
        assert.equal((await put(101, bad)).status, 400, JSON.stringify(bad));
      }
      assert.equal((await put(900, { timeZoneSettings: [eastern] })).status, 404);
      assert.equal(sim.timeZoneSettings(101), undefined, "nothing was stored");
    });
  });
});
