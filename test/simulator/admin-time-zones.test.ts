/**
 * The cxone-admin simulator's time-zone boundings beyond the basics (admin-schedule-settings
 * tests): times are served as the API serves every time (with seconds when told), and a hand
 * edit of the boundings can be injected just before a request, as one of the schedule can.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { pcSkill, withAdminSimulator } from "./admin-helpers.js";

interface Zones {
  timeZoneSettings: { standardName: string; startTime: string | null; endTime: string | null }[];
}

const PACIFIC = {
  standardName: "Pacific Standard Time",
  timeZoneActiveToCall: true,
  overrideTime: true,
  startTime: "08:00",
  endTime: "21:00",
};

describe("cxone-admin simulator: time-zones", () => {
  it("answers bounding times as HH:MM:SS when told to (timesWithSeconds), in the bulk read too", async () => {
    const skills = [pcSkill(101, { timeZoneSettings: [PACIFIC] })];
    await withAdminSimulator({ skills, timesWithSeconds: true }, async (_sim, client) => {
      const token = await client.token();
      const zones = (await client.call("GET", "/skills/101/parameters/time-zones", { token })).json as Zones;
      const pacific = zones.timeZoneSettings.find((z) => z.standardName === PACIFIC.standardName);
      assert.deepEqual([pacific?.startTime, pacific?.endTime], ["08:00:00", "21:00:00"]);
      const bulk = (await client.call("GET", "/skills/parameters", { token })).json as {
        skills: { timeZoneSettings: { name: string; startTime: string | null }[] }[];
      };
      const inBulk = bulk.skills[0]?.timeZoneSettings.find((z) => z.name === PACIFIC.standardName);
      assert.equal(inBulk?.startTime, "08:00:00");
    });
  });

  it("an edit fault with timeZones changes the skill's boundings by hand just before the request", async () => {
    const skills = [pcSkill(101, { timeZoneSettings: [PACIFIC] })];
    await withAdminSimulator({ skills }, async (sim, client) => {
      sim.injectFault({
        kind: "get-time-zones",
        skillId: 101,
        fault: { type: "edit", timeZones: [{ standardName: "Eastern Standard Time" }] },
      });
      const token = await client.token();
      const zones = (await client.call("GET", "/skills/101/parameters/time-zones", { token })).json as Zones;
      const active = zones.timeZoneSettings.filter(
        (z) => (z as { timeZoneActiveToCall?: boolean }).timeZoneActiveToCall,
      );
      assert.deepEqual(
        active.map((z) => z.standardName),
        ["Eastern Standard Time"],
      );
      assert.deepEqual(
        sim.scheduleSettings(101)?.saturdayIsActive,
        pcSkill(101).scheduleSettings?.saturdayIsActive ?? false,
        "the schedule is left alone",
      );
    });
  });
});
