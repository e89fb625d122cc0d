/**
 * What validation and planning know about the cxone-admin profile before any network call:
 * metadata.skillId against metadata.campaignId, one window a weekday, no pause conditions, and
 * windows translated into the schedule zone per occurrence, DST-exact.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { effectiveSchedule, upcomingTransitions } from "../../src/desired/effective.js";
import { validateDesiredState } from "../../src/desired/validate.js";
import { campaignYaml } from "../helpers/admin-world.js";
import { tempDir, writeTree } from "../helpers/fs.js";

const AT = DateTime.fromISO("2026-12-01T15:00:00Z");

function config(profile: string, extra = ""): string {
  return `apiVersion: dialwindow/v1\nkind: Config\ncxone:\n  profile: ${profile}\n${extra}`;
}

async function validate(files: Record<string, string>) {
  const dir = await tempDir("dw-admin-validate-");
  await writeTree(dir, files);
  return validateDesiredState(dir, { at: AT });
}

function codes(result: Awaited<ReturnType<typeof validate>>): string[] {
  return result.findings.filter((f) => f.severity === "error").map((f) => `${f.code} ${f.file}:${f.line}`);
}

const WEEKDAYS = '    - { days: [MON, TUE, WED, THU, FRI], start: "09:00", end: "17:00" }';

describe("cxone-admin: the campaign names its PC skill", () => {
  it("metadata.skillId is valid under cxone-admin, and the default block limit is 7", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaignYaml("a", "4001", "America/New_York", WEEKDAYS),
    });
    assert.deepEqual(codes(r), []);
    assert.equal(r.campaigns[0]?.campaignId, "4001");
    assert.equal(r.config.limits.maxDialingBlocks, 7);
  });

  it("metadata.campaignId under cxone-admin, skillId under tutorial, both, or neither: DW132 at the key", async () => {
    const withCampaignId = campaignYaml("a", "4001", "America/New_York", WEEKDAYS).replace(
      "skillId",
      "campaignId",
    );
    const both = campaignYaml("b", "4002", "America/New_York", WEEKDAYS).replace(
      '  skillId: "4002"',
      '  skillId: "4002"\n  campaignId: "4002"',
    );
    const neither = campaignYaml("c", "4003", "America/New_York", WEEKDAYS).replace(
      '  skillId: "4003"\n',
      "",
    );
    const admin = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": withCampaignId,
      "campaigns/b.yaml": both,
      "campaigns/c.yaml": neither,
    });
    assert.deepEqual(codes(admin), [
      "DW132 campaigns/a.yaml:5",
      "DW132 campaigns/b.yaml:6",
      "DW132 campaigns/c.yaml:3",
    ]);
    assert.match(
      admin.findings.find((f) => f.file === "campaigns/a.yaml")?.message ?? "",
      /under cxone\.profile cxone-admin a CampaignSchedule names its Personal Connection skill: write metadata\.skillId/,
    );
    const tutorial = await validate({
      "dialwindow.yaml": config("tutorial"),
      "campaigns/a.yaml": campaignYaml("a", "4001", "America/New_York", WEEKDAYS),
    });
    assert.deepEqual(codes(tutorial), ["DW132 campaigns/a.yaml:5"]);
    assert.match(
      tutorial.findings[0]?.message ?? "",
      /write metadata\.campaignId instead, or set cxone\.profile: cxone-admin/,
    );
  });

  it("a skillId written as a number is DW014", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaignYaml("a", "4001", "America/New_York", WEEKDAYS).replace('"4001"', "4001"),
    });
    assert.ok(codes(r).includes("DW014 campaigns/a.yaml:5"), codes(r).join(", "));
  });
});

describe("cxone-admin: what a PC skill's schedule cannot hold is an error before any network call", () => {
  it("two windows on one weekday (weekly or in an override) and pauseConditions", async () => {
    const two = `${WEEKDAYS}\n    - { days: [MON], start: "18:00", end: "20:00" }\n  pauseConditions: [BUSY]`;
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaignYaml("a", "4001", "America/New_York", two),
    });
    assert.deepEqual(codes(r), ["DW141 campaigns/a.yaml:10", "DW142 campaigns/a.yaml:11"]);
    assert.match(
      r.findings[0]?.message ?? "",
      /MON has 2 windows, but a PC skill .* holds one window a weekday/,
    );
  });

  it("with cxone.scheduleTimezone, a window that crosses midnight there, or lands on another weekday, is DW143", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin", "  scheduleTimezone: America/Los_Angeles\n"),
      // 01:00-02:30 in New York is 22:00-23:30 the day before in Los Angeles.
      "campaigns/late.yaml": campaignYaml(
        "late",
        "4001",
        "America/New_York",
        '    - { days: [TUE], start: "01:00", end: "02:30" }',
      ),
      // 02:00-06:00 in New York is 23:00-03:00 in Los Angeles: across midnight.
      "campaigns/cross.yaml": campaignYaml(
        "cross",
        "4002",
        "America/New_York",
        '    - { days: [WED], start: "02:00", end: "06:00" }',
      ),
      "campaigns/fine.yaml": campaignYaml("fine", "4003", "America/New_York", WEEKDAYS),
    });
    const errors = r.findings.filter((f) => f.code === "DW143");
    assert.deepEqual(
      errors.map((f) => `${f.file}:${f.line}`),
      ["campaigns/cross.yaml:9", "campaigns/late.yaml:9"],
    );
    assert.match(errors[0]?.message ?? "", /23:00–03:00 in America\/Los_Angeles, across midnight there/);
    assert.match(errors[1]?.message ?? "", /is on MON in America\/Los_Angeles/);
  });

  it("under tutorial none of this applies", async () => {
    const two = `${WEEKDAYS}\n    - { days: [MON], start: "18:00", end: "20:00" }\n  pauseConditions: [BUSY]`;
    const r = await validate({
      "dialwindow.yaml": `${config("tutorial")}limits:\n  maxDialingBlocks: 10\n`,
      "campaigns/a.yaml": campaignYaml("a", "4001", "America/New_York", two).replace("skillId", "campaignId"),
    });
    assert.deepEqual(codes(r), []);
  });
});

describe("schedule-zone translation is DST-exact, per occurrence", () => {
  async function campaign(zone: string) {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaignYaml("a", "4001", zone, WEEKDAYS),
    });
    const c = r.campaigns[0];
    assert.ok(c);
    return c;
  }

  it("New York 09:00 is 07:00 in Phoenix in January and 06:00 in July", async () => {
    const c = await campaign("America/New_York");
    const jan = effectiveSchedule(c, DateTime.fromISO("2026-01-13T15:00:00Z"), "America/Phoenix");
    const jul = effectiveSchedule(c, DateTime.fromISO("2026-07-14T15:00:00Z"), "America/Phoenix");
    assert.equal(jan.timezone, "America/Phoenix");
    assert.deepEqual(jan.dialingHours[0], { day: "MON", startTime: "07:00", endTime: "15:00" });
    assert.deepEqual(jul.dialingHours[0], { day: "MON", startTime: "06:00", endTime: "14:00" });
  });

  it("across the US change (either zone): the slots after it move, and the transition is listed at the slot's midnight", async () => {
    const c = await campaign("America/New_York");
    // Thursday 2026-03-05: the coming Monday (03-09) is after the US change of Sunday 03-08.
    const at = DateTime.fromISO("2026-03-05T15:00:00Z");
    const s = effectiveSchedule(c, at, "America/Phoenix");
    const hours = Object.fromEntries(s.dialingHours.map((h) => [h.day, h.startTime]));
    assert.deepEqual(hours, { MON: "06:00", TUE: "06:00", WED: "06:00", THU: "07:00", FRI: "07:00" });
    const moves = upcomingTransitions(c, at, 7, "America/Phoenix");
    assert.deepEqual(
      moves.map((t) => [t.day, t.after[0]?.startTime, t.reason]),
      [
        ["THU", "06:00", "clock change: the window moves in America/Phoenix"],
        ["FRI", "06:00", "clock change: the window moves in America/Phoenix"],
      ],
    );
    // The zone of the schedule changing: London's own change (03-29) against Denver's (03-08).
    const london = await campaign("Europe/London");
    const before = effectiveSchedule(london, DateTime.fromISO("2026-03-02T12:00:00Z"), "America/Denver");
    const between = effectiveSchedule(london, DateTime.fromISO("2026-03-16T12:00:00Z"), "America/Denver");
    const afterBoth = effectiveSchedule(london, DateTime.fromISO("2026-04-06T12:00:00Z"), "America/Denver");
    assert.equal(before.dialingHours[0]?.startTime, "02:00");
    assert.equal(between.dialingHours[0]?.startTime, "03:00");
    assert.equal(afterBoth.dialingHours[0]?.startTime, "02:00");
  });
});
