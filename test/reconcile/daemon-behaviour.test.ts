/**
 * What a team running `dialwindow reconcile` would notice, with the command in-process on a fake
 * clock (test/helpers/daemon.ts): real files, real git remotes, the simulator and a webhook
 * receiver on 127.0.0.1, and the daemon's own HTTP endpoints, but no real second waited out.
 * The binary itself, in real time, is covered by the smoke tests in test/cli/reconcile.test.ts.
 */
import assert from "node:assert/strict";
import { rename, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { runInProcess } from "../helpers/cli.js";
import { type InProcessDaemon, startDaemonInProcess } from "../helpers/daemon.js";
import { tempDir } from "../helpers/fs.js";
import { signGitHubPayload } from "../helpers/github-hook.js";
import {
  driftByHand,
  editFile,
  gitIn,
  makeWorld,
  rejectWrites,
  setReconcileConfig,
  type World,
} from "../helpers/world.js";

const Q4 = "123456789012345678";
const EAST = "223456789012345678";
const WEST = "323456789012345678";
const REMINDERS = "523456789012345678";
const SURVEY_EAST = "623456789012345678";
const FAST = ["mode: enforce", "resyncInterval: 1s", "gitInterval: 1s", "debounce: 200ms"];

async function world(options: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  const w = await makeWorld(options);
  await setReconcileConfig(w, FAST);
  return w;
}

function daemon(w: World, args: string[], env: Record<string, string> = w.env): Promise<InProcessDaemon> {
  return startDaemonInProcess(args, env, { at: w.at });
}

function matches(w: World, id: string): boolean {
  return JSON.stringify(w.sim.getCampaign(id)?.schedule) === JSON.stringify(w.desired.get(id));
}

async function readyz(d: InProcessDaemon): Promise<number> {
  return (await fetch(`${d.url}/readyz`)).status;
}

interface Status {
  frozen: { reason: string; message: string } | null;
  problems: { campaignId: string; file: string; line?: number; reason: string; message: string }[];
}

async function status(d: InProcessDaemon): Promise<Status> {
  return (await (await fetch(`${d.url}/status`)).json()) as Status;
}

/** Lets the daemon run until it has finished `n` more live resyncs than it had when called. */
async function resyncs(d: InProcessDaemon, n: number): Promise<void> {
  const count = () => d.logs().filter((l) => l.msg === "live resync done").length;
  const target = count() + n;
  await d.until(`${n} more live resyncs`, () => count() >= target);
}

describe("reconcile --dir: an invalid campaign file", () => {
  it("blocks only its campaign, /status names the file and why (the daemon stays ready), and fixing it resumes", async () => {
    const w = await world();
    const d = await daemon(w, ["--dir", w.dir]);
    await d.until("/readyz to say ready", async () => (await readyz(d)) === 200);

    await editFile(w, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    await editFile(w, "campaigns/care/appointment-reminders.yaml", (t) =>
      t.replace('end: "18:00"', 'end: "17:30"'),
    );
    await d.until("the valid edit elsewhere to be applied", () =>
      (w.sim.getCampaign(REMINDERS)?.schedule.dialingHours ?? []).some((h) => h.endTime === "17:30"),
    );
    assert.equal(await readyz(d), 200, "a broken campaign file is data, not a broken daemon");
    await d.waitForLog(
      "campaign blocked: its file is invalid; no writes until fixed",
      (l) => l.campaignId === SURVEY_EAST,
    );
    const blocked = (await status(d)).problems.find((p) => p.campaignId === SURVEY_EAST);
    assert.equal(blocked?.file, "campaigns/care/surveys.yaml");
    assert.equal(blocked?.reason, "invalid_file");
    assert.match(blocked?.message ?? "", /^campaigns\/care\/surveys\.yaml:\d+:\d+ DW015 /);

    // A hand edit to the blocked campaign is not reverted while its file is invalid.
    driftByHand(w, SURVEY_EAST, "THU");
    const drifted = JSON.stringify(w.sim.getCampaign(SURVEY_EAST)?.schedule);
    await resyncs(d, 2);
    assert.equal(JSON.stringify(w.sim.getCampaign(SURVEY_EAST)?.schedule), drifted);
    assert.equal(w.sim.requests("patch").filter((p) => p.path.endsWith(SURVEY_EAST)).length, 0);

    await editFile(w, "campaigns/care/surveys.yaml", (t) => t.replace('start: "25:00"', 'start: "11:00"'));
    await d.until("the fixed campaign to be reconciled", () => matches(w, SURVEY_EAST));
    await d.until("/status to clear", async () => (await status(d)).problems.length === 0);
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile --once", () => {
  it("--selector reconciles only the selected campaigns, then exits 0", async () => {
    const w = await world();
    driftByHand(w, Q4); // team: collections
    driftByHand(w, SURVEY_EAST); // team: care
    const run = await runInProcess(["reconcile", "--dir", w.dir, "--once", "--selector", "team=care"], {
      env: w.env,
      now: w.at.toISO() as string,
      logs: true,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Reconcile: 1 updated, 2 unchanged\.$/m);
    assert.ok(matches(w, SURVEY_EAST));
    assert.equal(matches(w, Q4), false, "a campaign outside the selector is left alone");
    assert.deepEqual(
      w.sim.requests("patch").map((p) => p.path.split("/").pop()),
      [SURVEY_EAST],
    );
  });

  it("prints apply's summary: each write and each failure with its reason, and exits 1 saying why", async () => {
    const w = await world({ noWebhooks: true });
    driftByHand(w, EAST);
    driftByHand(w, Q4);
    rejectWrites(w, Q4, "licence allows 4 blocks");
    await editFile(w, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    const run = await runInProcess(["reconcile", "--dir", w.dir, "--once"], {
      env: w.env,
      now: w.at.toISO() as string,
      logs: true,
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^dialwindow reconcile --once: desired state at 2026-12-01T15:00:00\.000Z \(not a git checkout\) against http:\/\/127\.0\.0\.1:\d+\/api\/v2$/m,
    );
    assert.match(
      run.stdout,
      /^~ collections-east \(223456789012345678\) {2}updated {2}\S+ → \S+ {2}\d+ ms$/m,
    );
    assert.match(
      run.stdout,
      /^✗ q4-outreach \(123456789012345678\) {2}campaigns\/collections\/q4-outreach\.yaml: CXone rejected the schedule from .*licence allows 4 blocks$/m,
    );
    assert.match(
      run.stdout,
      /^✗ survey-east \(623456789012345678\) {2}campaigns\/care\/surveys\.yaml: not written: campaigns\/care\/surveys\.yaml:13:\d+ DW015 /m,
    );
    assert.match(run.stdout, /^Reconcile: 1 updated, 4 unchanged, 2 failed\.$/m);
    assert.match(
      run.stderr,
      /^dialwindow: reconcile --once: 2 campaigns not reconciled \(1 rejected, 1 invalid_file\); see the summary above\.$/m,
    );
    assert.match(run.stderr, /^\{.*"msg":"campaign failing"/m, "the log lines are there, on stderr");
    assert.doesNotMatch(run.stdout, /^\{/m, "log lines go to stderr, the summary alone to stdout");
    // One pass: the rejected write is tried once, and the work ends well before the shutdown deadline.
    assert.equal(w.sim.requests("patch").filter((p) => p.path.endsWith(Q4)).length, 1);
    assert.doesNotMatch(run.stderr, /shutdown deadline|still running at shutdown/);
  });
});

describe("reconcile --mode report", () => {
  it("records drift in the log and metrics and never writes", async () => {
    const w = await world();
    const d = await daemon(w, ["--dir", w.dir, "--mode", "report"]);
    driftByHand(w, Q4);
    await d.waitForLog("drift detected (report mode: not written)", (l) => l.campaignId === Q4);
    await d.until(
      "the metric",
      async () => (await d.metric("dialwindow_reconciles_total", { result: "drift_reported" })) >= 1,
    );
    assert.ok((await d.metric("dialwindow_drifted_campaigns")) >= 1);
    assert.equal(w.sim.countRequests("patch"), 0);
    assert.equal((await d.stop()).code, 0);
  });
});

/** Commits and pushes enforce mode with this resync and git interval to the world's origin. */
async function pushIntervals(w: World, interval: string, message: string): Promise<void> {
  await setReconcileConfig(w, [
    "mode: enforce",
    `resyncInterval: ${interval}`,
    `gitInterval: ${interval}`,
    "debounce: 200ms",
  ]);
  await gitIn(w.dir, "commit", "-qam", message);
  await gitIn(w.dir, "push", "-q", "origin", "main");
}

describe("reconcile --repo", () => {
  it("applies each new commit on the remote once; its own audit commits never count as new work", async () => {
    const w = await world({ git: true });
    // Fetches wait on the fake clock; every few seconds of it is plenty, and spares real git runs.
    await pushIntervals(w, "5s", "fast reconcile settings");
    const state = await tempDir("dw-repo-state-");
    driftByHand(w, Q4);
    const d = await daemon(w, ["--repo", w.origin as string, "--branch", "main", "--state-dir", state]);
    await d.until("the startup drift to be fixed", () => matches(w, Q4));
    await d.waitForLog("audit trail pushed");

    // Someone merges a change into main.
    const merge = async (end: string) => {
      await editFile(w, "campaigns/sales/renewals-west.yaml", (t) =>
        t.replace(/end: "1\d:00"/g, `end: "${end}"`),
      );
      await gitIn(w.dir, "commit", "-qam", `renewals-west ends at ${end}`);
      await gitIn(w.dir, "push", "-q", "origin", "main");
      await d.until(`the commit ending at ${end} to be applied`, () =>
        (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === end),
      );
    };
    await merge("16:00");
    const pushes = () => d.logs().filter((l) => l.msg === "audit trail pushed").length;
    const before = pushes();
    await d.until("the audit record of that write to be pushed", () => pushes() > before);
    // The fetch that brings the next commit comes after that audit push: had the audit commits
    // counted as new work, their own "new desired-state revision" line would come before it.
    await merge("15:00");
    const revisions = d.logs().filter((l) => l.msg === "new desired-state revision");
    assert.equal(revisions.length, 2, JSON.stringify(revisions));
    assert.equal((await d.stop()).code, 0);
  });

  it("POST /hooks/git: a signed GitHub push webhook fetches at once; a bad signature is refused", async () => {
    const w = await world({ git: true });
    // The clock never gets near an hour: only the webhook can trigger a fetch.
    await pushIntervals(w, "1h", "slow intervals: only the webhook can trigger a fetch");
    const secret = "git-hook-secret-for-tests";
    const state = await tempDir("dw-hook-state-");
    const d = await daemon(w, ["--repo", w.origin as string, "--branch", "main", "--state-dir", state], {
      ...w.env,
      DIALWINDOW_GIT_WEBHOOK_SECRET: secret,
    });
    await d.until("/readyz to say ready", async () => (await readyz(d)) === 200);

    await editFile(w, "campaigns/sales/renewals-west.yaml", (t) => t.replace('end: "18:00"', 'end: "15:00"'));
    await gitIn(w.dir, "commit", "-qam", "renewals-west ends at 15:00");
    await gitIn(w.dir, "push", "-q", "origin", "main");
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const post = (signature: string) =>
      fetch(`${d.url}/hooks/git`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-hub-signature-256": signature,
        },
        body,
      });
    assert.equal((await post("sha256=0000")).status, 401);
    const good = await post(signGitHubPayload(body, secret));
    assert.ok(good.status >= 200 && good.status < 300, String(good.status));
    await d.until("the pushed commit to be applied", () =>
      (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === "15:00"),
    );
    assert.ok(d.clock.now() - w.at.toMillis() < 3_600_000, "well before the first interval fetch");
    assert.equal((await d.stop()).code, 0);
    assert.ok(
      !d.logs().some((l) => JSON.stringify(l).includes(secret)),
      "the hook secret never reaches the log",
    );
  });
});

describe("reconcile: deny sync windows", () => {
  it("holds a write until the window ends, then applies it", async () => {
    // 15:00:10 UTC on a Tuesday, inside a deny window from 15:00 to 15:01 UTC.
    const w = await world();
    await setReconcileConfig(w, [
      ...FAST,
      "syncWindows:",
      '  - { kind: deny, timezone: UTC, days: [MON, TUE, WED, THU, FRI, SAT, SUN], start: "15:00", end: "15:01" }',
    ]);
    driftByHand(w, Q4);
    const d = await startDaemonInProcess(["--dir", w.dir], w.env, { at: w.at.plus({ seconds: 10 }) });
    // The first resync runs at start, on no timer: the clock stands still until it is held.
    const held = await d.waitForLog("write held by a deny sync window", (l) => l.campaignId === Q4, {
      stepMs: 0,
    });
    assert.equal(held.until, "2026-12-01T15:01:00.000Z");
    assert.ok((await d.metric("dialwindow_reconciles_total", { result: "held" })) >= 1);
    // The clock jumps to the window's last millisecond, firing the resync due on the way, and
    // stands still while that resync finds the drift again: still nothing is written.
    const end = DateTime.fromISO("2026-12-01T15:01:00Z").toMillis();
    const done = () => d.logs().filter((l) => l.msg === "live resync done").length;
    const before = done();
    await d.clock.advance(end - 1 - d.clock.now());
    await d.until("the resync inside the window", () => done() > before, { stepMs: 0 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(d.clock.now(), end - 1);
    assert.equal(w.sim.countRequests("patch"), 0, "nothing written inside the window");
    await d.until("the write once the window ends", () => matches(w, Q4));
    assert.ok(d.clock.now() >= end);
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile: changes to dialwindow.yaml and unreadable directories", () => {
  it("reconcile.mode switched to report in dialwindow.yaml takes effect at once", async () => {
    const w = await world();
    const d = await daemon(w, ["--dir", w.dir]);
    await d.until("/readyz to say ready", async () => (await readyz(d)) === 200);
    await setReconcileConfig(w, ["mode: report", "resyncInterval: 1s", "gitInterval: 1s", "debounce: 200ms"]);
    await d.waitForLog("reconcile.mode changed", (l) => l.to === "report");
    driftByHand(w, Q4);
    await d.waitForLog("drift detected (report mode: not written)", (l) => l.campaignId === Q4);
    assert.equal(w.sim.countRequests("patch"), 0);
    assert.equal((await d.stop()).code, 0);
  });

  it("a folder that cannot be read (a symlink loop) does not stop the daemon; /status says why; fixing it recovers", async () => {
    const w = await world();
    const d = await daemon(w, ["--dir", w.dir]);
    await d.until("/readyz to say ready", async () => (await readyz(d)) === 200);
    const calendars = join(w.dir, "calendars");
    const aside = join(w.dir, "..", `${w.dir.split("/").pop()}-calendars`);
    await rename(calendars, aside);
    await symlink("calendars", calendars);
    await d.until("/status to report the problem", async () => {
      const frozen = (await status(d)).frozen;
      return frozen?.reason === "desired_state_invalid" && frozen.message.includes("calendars");
    });
    assert.equal(await readyz(d), 200, "writes are frozen, but the daemon works");
    assert.equal(d.exited(), false, "still running");
    driftByHand(w, EAST, "MON");
    await resyncs(d, 2);
    assert.equal(w.sim.countRequests("patch"), 0, "no writes while the desired state cannot be read");
    await unlink(calendars);
    await rename(aside, calendars);
    await d.until("recovery", async () => (await status(d)).frozen === null);
    await d.until("the hand edit to be reverted", () => matches(w, EAST));
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile: webhooks retry while the daemon runs", () => {
  it("a dead letter is redelivered by the daemon when 'webhooks retry' asks it to", async () => {
    const w = await world();
    w.receiver.handler = () => ({ status: 410, body: "gone" });
    driftByHand(w, Q4);
    const d = await daemon(w, ["--dir", w.dir]);
    await d.waitForLog("webhook rejected; dead-lettered", (l) => l.campaignId === Q4);
    w.receiver.handler = () => ({ status: 200 });
    const retry = await runInProcess(["webhooks", "retry", "--dir", w.dir], { env: w.env });
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.match(retry.stdout, /holds .*; asked it to redeliver all dead letters/);
    await d.until("the daemon to redeliver", () =>
      w.receiver.requests.some((r) => r.verified && r.nth === 2),
    );
    const ids = new Set(w.receiver.requests.map((r) => r.id));
    assert.equal(ids.size, 1, "redelivered under the same webhook-id");
    assert.equal((await d.stop()).code, 0);
  });
});
