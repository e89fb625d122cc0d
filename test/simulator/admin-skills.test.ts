import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { otherSkills, PC_QUERY, pcSkill, settings, withAdminSimulator } from "./admin-helpers.js";

interface ListPage {
  _links: { self: string; next: string | null; previous: string | null };
  totalRecords: number;
  businessUnitId: number;
  skills: {
    skillId: number;
    skillName: string;
    mediaTypeId: number;
    isOutbound: boolean;
    outboundStrategy: string | null;
    isActive: boolean;
    campaignId: number;
    campaignName: string;
  }[];
}

const mixed = [
  pcSkill(101, { campaignId: 9, campaignName: "Collections" }),
  pcSkill(102),
  ...otherSkills(900),
];

describe("cxone-admin simulator: GET /skills", () => {
  it("returns only Personal Connection skills for the PC filter, with the documented fields", async () => {
    await withAdminSimulator({ skills: mixed }, async (sim, client) => {
      const token = await client.token();
      const reply = await client.list(PC_QUERY, token);
      assert.equal(reply.status, 200);
      const page = reply.json as ListPage;
      assert.deepEqual(
        page.skills.map((s) => s.skillId),
        [101, 102],
      );
      assert.equal(page.totalRecords, 2);
      assert.equal(page._links.next, null);
      const first = page.skills[0] as ListPage["skills"][number];
      assert.deepEqual(
        {
          skillId: first.skillId,
          skillName: first.skillName,
          mediaTypeId: first.mediaTypeId,
          isOutbound: first.isOutbound,
          outboundStrategy: first.outboundStrategy,
          isActive: first.isActive,
          campaignId: first.campaignId,
          campaignName: first.campaignName,
        },
        {
          skillId: 101,
          skillName: "PC skill 101",
          mediaTypeId: 4,
          isOutbound: true,
          outboundStrategy: "Personal Connection",
          isActive: true,
          campaignId: 9,
          campaignName: "Collections",
        },
      );
      // Without the strategy filter, phone skills of every kind come back; the email one does not.
      const phone = (await client.list("?mediaTypeId=4", token)).json as ListPage;
      assert.deepEqual(
        phone.skills.map((s) => s.skillId),
        [101, 102, 900, 902],
      );
      assert.equal(sim.countRequests("list"), 2);
    });
  });

  it("caps a page at 100 skills whatever top asks, and pages on with _links.next to the end", async () => {
    const skills = Array.from({ length: 250 }, (_, i) => pcSkill(1000 + i));
    await withAdminSimulator({ skills: [...skills, ...otherSkills(5000)] }, async (sim, client) => {
      const token = await client.token();
      const first = (await client.list(`${PC_QUERY}&skip=0&top=500`, token)).json as ListPage;
      assert.equal(first.skills.length, 100);
      assert.equal(first.totalRecords, 250);
      assert.ok(first._links.next);

      const seen: number[] = first.skills.map((s) => s.skillId);
      let next: string | null = first._links.next;
      while (next !== null) {
        const reply = await client.fetch(next, "GET", { authorization: `Bearer ${token}` });
        assert.equal(reply.status, 200);
        const page = reply.json as ListPage;
        assert.ok(page.skills.length <= 100);
        seen.push(...page.skills.map((s) => s.skillId));
        next = page._links.next;
      }
      assert.deepEqual(
        seen,
        skills.map((s) => s.skillId),
      );
      assert.equal(sim.countRequests("list"), 3);
    });
  });

  it("answers an empty page 204 without a body (or 200 with no skills when told to)", async () => {
    await withAdminSimulator({ skills: [pcSkill(101), ...otherSkills(900)] }, async (sim, client) => {
      const token = await client.token();
      const past = await client.list(`${PC_QUERY}&skip=100&top=100`, token);
      assert.equal(past.status, 204);
      assert.equal(past.text, "");
      const none = await client.list("?mediaTypeId=6", token);
      assert.equal(none.status, 204);

      sim.configure({ emptyPageStatus: 200 });
      const empty = await client.list(`${PC_QUERY}&skip=100`, token);
      assert.equal(empty.status, 200);
      assert.deepEqual((empty.json as ListPage).skills, []);
    });
  });

  it("refuses a list without mediaTypeId, with an unknown parameter or a bad number (400)", async () => {
    await withAdminSimulator({ skills: mixed }, async (_sim, client) => {
      const token = await client.token();
      for (const query of [
        "?outboundStrategy=Personal%20Connection",
        `${PC_QUERY}&pageSize=10`,
        `${PC_QUERY}&top=0`,
        `${PC_QUERY}&skip=-1`,
        "?mediaTypeId=phone",
      ]) {
        const reply = await client.list(query, token);
        assert.equal(reply.status, 400, query);
        assert.equal(typeof (reply.json as { error_description: string }).error_description, "string");
      }
    });
  });

  it("serves any API version and the mixed-case inContactAPI path segment", async () => {
    await withAdminSimulator({ skills: mixed }, async (sim, client) => {
      const token = await client.token();
      for (const version of ["26.0", "30.0", "31.0"]) {
        assert.equal((await client.list(PC_QUERY, token)).status, 200);
        assert.equal((await client.call("GET", `/skills${PC_QUERY}`, { token, version })).status, 200);
      }
      const lower = `${sim.apiEndpoint}/incontactapi/services/v30.0/skills${PC_QUERY}`;
      assert.equal((await client.fetch(lower, "GET", { authorization: `Bearer ${token}` })).status, 200);
      const wrongVersion = `${sim.apiEndpoint}/inContactAPI/services/30.0/skills${PC_QUERY}`;
      assert.equal(
        (await client.fetch(wrongVersion, "GET", { authorization: `Bearer ${token}` })).status,
        404,
      );
      assert.deepEqual(
        sim.requests("list").map((e) => e.apiVersion),
        ["30.0", "26.0", "30.0", "30.0", "30.0", "31.0", "30.0"],
      );
    });
  });
});

describe("cxone-admin simulator: GET /skills/parameters (bulk)", () => {
  it("holds every PC skill's parameter blocks, skillNo as the id and the schedule as a list of days", async () => {
    const weekend = settings({
      saturdayIsActive: true,
      saturdayStartTime: "10:00",
      saturdayEndTime: "14:00",
    });
    await withAdminSimulator(
      { skills: [pcSkill(101), pcSkill(102, { scheduleSettings: weekend }), ...otherSkills(900)] },
      async (sim, client) => {
        const reply = await client.call("GET", "/skills/parameters", { token: await client.token() });
        assert.equal(reply.status, 200);
        const body = reply.json as {
          skills: {
            skillNo: number;
            skillName: string;
            scheduleSettings: {
              isScheduled: boolean;
              schedules: { day: string; active: boolean; startTime: string; endTime: string }[];
            };
          }[];
        };
        assert.deepEqual(
          body.skills.map((s) => s.skillNo),
          [101, 102],
        );
        const second = body.skills[1];
        assert.equal(second?.skillName, "PC skill 102");
        assert.equal(second?.scheduleSettings.isScheduled, true);
        assert.deepEqual(second?.scheduleSettings.schedules[6], {
          day: "Saturday",
          active: true,
          startTime: "10:00",
          endTime: "14:00",
        });
        assert.deepEqual(second?.scheduleSettings.schedules[1], {
          day: "Monday",
          active: true,
          startTime: "09:00",
          endTime: "17:00",
        });
        assert.equal(second?.scheduleSettings.schedules.length, 7);
        assert.equal(sim.countRequests("bulk"), 1);
        assert.equal(sim.countRequests("list"), 0);
      },
    );
  });

  it("answers 404 or 500 when told to, so a client falls back to one GET per skill", async () => {
    await withAdminSimulator({ skills: [pcSkill(101)], bulkEndpoint: "missing" }, async (sim, client) => {
      const token = await client.token();
      const missing = await client.call("GET", "/skills/parameters", { token });
      assert.equal(missing.status, 404);
      assert.equal(typeof (missing.json as { error: string }).error, "string");
      sim.configure({ bulkEndpoint: "failing" });
      assert.equal((await client.call("GET", "/skills/parameters", { token })).status, 500);
      sim.configure({ bulkEndpoint: "available" });
      assert.equal((await client.call("GET", "/skills/parameters", { token })).status, 200);
      assert.equal(sim.countRequests("bulk"), 3);
    });
  });
});

describe("cxone-admin simulator: GET /business-unit", () => {
  it("gives the default time zone and the enabled zones as Windows ids", async () => {
    await withAdminSimulator({ skills: [] }, async (sim, client) => {
      const token = await client.token();
      const reply = await client.call("GET", "/business-unit", { token });
      assert.equal(reply.status, 200);
      const unit = (
        reply.json as {
          businessUnits: {
            businessUnitId: number;
            defaultTimeZone: string;
            timeZones: { displayName: string; standardName: string }[];
          }[];
        }
      ).businessUnits[0];
      assert.equal(unit?.defaultTimeZone, "Mountain Standard Time");
      assert.ok(unit?.timeZones.some((z) => z.standardName === "US Mountain Standard Time"));
      assert.ok(unit?.timeZones.every((z) => typeof z.displayName === "string"));

      sim.setBusinessUnit({ defaultTimeZone: "Eastern Standard Time" });
      const changed = (await client.call("GET", "/business-unit", { token })).json as {
        businessUnits: { defaultTimeZone: string }[];
      };
      assert.equal(changed.businessUnits[0]?.defaultTimeZone, "Eastern Standard Time");
      assert.equal(sim.countRequests("business-unit"), 2);
      assert.throws(
        () => sim.setBusinessUnit({ defaultTimeZone: "America/Denver" }),
        /not one of its timeZones/,
      );
    });
  });
});
