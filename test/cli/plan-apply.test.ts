import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { verifyAuditTrail } from "../../src/audit/verify.js";
import { diffSchedules } from "../../src/plan/diff.js";
import { planDigest } from "../../src/plan/saved-plan.js";
import { runBinary, runInProcess } from "../helpers/cli.js";
import { closedPortUrl } from "../helpers/receiver.js";
import { SkippingClock } from "../helpers/skipping-clock.js";
import { driftByHand, gitIn, makeWorld, rejectWrites, type World } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const EAST = "223456789012345678";
const WEST = "323456789012345678";

function plan(world: World, ...args: string[]) {
  return runInProcess(["plan", "--dir", world.dir, "--at", AT, ...args], { env: world.env, now: AT });
}

function apply(world: World, ...args: string[]) {
  return runInProcess(["apply", "--dir", world.dir, "--at", AT, "--webhook-wait", "5", ...args], {
    env: world.env,
    now: AT,
  });
}

describe("plan", () => {
  it("an in-sync repository: exit 0, no writes", async () => {
    const world = await makeWorld();
    const r = await plan(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No changes\. CXone matches the desired state\./);
    assert.match(r.stdout, /Plan: 0 to update, 7 unchanged\./);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("drift made by hand: exit 2, the changed windows named per campaign, still no writes", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4, "TUE");
    const r = await plan(world);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /~ q4-outreach \(123456789012345678\) {2}campaigns\/collections\/q4-outreach\.yaml\n {4}why: .*\n {4}TUE {2}\+ 09:00–17:00\n/,
    );
    assert.match(r.stdout, /Plan: 1 to update, 6 unchanged\./);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("ordering noise in CXone is never drift", async () => {
    const world = await makeWorld();
    const c = world.sim.getCampaign(EAST);
    assert.ok(c);
    world.sim.editSchedule(EAST, {
      timezone: c.schedule.timezone,
      dialingHours: [...c.schedule.dialingHours].reverse(),
      pauseConditions: [...c.schedule.pauseConditions].reverse(),
    });
    const r = await plan(world);
    assert.equal(r.code, 0, r.stdout);
  });

  it("a campaign missing in CXone is an error (exit 1) and the other changes are still shown", async () => {
    const world = await makeWorld();
    world.sim.removeCampaign(WEST);
    driftByHand(world, Q4);
    const r = await plan(world);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /✗ renewals-west \(323456789012345678\) {2}campaigns\/sales\/renewals-west\.yaml\n {4}error: campaign 323456789012345678 does not exist in CXone; check metadata\.campaignId/,
    );
    assert.match(r.stdout, /~ q4-outreach/);
    assert.match(r.stdout, /Plan: 1 to update, 5 unchanged, 1 error\./);
  });

  it("--show-unmanaged lists live campaigns that no file manages", async () => {
    const world = await makeWorld();
    world.sim.upsertCampaigns([
      {
        id: "999000000000000001",
        name: "Legacy winback",
        schedule: { timezone: "UTC", dialingHours: [], pauseConditions: [] },
      },
    ]);
    const r = await plan(world, "--show-unmanaged");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Unmanaged \(in CXone, in no file\): 1\n {4}999000000000000001 {2}Legacy winback/);
    const plain = await plan(world);
    assert.doesNotMatch(plain.stdout, /Unmanaged/);
  });

  it("--selector plans only matching campaigns", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    const r = await plan(world, "--selector", "team=care");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Plan: 0 to update, 3 unchanged\./);
  });

  it("json is the versioned document the README specifies, and --out saves it", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    const out = join(world.dir, "plan.json");
    const r = await plan(world, "--format", "json", "--out", out);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), [
      "formatVersion",
      "profile",
      "at",
      "revision",
      "summary",
      "changes",
      "transitions",
      "digest",
    ]);
    assert.equal(doc.formatVersion, 2);
    assert.equal(doc.profile, "tutorial");
    assert.match(doc.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(doc.summary, { update: 1, noop: 6, error: 0 });
    const change = doc.changes.find((c: { campaignId: string }) => c.campaignId === Q4);
    assert.deepEqual(Object.keys(change), [
      "campaignId",
      "name",
      "file",
      "action",
      "version",
      "before",
      "after",
      "diff",
      "cause",
      "because",
    ]);
    // Not a git checkout: nothing to tell a change in git from an edit by hand.
    assert.equal(change.cause, "unattributed");
    // Under the tutorial profile a change's version is the campaign's ETag.
    assert.equal(change.version, world.sim.getCampaign(Q4)?.etag);
    assert.deepEqual(change.diff, [
      { path: "dialingHours", op: "add", value: { day: "TUE", startTime: "09:00", endTime: "17:00" } },
    ]);
    assert.deepEqual(JSON.parse(await readFile(out, "utf8")), doc);
  });

  it("markdown: a summary table first, details collapsed, marked for a sticky comment", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    const r = await plan(world, "--format", "markdown");
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^<!-- dialwindow-plan -->\n### dialwindow plan: 1 to update, 6 unchanged\n/);
    assert.match(
      r.stdout,
      /\| ~ \| q4-outreach `123456789012345678` \| `campaigns\/collections\/q4-outreach\.yaml` \| 1 window line \|/,
    );
    assert.match(
      r.stdout,
      /<details><summary>Window changes<\/summary>\n\n\*\*q4-outreach\*\* `123456789012345678`\n\n```diff\n\+ TUE 09:00–17:00\n```/,
    );
  });

  it("an invalid desired state stops before any request to CXone", async () => {
    const world = await makeWorld();
    const file = join(world.dir, "campaigns/sales/renewals-west.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace('start: "09:00"', 'start: "9am"'));
    const r = await plan(world);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /campaigns\/sales\/renewals-west\.yaml:\d+:\d+: error DW015/);
    assert.match(r.stderr, /nothing was read from or sent to CXone/);
    assert.equal(world.sim.countRequests(), 0);
  });

  it("in a git repository with no commit yet: plans, and the header says there is no commit", async () => {
    const world = await makeWorld();
    await gitIn(world.dir, "init", "-q", "-b", "main");
    driftByHand(world, Q4);
    const r = await plan(world);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^dialwindow plan: desired state at \S+ \(git repository with no commit yet\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /not a git checkout|--base/);
    const md = await plan(world, "--format", "markdown");
    assert.equal(md.code, 2, md.stdout + md.stderr);
    assert.match(md.stdout, /git repository with no commit yet/);
    // diff has nothing to compare with, and says why rather than blaming a --base never given.
    const diff = await runInProcess(["diff", "--dir", world.dir], { env: world.env, now: AT });
    assert.equal(diff.code, 1);
    assert.match(diff.stderr, /is a git repository with no commit yet: there is no earlier revision/);
  });
});

describe("plan: CXone faults", () => {
  it("wrong credentials: a clear message that never prints the secret", async () => {
    const world = await makeWorld();
    const wrong = "not-the-secret-4b1d9f";
    const r = await runInProcess(["plan", "--dir", world.dir], {
      env: { ...world.env, CXONE_CLIENT_SECRET: wrong },
      now: AT,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dialwindow-demo/);
    assert.match(r.stderr, /CXONE_CLIENT_ID|CXONE_CLIENT_SECRET/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(wrong));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  it("connection refused: says so, no stack trace", async () => {
    const world = await makeWorld();
    const url = await closedPortUrl();
    const r = await runInProcess(["plan", "--dir", world.dir], {
      env: { ...world.env, CXONE_TOKEN_URL: `${url}/oauth/token` },
      now: AT,
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^dialwindow: POST http:\/\/127\.0\.0\.1:\d+\/\S*oauth\/token failed before any response: ECONNREFUSED/m,
    );
  });

  it("503s and a 429 storm are retried (Retry-After honoured) and the plan completes", async () => {
    const world = await makeWorld();
    world.sim.injectFault({ kind: "list", times: 2, fault: 503 });
    world.sim.injectFault({ kind: "list", times: 2, fault: { type: "status", status: 429, retryAfter: 1 } });
    // The waits are skipped, not left out: the clock records each one.
    const clock = new SkippingClock(Date.parse(AT));
    const r = await runInProcess(["plan", "--dir", world.dir, "--at", AT], {
      env: world.env,
      now: AT,
      clock,
    });
    assert.equal(r.code, 0, r.stderr);
    const statuses = world.sim.requests("list").map((q) => q.status);
    assert.deepEqual(statuses.slice(0, 5), [503, 503, 429, 429, 200]);
    // Each 429's Retry-After: 1 is one wait of exactly 1000 ms (a backoff wait is jittered below its cap).
    assert.deepEqual(
      clock.waits.filter((ms) => ms === 1000),
      [1000, 1000],
      `waits: ${clock.waits.join(", ")}`,
    );
  });

  it("a slow answer times out and is retried", async () => {
    const world = await makeWorld();
    const configPath = join(world.dir, "dialwindow.yaml");
    await writeFile(
      configPath,
      (await readFile(configPath, "utf8")).replace("  concurrency: 4", "  concurrency: 4\n  timeout: 500ms"),
    );
    world.sim.injectFault({ kind: "list", times: 1, fault: "hang" });
    const r = await plan(world);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(world.sim.requests("list").length >= 2, true);
  });

  it("a malformed response for one campaign fails that campaign only", async () => {
    const world = await makeWorld({ sim: { listEndpoint: false } });
    world.sim.injectFault({ kind: "get", campaignId: EAST, times: 10, fault: "malformed-json" });
    driftByHand(world, Q4);
    const r = await plan(world);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /✗ collections-east .*\n {4}error: reading it from CXone failed: .*not valid JSON/,
    );
    assert.match(r.stdout, /~ q4-outreach/);
  });

  it("an ETag missing from a response: that campaign is refused, never written without If-Match", async () => {
    const world = await makeWorld({ sim: { listEndpoint: false } });
    driftByHand(world, Q4);
    world.sim.injectFault({ kind: "get", campaignId: Q4, times: 10, fault: "missing-etag" });
    const p = await plan(world);
    assert.equal(p.code, 1);
    assert.match(p.stdout, /✗ q4-outreach .*\n {4}error: CXone returned no ETag for this campaign/);
    const a = await apply(world);
    assert.equal(a.code, 1);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("token expiry mid-run: refreshed once, the run completes", async () => {
    const world = await makeWorld({ sim: { listEndpoint: false } });
    driftByHand(world, Q4);
    // The token is refused once mid-run (expired or revoked): one refresh, one retry.
    world.sim.injectFault({ kind: "get", times: 1, fault: { type: "status", status: 401 } });
    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("token"), 2, "one token, then one refresh after the 401");
    assert.deepEqual(world.sim.getCampaign(Q4)?.schedule, world.desired.get(Q4));
  });
});

describe("apply", () => {
  it("k drifted campaigns: exactly k PATCHes, each If-Match the ETag it read, body exactly {schedule}; then none", async () => {
    const world = await makeWorld({ git: true });
    const drifted = [Q4, EAST, WEST];
    for (const id of drifted) driftByHand(world, id);
    const etags = new Map(drifted.map((id) => [id, world.sim.getCampaign(id)?.etag]));
    world.sim.clearRequests();

    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Apply: 3 updated, 4 unchanged\./);
    const patches = world.sim.requests("patch");
    assert.equal(patches.length, 3);
    for (const p of patches) {
      const id = p.path.split("/").pop() as string;
      assert.ok(drifted.includes(id));
      assert.equal(p.ifMatch, etags.get(id));
      assert.deepEqual(Object.keys(p.body as object), ["schedule"]);
      assert.deepEqual(Object.keys((p.body as { schedule: object }).schedule), [
        "timezone",
        "dialingHours",
        "pauseConditions",
      ]);
      assert.deepEqual((p.body as { schedule: unknown }).schedule, world.desired.get(id));
      assert.equal(p.status, 200);
    }

    // Webhooks: one verified delivery per change, webhook-id = change_id.
    assert.match(r.stdout, /Webhooks: 3 delivered\./);
    const deliveries = world.receiver.requests.filter((q) => q.verified);
    assert.equal(deliveries.length, 3);
    const bodies = deliveries.map((d) => JSON.parse(d.body));
    assert.deepEqual(bodies.map((b) => b.campaign_id).sort(), [...drifted].sort());
    for (const [i, b] of bodies.entries()) {
      assert.equal(b.event, "CAMPAIGN_SCHEDULE_UPDATED");
      assert.equal(b.change_id, deliveries[i]?.id);
      assert.deepEqual(b.schedule, world.desired.get(b.campaign_id));
      assert.match(b.revision, /^[0-9a-f]{40}$/);
    }

    // Audit: the three records on the bare remote, chain intact.
    assert.match(r.stdout, /Audit: 3 record\(s\) in commit [0-9a-f]{12} on dialwindow-audit, pushed\./);
    const verified = await verifyAuditTrail({
      remote: world.origin as string,
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.equal(verified.ok, true);
    assert.equal(verified.records, 3);

    world.sim.clearRequests();
    const again = await apply(world);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Apply: 0 updated, 7 unchanged\./);
    assert.equal(world.sim.countRequests("patch"), 0);
    assert.equal(
      world.receiver.requests.filter((q) => q.verified).length,
      3,
      "no webhook for a run that wrote nothing",
    );
    assert.equal(
      (await verifyAuditTrail({ remote: world.origin as string, branch: "dialwindow-audit", path: "audit" }))
        .records,
      3,
    );
  });

  it("a 412 race on a fresh apply: re-reads, re-diffs, writes again against the new ETag", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    world.sim.injectFault({ kind: "patch", campaignId: Q4, times: 1, fault: "stale" });
    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const patches = world.sim.requests("patch");
    assert.deepEqual(
      patches.map((p) => p.status),
      [412, 200],
    );
    assert.notEqual(patches[0]?.ifMatch, patches[1]?.ifMatch);
    assert.deepEqual(world.sim.getCampaign(Q4)?.schedule, world.desired.get(Q4));
  });

  it("a 422 names the API's reason and the campaign's file; the other campaigns still apply", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    driftByHand(world, EAST);
    rejectWrites(world, Q4, "dialingHours[3]: licence allows 4 blocks", 1);
    const r = await apply(world);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /✗ q4-outreach \(123456789012345678\) {2}campaigns\/collections\/q4-outreach\.yaml: CXone rejected the schedule from campaigns\/collections\/q4-outreach\.yaml \(422\): invalid_schedule: dialingHours\[3\]: licence allows 4 blocks/,
    );
    assert.match(r.stdout, /~ collections-east .* updated/);
    assert.match(r.stdout, /Apply: 1 updated, 5 unchanged, 1 failed\./);
  });
});

describe("the real binary against the simulator", () => {
  it("happy path: plan exits 2, apply 0, then plan (in-process) 0", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, EAST);
    const p = await runBinary(["plan", "--dir", world.dir, "--at", AT], { env: world.env });
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stdout, /~ collections-east/);
    const a = await runBinary(["apply", "--dir", world.dir, "--at", AT], { env: world.env });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Apply: 1 updated, 6 unchanged\./);
    // Converged: the exit-0 plan needs no third process to prove it.
    const p2 = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(p2.code, 0, p2.stderr);
  });
});

describe("apply --plan against a saved plan that no longer fits", () => {
  it("412 on a saved plan: that campaign fails with 'run plan again' and is not overwritten; the rest applies", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    driftByHand(world, EAST);
    const out = join(world.dir, "reviewed-plan.json");
    const p = await runInProcess(["plan", "--dir", world.dir, "--at", AT, "--out", out], { env: world.env });
    assert.equal(p.code, 2, p.stderr);
    // Someone edits q4-outreach in the CXone UI after the plan was reviewed.
    driftByHand(world, Q4, "WED");
    const edited = world.sim.getCampaign(Q4)?.schedule;
    const a = await runInProcess(["apply", "--dir", world.dir, "--plan", out], { env: world.env });
    assert.equal(a.code, 1);
    assert.match(
      a.stdout,
      /✗ q4-outreach \(123456789012345678\) {2}campaigns\/collections\/q4-outreach\.yaml: live changed since the plan; run plan again/,
    );
    assert.match(a.stdout, /~ collections-east .* updated/);
    assert.deepEqual(world.sim.getCampaign(Q4)?.schedule, edited, "the hand edit was not overwritten");
    assert.deepEqual(world.sim.getCampaign(EAST)?.schedule, world.desired.get(EAST));
  });

  it("a saved plan of another format version is refused before anything is sent", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const out = join(world.dir, "old.json");
    await writeFile(out, JSON.stringify({ formatVersion: 99, at: AT, changes: [] }));
    const a = await runInProcess(["apply", "--dir", world.dir, "--plan", out], { env: world.env });
    assert.equal(a.code, 1);
    assert.match(a.stderr, /is not a usable saved plan: formatVersion is 99, this dialwindow reads 1 and 2/);
    assert.equal(world.sim.countRequests(), 0);
  });
});

describe("apply: uncertain outcomes never lose or duplicate a change", () => {
  it("a 2xx without an ETag: the write is confirmed by reading again and recorded once", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    world.sim.injectFault({ kind: "patch", campaignId: Q4, times: 1, fault: "missing-etag" });
    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /~ q4-outreach .* updated/);
    assert.equal(world.sim.countRequests("patch"), 1);
    assert.equal(new Set(world.receiver.requests.filter((q) => q.verified).map((q) => q.id)).size, 1);
  });

  it("a 2xx with a malformed body: confirmed by reading again, recorded once", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    world.sim.injectFault({ kind: "patch", campaignId: Q4, times: 1, fault: "malformed-json" });
    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.receiver.requests.filter((q) => q.verified).length, 1);
  });

  it("an answer lost and the re-read failing too: the next run finds the write and records it exactly once", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    world.sim.injectFault({
      kind: "patch",
      campaignId: Q4,
      times: 1,
      fault: { type: "reset", afterProcessing: true },
    });
    world.sim.injectFault({ kind: "get", campaignId: Q4, times: 5, fault: "reset" });
    const first = await apply(world);
    assert.equal(first.code, 1);
    assert.match(first.stdout, /whether the write landed is settled on the next run/);
    assert.deepEqual(world.sim.getCampaign(Q4)?.schedule, world.desired.get(Q4), "the write had landed");
    assert.equal(world.receiver.requests.length, 0);

    const second = await apply(world);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(
      second.stdout,
      /Recovered an interrupted earlier run: 1 write\(s\) had landed and are now recorded/,
    );
    assert.match(second.stdout, /Apply: 0 updated, 7 unchanged\./);
    assert.equal(world.sim.countRequests("patch"), 1, "never written twice");
    assert.equal(new Set(world.receiver.requests.filter((q) => q.verified).map((q) => q.id)).size, 1);
  });

  it("a saved plan someone else already applied: converged, no second change record or webhook", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    const out = join(world.dir, "plan.json");
    assert.equal((await plan(world, "--out", out)).code, 2);
    // Another apply (another state directory, e.g. another CI job) gets there first.
    const other = await runInProcess(
      ["apply", "--dir", world.dir, "--at", AT, "--state-dir", join(world.dir, ".other-state")],
      {
        env: world.env,
        now: AT,
      },
    );
    assert.equal(other.code, 0);
    const r = await runInProcess(["apply", "--dir", world.dir, "--plan", out], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /= q4-outreach \(123456789012345678\) {2}already in the desired state/);
    assert.deepEqual(
      world.sim.requests("patch").map((p) => p.status),
      [200, 412],
    );
    assert.equal(
      new Set(world.receiver.requests.filter((q) => q.verified).map((q) => q.id)).size,
      1,
      "one change, one webhook-id",
    );
  });
});

describe("apply --plan: the saved plan must still be what the desired state says", () => {
  it("an edited plan file with a recomputed digest is still refused before anything is sent", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    const out = join(world.dir, "plan.json");
    assert.equal((await plan(world, "--out", out)).code, 2);
    const doc = JSON.parse(await readFile(out, "utf8"));
    const change = doc.changes.find((c: { campaignId: string }) => c.campaignId === Q4);
    change.after.dialingHours[0].startTime = "05:00"; // 04:00 in Denver: illegal
    change.diff = diffSchedules(change.before, change.after);
    doc.digest = planDigest(doc);
    await writeFile(out, JSON.stringify(doc));
    const r = await runInProcess(["apply", "--dir", world.dir, "--plan", out], { env: world.env, now: AT });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /does not match the desired state.*\n {2}q4-outreach \(123456789012345678\): the plan's schedule differs from campaigns\/collections\/q4-outreach\.yaml/,
    );
    assert.equal(world.sim.countRequests("patch"), 0);
  });
});

describe("apply: deny sync windows", () => {
  it("holds writes inside a deny window (exit 1, nothing written) unless --ignore-sync-windows", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    const configPath = join(world.dir, "dialwindow.yaml");
    await writeFile(
      configPath,
      (await readFile(configPath, "utf8")).replace(
        "  syncWindows: []",
        '  syncWindows:\n    - { kind: deny, timezone: UTC, days: [TUE], start: "14:00", end: "16:00" }',
      ),
    );
    const held = await apply(world);
    assert.equal(held.code, 1);
    assert.match(
      held.stdout,
      /- q4-outreach \(123456789012345678\) {2}held: a deny sync window holds writes until 2026-12-01T16:00:00\.000Z/,
    );
    assert.equal(world.sim.countRequests("patch"), 0);
    const forced = await apply(world, "--ignore-sync-windows");
    assert.equal(forced.code, 0);
    assert.equal(world.sim.countRequests("patch"), 1);
  });
});
