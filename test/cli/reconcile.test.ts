/**
 * The real daemon as a child process against the simulator and real git repositories: what a
 * team running `dialwindow reconcile` would notice, each within seconds.
 */
import assert from "node:assert/strict";
import { rename, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DateTime } from "luxon";
import { verifyAuditTrail } from "../../src/audit/verify.js";
import { Journal } from "../../src/state/journal.js";
import { silentLogger } from "../../src/util/log.js";
import { runBinary, waitFor } from "../helpers/cli.js";
import { type Daemon, startDaemon } from "../helpers/daemon.js";
import { tempDir } from "../helpers/fs.js";
import { signGitHubPayload } from "../helpers/github-hook.js";
import { sendRaw } from "../helpers/http-fuzz.js";
import { driftByHand, editFile, gitIn, makeWorld, setReconcileConfig, type World } from "../helpers/world.js";

const Q4 = "123456789012345678";
const EAST = "223456789012345678";
const WEST = "323456789012345678";
const REMINDERS = "523456789012345678";
const SURVEY_EAST = "623456789012345678";
const FAST = ["mode: enforce", "resyncInterval: 1s", "gitInterval: 1s", "debounce: 200ms"];

const running: Daemon[] = [];
after(async () => {
  for (const d of running) if (d.run.child.exitCode === null) await d.stop("SIGKILL");
});

async function daemon(args: string[], env: Record<string, string>): Promise<Daemon> {
  const d = await startDaemon(args, env);
  running.push(d);
  return d;
}

/** The world as of now: the daemon evaluates holidays and overrides at the real current time. */
async function world(options: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  const w = await makeWorld({ at: DateTime.utc().toISO() as string, ...options });
  await setReconcileConfig(w, FAST);
  return w;
}

function matches(w: World, id: string): boolean {
  return JSON.stringify(w.sim.getCampaign(id)?.schedule) === JSON.stringify(w.desired.get(id));
}

async function readyz(d: Daemon): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  const res = await fetch(`${d.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reasons: string[] } };
}

interface Status {
  frozen: { reason: string; message: string } | null;
  problems: { campaignId: string; file: string; line?: number; reason: string; message: string }[];
}

async function status(d: Daemon): Promise<Status> {
  return (await (await fetch(`${d.url}/status`)).json()) as Status;
}

describe("reconcile --dir (enforce)", () => {
  it("fixes drift at start, applies an edited file, reverts a hand edit, moves the metrics, and SIGTERM exits 0 with nothing lost", async () => {
    const w = await world({ git: true });
    driftByHand(w, Q4);
    const d = await daemon(["--dir", w.dir], w.env);

    await waitFor("the startup drift to be fixed", () => matches(w, Q4));
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);

    // One unauthenticated request whose target the URL parser refuses: a 400, and the daemon
    // goes on (everything below needs it alive).
    const killer = await sendRaw(Number(new URL(d.url).port), [
      Buffer.from("GET //[ HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]);
    assert.match(killer.response, /^HTTP\/1\.1 400 /);
    assert.equal((await fetch(`${d.url}/healthz`)).status, 200);

    await editFile(w, "campaigns/sales/renewals-west.yaml", (t) => t.replace('end: "18:00"', 'end: "17:00"'));
    await waitFor("the edited file to be applied", () =>
      (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === "17:00"),
    );

    driftByHand(w, EAST, "WED");
    await waitFor("the hand edit to be reverted by the resync", () => matches(w, EAST));

    // The simulator holds the reverted schedule a moment before the daemon has journalled the
    // write and counted it.
    await waitFor(
      "the three writes to be counted",
      async () => (await d.metric("dialwindow_reconciles_total", { result: "applied" })) >= 3,
    );
    assert.ok((await d.metric("dialwindow_api_requests_total", { kind: "patch" })) >= 3);
    assert.ok(
      (await d.metric("dialwindow_api_requests_total", { kind: "list" })) >= 2,
      "the resync reads pages, not campaigns one by one",
    );
    await waitFor(
      "deliveries to be counted",
      async () => (await d.metric("dialwindow_webhook_deliveries_total", { result: "delivered" })) >= 3,
    );
    assert.ok(
      (await d.metric("dialwindow_last_successful_reconcile_timestamp_seconds")) > Date.now() / 1000 - 60,
    );
    await waitFor(
      "the audit commit to be counted",
      async () => (await d.metric("dialwindow_audit_commits_total")) >= 1,
    );

    const exit = await d.stop("SIGTERM");
    assert.equal(exit.code, 0);
    // Nothing lost: one verified delivery per change, every change audited, no open intent.
    const patches = w.sim.requests("patch").filter((p) => p.status === 200).length;
    assert.equal(patches, 3);
    const delivered = new Set(w.receiver.requests.filter((r) => r.verified).map((r) => r.id));
    assert.equal(delivered.size, 3);
    const trail = await verifyAuditTrail({
      remote: w.origin as string,
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.equal(trail.ok, true);
    assert.equal(trail.records, 3);
    const journal = await Journal.open(join(w.dir, ".dialwindow/journal.jsonl"), {
      logger: silentLogger(),
      readOnly: true,
    });
    assert.deepEqual(journal.view.openIntents(), []);
    assert.deepEqual(journal.view.unaudited(), []);
    await journal.close();
  });

  it("an invalid file blocks only its campaign, /status names the file and why (the daemon stays ready), and fixing it resumes", async () => {
    const w = await world();
    const d = await daemon(["--dir", w.dir], w.env);
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);

    await editFile(w, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    await editFile(w, "campaigns/care/appointment-reminders.yaml", (t) =>
      t.replace('end: "18:00"', 'end: "17:30"'),
    );
    await waitFor("the valid edit elsewhere to be applied", () =>
      (w.sim.getCampaign(REMINDERS)?.schedule.dialingHours ?? []).some((h) => h.endTime === "17:30"),
    );
    assert.equal((await readyz(d)).status, 200, "a broken campaign file is data, not a broken daemon");
    const blocked = (await status(d)).problems.find((p) => p.campaignId === SURVEY_EAST);
    assert.equal(blocked?.file, "campaigns/care/surveys.yaml");
    assert.equal(blocked?.reason, "invalid_file");
    assert.match(blocked?.message ?? "", /^campaigns\/care\/surveys\.yaml:\d+:\d+ DW015 /);
    await d.waitForLog(
      "campaign blocked: its file is invalid; no writes until fixed",
      (l) => l.campaignId === SURVEY_EAST,
    );

    // A hand edit to the blocked campaign is not reverted while its file is invalid.
    driftByHand(w, SURVEY_EAST, "THU");
    const drifted = JSON.stringify(w.sim.getCampaign(SURVEY_EAST)?.schedule);
    await d.waitForLog("live resync done", (l) => Date.parse(String(l.time)) > Date.now() - 200, 10_000);
    await d.waitForLog("live resync done", (l) => Date.parse(String(l.time)) > Date.now() - 200, 10_000);
    assert.equal(JSON.stringify(w.sim.getCampaign(SURVEY_EAST)?.schedule), drifted);
    assert.equal(w.sim.requests("patch").filter((p) => p.path.endsWith(SURVEY_EAST)).length, 0);

    await editFile(w, "campaigns/care/surveys.yaml", (t) => t.replace('start: "25:00"', 'start: "11:00"'));
    await waitFor("the fixed campaign to be reconciled", () => matches(w, SURVEY_EAST));
    await waitFor("/status to clear", async () => (await status(d)).problems.length === 0);
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile --once --selector", () => {
  it("reconciles only the selected campaigns, then exits 0", async () => {
    const w = await world();
    driftByHand(w, Q4); // team: collections
    driftByHand(w, SURVEY_EAST); // team: care
    const run = await runBinary(["reconcile", "--dir", w.dir, "--once", "--selector", "team=care"], {
      env: w.env,
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
});

describe("reconcile --once: apply's summary", () => {
  it("names each write and each failure with its reason, and exits 1 saying why", async () => {
    const w = await world({ noWebhooks: true });
    driftByHand(w, EAST);
    driftByHand(w, Q4);
    w.sim.injectFault({
      kind: "patch",
      campaignId: Q4,
      times: Number.POSITIVE_INFINITY,
      fault: {
        type: "status",
        status: 422,
        body: JSON.stringify({ error: "invalid_schedule", details: ["licence allows 4 blocks"] }),
      },
    });
    await editFile(w, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    const run = await runBinary(["reconcile", "--dir", w.dir, "--once"], { env: w.env });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^dialwindow reconcile --once: desired state at \S+ \(not a git checkout\) against http:\/\/127\.0\.0\.1:\d+\/api\/v2$/m,
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
    assert.doesNotMatch(run.stdout, /^\{/m, "log lines go to stderr, the summary alone to stdout");
  });
});

describe("reconcile --mode report", () => {
  it("records drift in the log and metrics and never writes", async () => {
    const w = await world();
    const d = await daemon(["--dir", w.dir, "--mode", "report"], w.env);
    driftByHand(w, Q4);
    await d.waitForLog("drift detected (report mode: not written)", (l) => l.campaignId === Q4);
    await waitFor(
      "the metric",
      async () => (await d.metric("dialwindow_reconciles_total", { result: "drift_reported" })) >= 1,
    );
    assert.ok((await d.metric("dialwindow_drifted_campaigns")) >= 1);
    assert.equal(w.sim.countRequests("patch"), 0);
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile --repo", () => {
  it("applies a new commit on the remote, and its own audit commits never trigger a reconcile", async () => {
    const w = await world({ git: true });
    await gitIn(w.dir, "commit", "-qam", "fast reconcile settings");
    await gitIn(w.dir, "push", "-q", "origin", "main");
    const state = await tempDir("dw-repo-state-");
    driftByHand(w, Q4);
    const d = await daemon(["--repo", w.origin as string, "--branch", "main", "--state-dir", state], w.env);
    await waitFor("the startup drift to be fixed", () => matches(w, Q4));
    await waitFor("the audit commit to reach the remote", async () => {
      try {
        return (
          (await gitIn(w.origin as string, "rev-parse", "--verify", "-q", "dialwindow-audit")).length > 0
        );
      } catch {
        return false;
      }
    });

    // Someone merges a change into main.
    await editFile(w, "campaigns/sales/renewals-west.yaml", (t) => t.replace('end: "18:00"', 'end: "16:00"'));
    await gitIn(w.dir, "commit", "-qam", "renewals-west ends at 16:00");
    await gitIn(w.dir, "push", "-q", "origin", "main");
    await waitFor("the new commit to be applied", () =>
      (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === "16:00"),
    );
    await d.waitForLog("audit trail pushed", (l) => Date.parse(String(l.time)) > 0);
    // Let a few fetch intervals pass after the audit pushes.
    await new Promise((r) => setTimeout(r, 2500));
    const revisions = d.logs().filter((l) => l.msg === "new desired-state revision");
    assert.equal(revisions.length, 1, JSON.stringify(revisions));
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile --repo: POST /hooks/git", () => {
  it("a signed GitHub push webhook fetches at once; a bad signature is refused", async () => {
    const w = await world({ git: true });
    await setReconcileConfig(w, [
      "mode: enforce",
      "resyncInterval: 1h",
      "gitInterval: 1h",
      "debounce: 200ms",
    ]);
    await gitIn(w.dir, "commit", "-qam", "slow intervals: only the webhook can trigger a fetch");
    await gitIn(w.dir, "push", "-q", "origin", "main");
    const secret = "git-hook-secret-for-tests";
    const state = await tempDir("dw-hook-state-");
    const d = await daemon(["--repo", w.origin as string, "--branch", "main", "--state-dir", state], {
      ...w.env,
      DIALWINDOW_GIT_WEBHOOK_SECRET: secret,
    });
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);

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
    await waitFor("the pushed commit to be applied", () =>
      (w.sim.getCampaign(WEST)?.schedule.dialingHours ?? []).every((h) => h.endTime === "15:00"),
    );
    assert.equal((await d.stop()).code, 0);
    assert.ok(
      !d.logs().some((l) => JSON.stringify(l).includes(secret)),
      "the hook secret never reaches the log",
    );
  });
});

describe("reconcile: deny sync windows", () => {
  it("holds a write until the window ends, then applies it", async () => {
    // A deny window from this minute to the next, in UTC, every day; leave room to observe it.
    let now = DateTime.utc();
    if (now.second > 45 || (now.hour === 23 && now.minute === 59)) {
      await new Promise((r) => setTimeout(r, (61 - now.second) * 1000));
      now = DateTime.utc();
    }
    const start = now.toFormat("HH:mm");
    const end = now.plus({ minutes: 1 }).toFormat("HH:mm");
    const w = await world();
    await setReconcileConfig(w, [
      ...FAST,
      "syncWindows:",
      `  - { kind: deny, timezone: UTC, days: [MON, TUE, WED, THU, FRI, SAT, SUN], start: "${start}", end: "${end}" }`,
    ]);
    driftByHand(w, Q4);
    const d = await daemon(["--dir", w.dir], w.env);
    const held = await d.waitForLog("write held by a deny sync window", (l) => l.campaignId === Q4);
    assert.match(String(held.until), new RegExp(`T${end}:00`));
    assert.equal(w.sim.countRequests("patch"), 0);
    assert.ok((await d.metric("dialwindow_reconciles_total", { result: "held" })) >= 1);
    await waitFor("the write once the window ends", () => matches(w, Q4), 75_000);
    assert.ok(
      DateTime.utc().toFormat("HH:mm") >= end || DateTime.utc().hour === 0,
      "not written before the window ended",
    );
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile: SIGTERM during a write", () => {
  it("finishes the in-flight write, delivers its webhook, commits its audit record, exits 0", async () => {
    const w = await world({ git: true });
    const d = await daemon(["--dir", w.dir], w.env);
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);
    w.sim.configure({ latencyMs: 1500 });
    driftByHand(w, Q4);
    await waitFor(
      "a PATCH in flight",
      () => w.sim.requests("patch").some((p) => p.status === undefined),
      20_000,
    );
    const exit = await d.stop("SIGTERM");
    assert.equal(exit.code, 0);
    assert.equal(w.sim.requests("patch")[0]?.status, 200, "the write completed");
    assert.ok(matches(w, Q4));
    assert.equal(new Set(w.receiver.requests.filter((r) => r.verified).map((r) => r.id)).size, 1);
    const trail = await verifyAuditTrail({
      remote: w.origin as string,
      branch: "dialwindow-audit",
      path: "audit",
    });
    assert.equal(trail.records, 1);
  });
});

describe("reconcile: changes to dialwindow.yaml and unreadable directories", () => {
  it("reconcile.mode switched to report in dialwindow.yaml takes effect at once", async () => {
    const w = await world();
    const d = await daemon(["--dir", w.dir], w.env);
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);
    await setReconcileConfig(w, ["mode: report", "resyncInterval: 1s", "gitInterval: 1s", "debounce: 200ms"]);
    await d.waitForLog("reconcile.mode changed", (l) => l.to === "report");
    driftByHand(w, Q4);
    await d.waitForLog("drift detected (report mode: not written)", (l) => l.campaignId === Q4);
    assert.equal(w.sim.countRequests("patch"), 0);
    assert.equal((await d.stop()).code, 0);
  });

  it("a folder that cannot be read (a symlink loop) does not stop the daemon; /status says why; fixing it recovers", async () => {
    const w = await world();
    const d = await daemon(["--dir", w.dir], w.env);
    await waitFor("/readyz to say ready", async () => (await readyz(d)).status === 200);
    const calendars = join(w.dir, "calendars");
    const aside = join(w.dir, "..", `${w.dir.split("/").pop()}-calendars`);
    await rename(calendars, aside);
    await symlink("calendars", calendars);
    await waitFor("/status to report the problem", async () => {
      const frozen = (await status(d)).frozen;
      return frozen?.reason === "desired_state_invalid" && frozen.message.includes("calendars");
    });
    assert.equal((await readyz(d)).status, 200, "writes are frozen, but the daemon works");
    assert.equal(d.run.child.exitCode, null, "still running");
    driftByHand(w, EAST, "MON");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(w.sim.countRequests("patch"), 0, "no writes while the desired state cannot be read");
    await unlink(calendars);
    await rename(aside, calendars);
    await waitFor("recovery", async () => (await status(d)).frozen === null);
    await waitFor("the hand edit to be reverted", () => matches(w, EAST));
    assert.equal((await d.stop()).code, 0);
  });
});

describe("reconcile: webhooks retry while the daemon runs", () => {
  it("a dead letter is redelivered by the daemon when 'webhooks retry' asks it to", async () => {
    const w = await world();
    w.receiver.handler = () => ({ status: 410, body: "gone" });
    driftByHand(w, Q4);
    const d = await daemon(["--dir", w.dir], w.env);
    await d.waitForLog("webhook rejected; dead-lettered", (l) => l.campaignId === Q4);
    w.receiver.handler = () => ({ status: 200 });
    const retry = await runBinary(["webhooks", "retry", "--dir", w.dir], { env: w.env });
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.match(retry.stdout, /holds .*; asked it to redeliver all dead letters/);
    await waitFor(
      "the daemon to redeliver",
      () => w.receiver.requests.some((r) => r.verified && r.nth === 2),
      25_000,
    );
    const ids = new Set(w.receiver.requests.map((r) => r.id));
    assert.equal(ids.size, 1, "redelivered under the same webhook-id");
    assert.equal((await d.stop()).code, 0);
  });
});
