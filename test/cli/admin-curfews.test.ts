/**
 * Curfews as code under cxone-admin: a Personal Connection skill's recipient time-zone boundings
 * (`GET/PUT /skills/{id}/parameters/time-zones`), derived from the calling-hours law for a
 * campaign with `curfews: managed`, planned, applied, announced and audited as a second part of
 * the campaign; never read into a write for an unmanaged one. Against the cxone-admin simulator.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readChangeRecords } from "../../src/audit/verify.js";
import {
  type AdminWorld,
  coastToCoast,
  DEFAULT_CAMPAIGNS,
  driftSkill,
  makeAdminWorld,
  SKILL_CHI,
  SKILL_LA,
  SKILL_NY,
} from "../helpers/admin-world.js";
import { runInProcess } from "../helpers/cli.js";
import { newSecret, startReceiver } from "../helpers/receiver.js";

const AT = "2026-12-01T15:00:00Z";
const EASTERN = "Eastern Standard Time";
const PACIFIC = "Pacific Standard Time";

function run(world: AdminWorld, ...args: string[]) {
  return runInProcess([...args, "--dir", world.dir], { env: world.env, now: AT });
}

const MANAGED = coastToCoast(["  curfews: managed"]);

/** The kinds of the requests about one skill, in order. */
function skillRequests(world: AdminWorld, skillId: string): string[] {
  return world.sim
    .requests()
    .filter((r) => String(r.skillId) === skillId)
    .map((r) => r.kind);
}

function boundingPut(zone: string, start: string, end: string) {
  return {
    standardName: zone,
    timeZoneActiveToCall: true,
    overrideTime: true,
    startTime: start,
    endTime: end,
  };
}

describe("cxone-admin: curfews derived from the calling-hours law", () => {
  it("plans Eastern and Pacific 08:00–21:00, every other zone inactive; apply PUTs exactly that list once; a second apply none", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: { "campaigns/coast.yaml": MANAGED } });
    const json = await run(world, "plan", "--at", AT, "--format", "json");
    assert.equal(json.code, 2, json.stdout + json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.formatVersion, 2);
    const change = doc.changes.find((c: { campaignId: string }) => c.campaignId === SKILL_NY);
    assert.equal(change.action, "update");
    assert.deepEqual(change.diff, [], "the schedule itself is in sync");
    assert.match(change.curfews.version, /^sha256:/);
    assert.deepEqual(change.curfews.after, [
      { zone: EASTERN, start: "08:00", end: "21:00" },
      { zone: PACIFIC, start: "08:00", end: "21:00" },
    ]);
    // A new skill calls every zone of the business unit at the schedule's own hours.
    assert.equal(change.curfews.before.length, world.sim.businessUnit().timeZones.length);
    assert.deepEqual(
      change.curfews.diff.filter((d: { op: string }) => d.op === "add"),
      [
        { op: "add", value: { zone: EASTERN, start: "08:00", end: "21:00" } },
        { op: "add", value: { zone: PACIFIC, start: "08:00", end: "21:00" } },
      ],
    );
    const text = await run(world, "plan", "--at", AT);
    assert.equal(text.code, 2, text.stdout + text.stderr);
    assert.match(
      text.stdout,
      /curfews then: Eastern Standard Time 08:00–21:00, Pacific Standard Time 08:00–21:00; every other zone inactive/,
    );
    assert.match(text.stdout, /curfew {2}\+ Eastern Standard Time 08:00–21:00/);
    assert.match(text.stdout, /curfew {2}- Central Standard Time \(at the skill's own hours\)/);

    world.sim.clearRequests();
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const puts = world.sim.requests("put-time-zones");
    assert.equal(puts.length, 1, "one PUT");
    assert.deepEqual(puts[0]?.body, {
      timeZoneSettings: [boundingPut(EASTERN, "08:00", "21:00"), boundingPut(PACIFIC, "08:00", "21:00")],
    });
    assert.equal(world.sim.countRequests("put-schedule"), 0, "the schedule part was in sync");
    assert.deepEqual(
      skillRequests(world, SKILL_NY),
      ["get-schedule", "get-time-zones", "get-time-zones", "put-time-zones", "get-time-zones"],
      "one skill is read with its own GETs; its boundings read again just before the PUT, and read back after it",
    );
    assert.deepEqual(world.sim.timeZoneSettings(SKILL_NY), [
      { ...boundingPut(EASTERN, "08:00", "21:00") },
      { ...boundingPut(PACIFIC, "08:00", "21:00") },
    ]);
    assert.match(
      applied.stdout,
      /~ coast-to-coast \(4100001\) {2}updated curfews {2}sha256:[0-9a-f]+ → sha256:/,
    );

    world.sim.clearRequests();
    const again = await run(world, "apply", "--at", AT);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(world.sim.countRequests("put-time-zones"), 0, "a second apply writes nothing");
    assert.equal(world.sim.countRequests("put-schedule"), 0);
    assert.match(again.stdout, /Apply: 0 updated, 1 unchanged/);
    const clean = await run(world, "plan", "--at", AT);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  });

  it("zone names from CXone are escaped in the text and Markdown plans", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: { "campaigns/coast.yaml": MANAGED } });
    const evil = "Evil\u001b[2J Zone\n## injected heading";
    world.sim.setBusinessUnit({
      timeZones: [...world.sim.businessUnit().timeZones, { displayName: "evil", standardName: evil }],
    });
    const text = await run(world, "plan", "--at", AT);
    assert.equal(text.code, 2, text.stdout + text.stderr);
    assert.ok(!text.stdout.includes("\u001b"), "no raw escape");
    assert.match(text.stdout, /curfew {2}- Evil\\x1b\[2J Zone\\n## injected heading/);
    const md = await run(world, "plan", "--at", AT, "--format", "markdown");
    assert.equal(md.code, 2);
    assert.match(md.stdout, /curfews \(recipient time-zone boundings\)/);
    assert.match(md.stdout, /\+ curfew Eastern Standard Time 08:00–21:00/);
    assert.ok(!/^## injected heading/m.test(md.stdout), "no heading injected");
  });

  it("with the Florida region among the recipients' regions, both zones are bounded 08:00–20:00", async () => {
    const world = await makeAdminWorld({
      at: AT,
      campaigns: { "campaigns/coast.yaml": coastToCoast(["    regions: [US-FL]", "  curfews: managed"]) },
    });
    const json = await run(world, "plan", "--at", AT, "--format", "json");
    assert.equal(json.code, 2, json.stdout + json.stderr);
    const change = JSON.parse(json.stdout).changes[0];
    assert.deepEqual(change.curfews.after, [
      { zone: EASTERN, start: "08:00", end: "20:00" },
      { zone: PACIFIC, start: "08:00", end: "20:00" },
    ]);
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(world.sim.requests("put-time-zones")[0]?.body, {
      timeZoneSettings: [boundingPut(EASTERN, "08:00", "20:00"), boundingPut(PACIFIC, "08:00", "20:00")],
    });
  });

  it("policy.curfews in dialwindow.yaml is the default; spec.curfews: unmanaged still wins", async () => {
    const world = await makeAdminWorld({
      at: AT,
      cxoneExtra: "policy:\n  curfews: managed",
      campaigns: {
        "campaigns/coast.yaml": coastToCoast(),
        "campaigns/west.yaml": `${(DEFAULT_CAMPAIGNS["campaigns/west.yaml"] as string).trimEnd()}\n  curfews: unmanaged\n`,
      },
    });
    const r = await run(world, "apply", "--at", AT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      world.sim.requests("put-time-zones").map((p) => String(p.skillId)),
      [SKILL_NY],
      "only the campaign the default manages",
    );
    assert.deepEqual(skillRequests(world, SKILL_LA), [], "the unmanaged skill is only read in bulk");
  });

  it("an unmanaged campaign's boundings are never read into a write", async () => {
    const world = await makeAdminWorld({
      at: AT,
      campaigns: { ...DEFAULT_CAMPAIGNS, "campaigns/east.yaml": MANAGED },
    });
    // Boundings set by hand in CXone, which no law would derive: dialwindow leaves them alone.
    const handSet = [
      {
        standardName: PACIFIC,
        timeZoneActiveToCall: true,
        overrideTime: true,
        startTime: "06:00",
        endTime: "23:00",
      },
    ];
    world.sim.editTimeZoneSettings(SKILL_LA, handSet);
    driftSkill(world, SKILL_LA);
    driftSkill(world, SKILL_CHI);
    world.sim.clearRequests();
    const planned = await run(world, "plan", "--at", AT, "--format", "json");
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    const doc = JSON.parse(planned.stdout);
    assert.deepEqual(
      skillRequests(world, SKILL_NY),
      [],
      "the managed skill's boundings come from the bulk read, whose zones are the business unit's",
    );
    for (const id of [SKILL_LA, SKILL_CHI]) {
      const c = doc.changes.find((x: { campaignId: string }) => x.campaignId === id);
      assert.equal(c.curfews, undefined, `no boundings part for unmanaged ${id}`);
    }
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    for (const id of [SKILL_LA, SKILL_CHI]) {
      const kinds = skillRequests(world, id);
      assert.ok(
        kinds.every((k) => k === "get-schedule" || k === "put-schedule"),
        `${id}: ${kinds.join(", ")}`,
      );
    }
    assert.deepEqual(
      world.sim.requests("put-time-zones").map((p) => String(p.skillId)),
      [SKILL_NY],
      "the managed skill only",
    );
    assert.deepEqual(world.sim.timeZoneSettings(SKILL_LA), handSet, "untouched");
    assert.equal(world.sim.timeZoneSettings(SKILL_CHI), undefined, "never written");
  });

  it("a zone the business unit does not allow is a plan error naming the zone and the business unit", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: { "campaigns/coast.yaml": MANAGED } });
    world.sim.setBusinessUnit({
      timeZones: world.sim.businessUnit().timeZones.filter((z) => z.standardName !== PACIFIC),
    });
    const r = await run(world, "plan", "--at", AT);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /recipient zone America\/Los_Angeles \(CXone's Pacific Standard Time\) is not one of the time zones of business unit "dialwindow simulator" \(4600001\)/,
    );
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 1);
    assert.equal(world.sim.countRequests("put-time-zones"), 0);
  });

  it("a saved plan made stale by a hand change to the boundings writes nothing: run plan again", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: { "campaigns/coast.yaml": MANAGED } });
    const file = join(world.dir, "plan.json");
    assert.equal((await run(world, "plan", "--at", AT, "--out", file)).code, 2);
    world.sim.editTimeZoneSettings(SKILL_NY, [{ standardName: EASTERN }]);
    world.sim.clearRequests();
    const applied = await run(world, "apply", "--plan", file);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /coast-to-coast .*curfews: live changed since the plan; run plan again/);
    assert.equal(world.sim.countRequests("put-time-zones"), 0);
    assert.deepEqual(
      world.sim.timeZoneSettings(SKILL_NY)?.map((b) => b.standardName),
      [EASTERN],
    );
  });

  it("a fresh apply re-plans boundings changed between the plan's read and the PUT, and writes once", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: { "campaigns/coast.yaml": MANAGED } });
    // The hand edit lands right after apply reads the skill: its pre-PUT read sees a new version.
    world.sim.injectFault({
      kind: "get-time-zones",
      skillId: SKILL_NY,
      fault: { type: "edit", after: true, timeZones: [{ standardName: EASTERN }] },
    });
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(world.sim.countRequests("put-time-zones"), 1);
    assert.deepEqual(skillRequests(world, SKILL_NY), [
      "get-schedule",
      "get-time-zones", // the plan's read; the hand edit lands after it
      "get-time-zones", // just before the PUT: another version, so nothing is sent
      "get-schedule",
      "get-time-zones", // read again and re-planned
      "get-time-zones", // just before the PUT, now unchanged
      "put-time-zones",
      "get-time-zones", // read back
    ]);
    assert.deepEqual(world.sim.timeZoneSettings(SKILL_NY), [
      boundingPut(EASTERN, "08:00", "21:00"),
      boundingPut(PACIFIC, "08:00", "21:00"),
    ]);
  });

  it("a boundings PUT whose answer is lost, with the re-read failing too, is settled by the next apply", async () => {
    // Two managed skills, so reads go through the bulk read and the only schedule GET is the re-read.
    const world = await makeAdminWorld({
      at: AT,
      campaigns: {
        "campaigns/coast.yaml": MANAGED,
        "campaigns/west.yaml": `${(DEFAULT_CAMPAIGNS["campaigns/west.yaml"] as string).trimEnd()}\n  curfews: managed\n`,
      },
    });
    world.sim.injectFault({
      kind: "put-time-zones",
      skillId: SKILL_NY,
      fault: { type: "reset", afterProcessing: true },
    });
    world.sim.injectFault({ kind: "get-schedule", skillId: SKILL_NY, fault: 400 });
    const first = await run(world, "apply", "--at", AT);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(
      first.stdout,
      /coast-to-coast .*curfews: .*whether the write landed is settled on the next run/,
    );
    assert.deepEqual(world.sim.timeZoneSettings(SKILL_NY), [
      boundingPut(EASTERN, "08:00", "21:00"),
      boundingPut(PACIFIC, "08:00", "21:00"),
    ]);
    world.sim.clearRequests();
    const second = await run(world, "apply", "--at", AT);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /Recovered an interrupted earlier run: 1 write\(s\) had landed/);
    assert.equal(world.sim.countRequests("put-time-zones"), 0, "the landed write is recorded, not repeated");
    const records = await readChangeRecords({
      workDir: join(world.dir, ".dialwindow", "audit-repo"),
      branch: "dialwindow-audit",
      path: "audit",
    });
    const ny = records.filter((x) => x.campaignId === SKILL_NY);
    assert.deepEqual(
      ny.map((x) => x.part),
      ["curfews"],
    );
  });

  it("the webhook and the audit record name the part that changed", async () => {
    const secret = newSecret();
    const receiver = await startReceiver({ "/wfm": secret });
    after(() => receiver.close());
    const world = await makeAdminWorld({
      at: AT,
      campaigns: { "campaigns/coast.yaml": MANAGED },
      cxoneExtra: `webhooks:\n  - name: wfm\n    url: ${receiver.url("/wfm")}\n    secretEnv: WFM_SECRET`,
    });
    driftSkill(world, SKILL_NY);
    const env = { ...world.env, WFM_SECRET: secret };
    const r = await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const bodies = receiver.requests.filter((q) => q.verified).map((q) => JSON.parse(q.body));
    assert.deepEqual(bodies.map((b) => b.event).sort(), [
      "CAMPAIGN_CURFEWS_UPDATED",
      "CAMPAIGN_SCHEDULE_UPDATED",
    ]);
    const curfews = bodies.find((b) => b.event === "CAMPAIGN_CURFEWS_UPDATED");
    assert.equal(curfews.campaign_id, SKILL_NY);
    assert.deepEqual(curfews.curfews, [
      { zone: EASTERN, start: "08:00", end: "21:00" },
      { zone: PACIFIC, start: "08:00", end: "21:00" },
    ]);
    assert.equal(curfews.previous_curfews.length, world.sim.businessUnit().timeZones.length);
    assert.equal(curfews.schedule, undefined);
    const records = await readChangeRecords({
      workDir: join(world.dir, ".dialwindow", "audit-repo"),
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.deepEqual(records.map((x) => x.part ?? "schedule").sort(), ["curfews", "schedule"]);
    const verify = await runInProcess(["audit", "verify", "--dir", world.dir], { env, now: AT });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});

describe("cxone-admin: import and curfews", () => {
  it("writes curfews: managed only when CXone holds what would be derived, else lists the differences", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: {} });
    const scheduled = {
      isScheduled: true,
      mondayIsActive: true,
      mondayStartTime: "09:00",
      mondayEndTime: "15:00",
    };
    const mountain = "Mountain Standard Time";
    world.sim.upsertSkills([
      {
        skillId: 4200001,
        skillName: "Bounded by the law",
        scheduleSettings: scheduled,
        timeZoneSettings: [
          {
            standardName: mountain,
            timeZoneActiveToCall: true,
            overrideTime: true,
            startTime: "08:00",
            endTime: "21:00",
          },
        ],
      },
      {
        skillId: 4200002,
        skillName: "Bounded by hand",
        scheduleSettings: scheduled,
        timeZoneSettings: [
          {
            standardName: mountain,
            timeZoneActiveToCall: true,
            overrideTime: true,
            startTime: "07:00",
            endTime: "22:00",
          },
        ],
      },
    ]);
    const out = join(world.dir, "imported-repo");
    const r = await runInProcess(["import", "--dir", world.dir, "--out", out], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lawful = await readFile(join(out, "campaigns/imported/bounded-by-the-law.yaml"), "utf8");
    assert.match(lawful, /\n {2}curfews: managed\n/);
    const byHand = await readFile(join(out, "campaigns/imported/bounded-by-hand.yaml"), "utf8");
    assert.doesNotMatch(byHand, /curfews: managed/);
    assert.match(
      r.stdout,
      /4200002: curfews left unmanaged: CXone holds Mountain Standard Time 07:00–22:00; the law would give Mountain Standard Time 08:00–21:00/,
    );
    world.sim.clearRequests();
    const plan = await runInProcess(["plan", "--dir", out, "--at", AT], { env: world.env, now: AT });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});
