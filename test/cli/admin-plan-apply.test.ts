/**
 * plan and apply under cxone.profile: cxone-admin, against the cxone-admin simulator, with the
 * schedule zone (the business unit's, America/Denver) different from every campaign's zone.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readChangeRecords } from "../../src/audit/verify.js";
import {
  type AdminWorld,
  DEFAULT_CAMPAIGNS,
  DENVER,
  driftSkill,
  makeAdminWorld,
  SKILL_CHI,
  SKILL_INBOUND,
  SKILL_LA,
  SKILL_NY,
} from "../helpers/admin-world.js";
import { runInProcess } from "../helpers/cli.js";
import { newSecret, startReceiver } from "../helpers/receiver.js";

const AT = "2026-12-01T15:00:00Z";

function run(world: AdminWorld, ...args: string[]) {
  return runInProcess([...args, "--dir", world.dir], { env: world.env, now: AT });
}

/** The kinds of the requests about one skill, in order. */
function skillRequests(world: AdminWorld, skillId: string): string[] {
  return world.sim
    .requests()
    .filter((r) => String(r.skillId) === skillId)
    .map((r) => r.kind);
}

describe("cxone-admin: plan and apply against the Admin API's shapes", () => {
  it("an in-sync repository plans with exit 0, from the bulk read: no per-skill GET, no write", async () => {
    const world = await makeAdminWorld({ at: AT });
    const r = await run(world, "plan", "--at", AT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Plan: 0 to update, 3 unchanged/);
    assert.equal(world.sim.countRequests("bulk"), 1);
    assert.equal(world.sim.countRequests("get-schedule"), 0, "no per-skill GET");
    assert.equal(world.sim.countRequests("put-schedule"), 0);
    // The skills hold Denver times: New York's 09:00-17:00 is 07:00-15:00 there in December.
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.mondayStartTime, "07:00");
  });

  it("k drifted skills: exactly k PUTs, each preceded by one GET and followed by one read-back; then none", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    driftSkill(world, SKILL_CHI);
    const planned = await run(world, "plan", "--at", AT);
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    world.sim.clearRequests();

    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(world.sim.countRequests("put-schedule"), 2);
    for (const id of [SKILL_NY, SKILL_CHI]) {
      assert.deepEqual(skillRequests(world, id), ["get-schedule", "put-schedule", "get-schedule"], id);
      const put = world.sim.requests("put-schedule").find((p) => String(p.skillId) === id);
      const body = put?.body as { scheduleSettings: Record<string, unknown> };
      assert.deepEqual(Object.keys(body), ["scheduleSettings"], "the wrapper, nothing beside it");
      assert.equal(Object.keys(body.scheduleSettings).length, 22, "all 22 fields");
    }
    assert.deepEqual(skillRequests(world, SKILL_LA), [], "an in-sync skill is only read in bulk");
    assert.deepEqual(skillRequests(world, SKILL_INBOUND), [], "the non-PC skill is never touched");
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.tuesdayIsActive, true);
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.tuesdayStartTime, "07:00");
    assert.match(
      applied.stdout,
      /~ east-collections \(4100001\) {2}updated {2}sha256:[0-9a-f]+ → sha256:[0-9a-f]+/,
    );

    world.sim.clearRequests();
    const again = await run(world, "apply", "--at", AT);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(world.sim.countRequests("put-schedule"), 0, "a second apply writes nothing");
    assert.match(again.stdout, /Apply: 0 updated, 3 unchanged/);
  });

  it("a saved plan made stale by a change in CXone writes nothing for that skill: run plan again", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    const file = join(world.dir, "plan.json");
    const planned = await run(world, "plan", "--at", AT, "--out", file);
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    const doc = JSON.parse(await readFile(file, "utf8"));
    assert.equal(doc.profile, "cxone-admin");
    assert.equal(doc.scheduleZone, DENVER);
    // Someone edits the skill in the CXone UI after the plan was reviewed.
    world.sim.editScheduleSettings(SKILL_NY, { saturdayIsActive: true, saturdayStartTime: "09:00" });
    world.sim.clearRequests();
    const applied = await run(world, "apply", "--plan", file);
    assert.equal(applied.code, 1, applied.stdout + applied.stderr);
    assert.match(
      applied.stdout,
      /✗ east-collections \(4100001\) {2}campaigns\/east\.yaml: live changed since the plan; run plan again/,
    );
    assert.equal(world.sim.countRequests("put-schedule"), 0);
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.saturdayIsActive, true, "the hand edit stands");
  });

  it("a fresh apply re-plans a skill changed between its plan and its PUT, and writes the result once", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    // The hand edit lands just before apply's pre-PUT GET: its version no longer matches.
    world.sim.injectFault({
      kind: "get-schedule",
      skillId: SKILL_NY,
      fault: { type: "edit", settings: { saturdayIsActive: true } },
    });
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(world.sim.countRequests("put-schedule"), 1);
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.saturdayIsActive, false, "the desired state won");
  });

  it("json, markdown and text plans under cxone-admin name the skill and the schedule zone", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    const json = await run(world, "plan", "--at", AT, "--format", "json");
    assert.equal(json.code, 2);
    const doc = JSON.parse(json.stdout);
    const change = doc.changes.find((c: { campaignId: string }) => c.campaignId === SKILL_NY);
    assert.equal(change.action, "update");
    assert.match(change.version, /^sha256:/);
    assert.equal(change.after.timezone, DENVER);
    assert.deepEqual(change.diff, [
      { path: "dialingHours", op: "add", value: { day: "TUE", startTime: "07:00", endTime: "15:00" } },
    ]);
    const md = await run(world, "plan", "--at", AT, "--format", "markdown");
    assert.equal(md.code, 2);
    assert.match(md.stdout, /east-collections/);
  });

  it("a skill id that does not exist, and a skill that is not PC, are plan errors naming the file", async () => {
    const world = await makeAdminWorld({
      at: AT,
      campaigns: {
        ...DEFAULT_CAMPAIGNS,
        "campaigns/ghost.yaml": DEFAULT_CAMPAIGNS["campaigns/west.yaml"]
          ?.replace("west-winback", "ghost")
          .replace(SKILL_LA, "4199999") as string,
        "campaigns/inbound.yaml": DEFAULT_CAMPAIGNS["campaigns/west.yaml"]
          ?.replace("west-winback", "inbound")
          .replace(SKILL_LA, SKILL_INBOUND) as string,
      },
    });
    world.sim.removeSkill("4199999");
    const r = await run(world, "plan", "--at", AT);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /PC skill 4199999 does not exist in CXone \(or is not a Personal Connection skill\); check metadata\.skillId in campaigns\/ghost\.yaml/,
    );
    assert.match(
      r.stdout,
      /PC skill 4100900 does not exist in CXone \(or is not a Personal Connection skill\)/,
    );
    assert.deepEqual(skillRequests(world, SKILL_INBOUND), [], "the non-PC skill is not even read");
    const applied = await run(world, "apply", "--at", AT);
    assert.equal(applied.code, 1);
    assert.equal(world.sim.countRequests("put-schedule"), 0);
  });
});

describe("cxone-admin: faults seen from the command line", () => {
  it("a PUT answered 400 shows CXone's reason with the campaign's file; the others still apply", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    driftSkill(world, SKILL_CHI);
    world.sim.injectFault({
      kind: "put-schedule",
      skillId: SKILL_NY,
      fault: {
        type: "status",
        status: 400,
        body: {
          error: "InvalidScheduleSettings",
          error_description: "mondayEndTime is outside the BU's hours",
        },
      },
    });
    const r = await run(world, "apply", "--at", AT);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /✗ east-collections \(4100001\) {2}campaigns\/east\.yaml: CXone rejected the schedule from campaigns\/east\.yaml \(400\): InvalidScheduleSettings; mondayEndTime is outside the BU's hours|✗ east-collections \(4100001\) {2}campaigns\/east\.yaml: CXone rejected the schedule from campaigns\/east\.yaml \(400\): mondayEndTime is outside the BU's hours/,
    );
    assert.match(r.stdout, /~ central-renewals \(4100002\) {2}updated/);
    assert.equal(world.sim.countRequests("put-schedule"), 2, "the rejected PUT is not retried");
  });

  it("a read-back that differs from what was sent fails the skill clearly, with one PUT", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    world.sim.injectFault({ kind: "put-schedule", skillId: SKILL_NY, fault: "ignore-write" });
    const r = await run(world, "apply", "--at", AT);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /✗ east-collections .*accepted the schedule for skill 4100001 but holds another one when read back.*not retried/,
    );
    assert.equal(world.sim.countRequests("put-schedule"), 1);
  });

  it("a PUT answered 500 is settled by reading again: not landed, written again once", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    world.sim.injectFault({ kind: "put-schedule", skillId: SKILL_NY, fault: 500 });
    const r = await run(world, "apply", "--at", AT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("put-schedule"), 2);
    assert.equal(world.sim.scheduleSettings(SKILL_NY)?.tuesdayIsActive, true);
  });

  for (const mode of ["missing", "failing"] as const) {
    it(`a bulk read answering ${mode === "missing" ? 404 : 500}: plan reads each skill instead and is still exact`, async () => {
      const world = await makeAdminWorld({ at: AT, sim: { bulkEndpoint: mode } });
      const r = await run(world, "plan", "--at", AT);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(world.sim.countRequests("get-schedule"), 3);
    });
  }

  it("times answered with seconds plan as in sync", async () => {
    const world = await makeAdminWorld({ at: AT, sim: { timesWithSeconds: true } });
    const r = await run(world, "plan", "--at", AT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("wrong credentials stop plan with the variables to check, never a secret", async () => {
    const world = await makeAdminWorld({ at: AT });
    const env = { ...world.env, CXONE_ACCESS_KEY_SECRET: `${world.env.CXONE_ACCESS_KEY_SECRET}x` };
    const r = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env, now: AT });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /check CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET/);
    for (const secret of [env.CXONE_ACCESS_KEY_SECRET, world.env.CXONE_CLIENT_SECRET]) {
      assert.ok(!(r.stdout + r.stderr).includes(secret as string));
      assert.ok(!(r.stdout + r.stderr).includes(encodeURIComponent(secret as string)));
    }
  });

  it("missing or blank credentials are named before anything is sent", async () => {
    const world = await makeAdminWorld({ at: AT });
    const env = { ...world.env, CXONE_ACCESS_KEY_ID: " ", CXONE_TENANT_ID: "" };
    delete (env as Record<string, string | undefined>).CXONE_CLIENT_SECRET;
    const r = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env, now: AT });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CXONE_ACCESS_KEY_ID is set but empty/);
    assert.match(r.stderr, /CXONE_CLIENT_SECRET is not set/);
    assert.match(r.stderr, /CXONE_TENANT_ID is set but empty/);
    assert.equal(world.sim.countRequests(), 0);
  });
});

describe("cxone-admin: import", () => {
  it("writes skillId, the skill's name and its windows in the schedule zone, only for PC skills; then plan is clean", async () => {
    const world = await makeAdminWorld({ at: AT, campaigns: {} });
    world.sim.upsertSkills([
      {
        skillId: 4200001,
        skillName: "Renewals — East",
        scheduleSettings: {
          isScheduled: true,
          mondayIsActive: true,
          mondayStartTime: "09:00",
          mondayEndTime: "15:00",
          tuesdayIsActive: true,
          tuesdayStartTime: "09:00",
          tuesdayEndTime: "15:00",
        },
      },
      { skillId: 4200002, skillName: "Never scheduled" },
    ]);
    const out = join(world.dir, "imported-repo");
    const r = await runInProcess(["import", "--dir", world.dir, "--out", out], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = await readFile(join(out, "campaigns/imported/renewals-east.yaml"), "utf8");
    assert.match(text, /CXone name: "Renewals — East"/);
    assert.match(text, /\n {2}skillId: "4200001"\n/);
    assert.match(text, /\n {2}timezone: "America\/Denver"\n/);
    assert.match(text, /days: \[MON, TUE\]\n {6}start: "09:00"\n {6}end: "15:00"/);
    assert.doesNotMatch(text, /pauseConditions|campaignId/);
    const unscheduled = await readFile(join(out, "campaigns/imported/never-scheduled.yaml"), "utf8");
    assert.match(unscheduled, /CXone does not apply this schedule now \(isScheduled is false\)/);
    assert.doesNotMatch(r.stdout, /4100900/, "the inbound skill is not imported");
    const config = await readFile(join(out, "dialwindow.yaml"), "utf8");
    assert.match(config, /profile: cxone-admin/);
    assert.match(config, /scheduleTimezone: "America\/Denver"/);

    world.sim.clearRequests();
    const plan = await runInProcess(["plan", "--dir", out, "--at", AT], { env: world.env, now: AT });
    // The scheduled skill is in sync; the unscheduled one plans as switching its schedule on.
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /never-scheduled[\s\S]*schedule {2}switched on/);
    assert.match(plan.stdout, /Plan: 1 to update, 1 unchanged/);
  });
});

describe("cxone-admin: reconcile, webhooks and the audit trail", () => {
  it("reconcile --once corrects a drifted skill; the webhook names the skill and carries Denver times; audit verify passes", async () => {
    const secret = newSecret();
    const receiver = await startReceiver({ "/wfm": secret });
    after(() => receiver.close());
    const world = await makeAdminWorld({
      at: AT,
      cxoneExtra: "webhooks:\n  - name: wfm\n    url: URL\n    secretEnv: WFM_SECRET".replace(
        "URL",
        receiver.url("/wfm"),
      ),
    });
    driftSkill(world, SKILL_NY);
    const env = { ...world.env, WFM_SECRET: secret };
    const r = await runInProcess(["reconcile", "--dir", world.dir, "--once"], { env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("put-schedule"), 1);
    const delivered = receiver.requests.filter((q) => q.verified);
    assert.equal(delivered.length, 1);
    const body = JSON.parse(delivered[0]?.body ?? "{}");
    assert.equal(body.campaign_id, SKILL_NY);
    assert.equal(body.schedule.timezone, DENVER);
    assert.ok(body.schedule.dialingHours.some((h: { day: string }) => h.day === "TUE"));
    assert.ok(!body.previous_schedule.dialingHours.some((h: { day: string }) => h.day === "TUE"));

    const verify = await runInProcess(["audit", "verify", "--dir", world.dir, "--format", "json"], {
      env,
      now: AT,
    });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const records = await auditRecords(world.dir);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.campaignId, SKILL_NY);
    assert.match(String(records[0]?.versionBefore), /^sha256:/);
    assert.match(String(records[0]?.versionAfter), /^sha256:/);
    assert.notEqual(records[0]?.versionBefore, records[0]?.versionAfter);
    assert.equal(String(records[0]?.at).slice(0, 10), AT.slice(0, 10), "recorded at the run's instant");
  });
});

async function auditRecords(dir: string) {
  return readChangeRecords({
    workDir: join(dir, ".dialwindow", "audit-repo"),
    branch: "dialwindow-audit",
    path: "audit",
  });
}

describe("cxone-admin: plans across a clock change", () => {
  it("plan before the US change lists the translated windows moving in a zone without DST, and --at after it shows them moved", async () => {
    const before = "2026-03-05T15:00:00Z";
    const world = await makeAdminWorld({ at: before, scheduleTimezone: "America/Phoenix" });
    const r = await runInProcess(["plan", "--dir", world.dir, "--at", before], {
      env: world.env,
      now: before,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // New York's 09:00 is 07:00 in Phoenix until Sunday 8 March, 06:00 after it: the slots for
    // the coming Thursday and Friday move at New York midnight.
    assert.match(
      r.stdout,
      /east-collections.*THU.*06:00–14:00.*clock change: the window moves in America\/Phoenix/,
    );
    const json = await runInProcess(["plan", "--dir", world.dir, "--at", before, "--format", "json"], {
      env: world.env,
      now: before,
    });
    const doc = JSON.parse(json.stdout);
    const east = doc.changes.find((c: { campaignId: string }) => c.campaignId === SKILL_NY);
    const hours = Object.fromEntries(
      east.after.dialingHours.map((h: { day: string; startTime: string }) => [h.day, h.startTime]),
    );
    assert.deepEqual(hours, { MON: "06:00", TUE: "06:00", WED: "06:00", THU: "07:00", FRI: "07:00" });
    const later = "2026-03-12T15:00:00Z";
    const moved = await runInProcess(["plan", "--dir", world.dir, "--at", later], {
      env: world.env,
      now: later,
    });
    assert.equal(moved.code, 2, "CXone still holds the pre-change times for Thursday and Friday");
    assert.match(moved.stdout, /THU {2}- 07:00–15:00\n.*THU {2}\+ 06:00–14:00/);
  });

  it("a bulk answer over cxone.maxResponseBytes.bulk is not read: the skills are read one by one", async () => {
    const world = await makeAdminWorld({ at: AT, cxoneExtra: "  maxResponseBytes: { bulk: 1024 }" });
    const r = await run(world, "plan", "--at", AT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("bulk"), 1);
    assert.equal(world.sim.countRequests("get-schedule"), 3);
  });
});

describe("cxone-admin: a saved plan and the schedule zone", () => {
  it("a saved plan whose schedule zone is no longer the one CXone reads in is refused before any write", async () => {
    const world = await makeAdminWorld({ at: AT });
    driftSkill(world, SKILL_NY);
    const file = join(world.dir, "plan.json");
    assert.equal((await run(world, "plan", "--at", AT, "--out", file)).code, 2);
    world.sim.setBusinessUnit({ defaultTimeZone: "Pacific Standard Time" });
    const r = await run(world, "apply", "--plan", file);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /writes its times in America\/Denver, but CXone now reads schedules in America\/Los_Angeles\. Nothing was sent to CXone/,
    );
    assert.equal(world.sim.countRequests("put-schedule"), 0);
  });
});
