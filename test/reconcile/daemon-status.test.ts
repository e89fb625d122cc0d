/**
 * What an operator sees when campaigns cannot be reconciled, with the reconciler in-process on
 * a fake clock: the daemon stays ready (its Service keeps routing the git webhook to it),
 * /status and the metrics name each problem with its reason, and the log says each reason
 * once, not once per retry.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { driftByHand, editFile, rejectWrites } from "../helpers/world.js";
import { capturingLogger, FakeTimers, waitFor } from "./helpers.js";
import { daemonWorld, startInProcess, stopInProcess } from "./in-process.js";
import { parsePromText, sampleValue } from "./prom-text.js";

const Q4 = "123456789012345678";
const SURVEY_EAST = "623456789012345678";
const REASON = "dialingHours[3]: licence allows 4 blocks";

interface StatusProblem {
  campaignId: string;
  name: string;
  file: string;
  line?: number;
  state: string;
  reason: string;
  message: string;
  failures: number;
  since: string;
  nextRetryAt: string | null;
}

interface StatusBody {
  ready: boolean;
  mode: string;
  revision: string | null;
  counts: Record<string, number>;
  frozen: unknown;
  invalidFiles: { file: string; findings: { line: number; col: number; code: string; message: string }[] }[];
  problems: StatusProblem[];
}

describe("reconciler: campaigns that cannot be reconciled", () => {
  it("one broken file and one campaign CXone rejects: ready, named in /status and the metrics, each reason logged once", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    await editFile(world, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    driftByHand(world, Q4);
    rejectWrites(world, Q4, REASON);

    const fake = new FakeTimers(start.toMillis());
    const log = capturingLogger();
    const reconciler = await startInProcess(world, fake, { logger: log.logger, listen: "127.0.0.1:0" });
    const url = reconciler.address as string;
    try {
      await reconciler.run();
      // Three rejected writes, each after its backoff. The clock moves in small steps until the
      // next PATCH arrives: a retry is armed only once the previous answer has been handled.
      for (let n = 1; n <= 3; n++) {
        await waitFor(
          `rejected write ${n}`,
          () => {
            if (world.sim.countRequests("patch") >= n) return true;
            void fake.advance(250);
            return false;
          },
          10_000,
        );
      }
      const status = async (): Promise<StatusBody> => {
        const res = await fetch(`${url}/status`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        return (await res.json()) as StatusBody;
      };
      let body = await status();
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        body = await status();
        if (body.problems.find((p) => p.campaignId === Q4)?.failures === 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }

      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200, JSON.stringify(await ready.clone().json()));

      assert.equal(body.ready, true);
      assert.equal(body.mode, "enforce");
      assert.deepEqual(body.counts, { in_sync: 5, drifted: 0, blocked: 1, failing: 1 });
      assert.equal(body.frozen, null);
      const rejected = body.problems.find((p) => p.campaignId === Q4);
      assert.ok(rejected, JSON.stringify(body.problems));
      assert.equal(rejected.state, "failing");
      assert.equal(rejected.reason, "rejected");
      assert.equal(rejected.name, "q4-outreach");
      assert.equal(rejected.file, "campaigns/collections/q4-outreach.yaml");
      assert.equal(rejected.line, 6, "the campaign's metadata.campaignId");
      assert.ok(rejected.message.includes(REASON), rejected.message);
      assert.equal(rejected.failures, 3);
      const retryAt = Date.parse(rejected.nextRetryAt ?? "");
      assert.ok(retryAt > fake.now() && retryAt <= fake.now() + 300_000, rejected.nextRetryAt ?? "none");

      const blocked = body.problems.find((p) => p.campaignId === SURVEY_EAST);
      assert.ok(blocked, JSON.stringify(body.problems));
      assert.equal(blocked.state, "blocked");
      assert.equal(blocked.reason, "invalid_file");
      assert.equal(blocked.name, "survey-east");
      assert.equal(blocked.file, "campaigns/care/surveys.yaml");
      assert.equal(blocked.line, 13);
      assert.match(blocked.message, /DW015/);
      assert.equal(blocked.nextRetryAt, null, "waits for the file to be fixed, not for a timer");
      assert.equal(body.problems.length, 2);
      assert.deepEqual(
        body.invalidFiles.map((f) => [f.file, f.findings.map((x) => `${x.line}:${x.code}`)]),
        [["campaigns/care/surveys.yaml", ["13:DW015"]]],
      );

      const samples = parsePromText(await (await fetch(`${url}/metrics`)).text());
      const sample = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels);
      assert.equal(sample("dialwindow_campaigns", { state: "blocked" }), 1);
      assert.equal(sample("dialwindow_campaigns", { state: "failing" }), 1);
      assert.equal(sample("dialwindow_campaigns", { state: "in_sync" }), 5);
      assert.equal(sample("dialwindow_campaigns", { state: "drifted" }), 0);
      assert.equal(sample("dialwindow_campaign_problems", { reason: "rejected" }), 1);
      assert.equal(sample("dialwindow_campaign_problems", { reason: "invalid_file" }), 1);
      assert.equal(sample("dialwindow_campaign_problems", { reason: "unavailable" }), 0);
      assert.equal(sample("dialwindow_campaign_failures_total", { reason: "rejected" }), 3);

      // Re-reading the desired state (a file saved elsewhere) repeats nothing either.
      await reconciler.reload();
      await reconciler.reload();

      const loud = (id: string) =>
        log.lines.filter(
          (l) => (l.level === "warn" || l.level === "error") && JSON.stringify(l).includes(id),
        );
      const aboutQ4 = loud(Q4);
      assert.deepEqual(
        aboutQ4.map((l) => [l.msg, l.reason]),
        [["campaign failing", "rejected"]],
        JSON.stringify(aboutQ4),
      );
      assert.ok(String(aboutQ4[0]?.error).includes(REASON));
      assert.equal(aboutQ4[0]?.file, "campaigns/collections/q4-outreach.yaml");
      assert.ok(aboutQ4[0]?.nextRetryAt, "the line says when it is tried again");
      const aboutSurvey = loud(SURVEY_EAST);
      assert.deepEqual(
        aboutSurvey.map((l) => [l.msg, l.reason]),
        [["campaign blocked: its file is invalid; no writes until fixed", "invalid_file"]],
        JSON.stringify(aboutSurvey),
      );
      assert.equal(aboutSurvey[0]?.line, 13);
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });

  it("/readyz is 503 only while the daemon cannot work: an invalid dialwindow.yaml or refused credentials, not a broken calendar", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    const fake = new FakeTimers(start.toMillis());
    const reconciler = await startInProcess(world, fake, {
      logger: capturingLogger().logger,
      listen: "127.0.0.1:0",
    });
    const url = reconciler.address as string;
    const readyz = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, reasons: ((await res.json()) as { reasons: string[] }).reasons };
    };
    const status = async () => (await (await fetch(`${url}/status`)).json()) as StatusBody;
    try {
      await reconciler.run();
      assert.equal((await readyz()).status, 200);

      // A calendar with an error freezes every write, but the daemon works: ready, and /status says why.
      await editFile(world, "calendars/us-federal.yaml", (t) => t.replace("2026-12-25", "2026-13-25"));
      await reconciler.reload();
      assert.deepEqual(await readyz(), { status: 200, reasons: [] });
      const frozen = (await status()).frozen as {
        reason: string;
        message: string;
        file: string;
        line: number;
      };
      assert.equal(frozen.reason, "desired_state_invalid");
      assert.equal(frozen.file, "calendars/us-federal.yaml");
      assert.match(frozen.message, /previous valid desired state stays in force/);
      await editFile(world, "calendars/us-federal.yaml", (t) => t.replace("2026-13-25", "2026-12-25"));
      await reconciler.reload();
      assert.equal((await status()).frozen, null);

      // dialwindow.yaml itself: the daemon's own configuration is broken.
      await editFile(world, "dialwindow.yaml", (t) => t.replace("mode: enforce", "mode: enforced"));
      await reconciler.reload();
      const broken = await readyz();
      assert.equal(broken.status, 503);
      assert.match(broken.reasons.join("\n"), /^dialwindow\.yaml is invalid: dialwindow\.yaml:\d+:\d+ /m);
      await editFile(world, "dialwindow.yaml", (t) => t.replace("mode: enforced", "mode: enforce"));
      await reconciler.reload();
      assert.equal((await readyz()).status, 200);

      // Credentials CXone refuses, found by the next resync; and recovered by the one after.
      world.sim.injectFault({ kind: "token", times: Number.POSITIVE_INFINITY, fault: 401 });
      world.sim.revokeTokens();
      const resyncs = () => world.sim.countRequests("list") + world.sim.countRequests("token");
      let before = resyncs();
      await fake.advance(3_600_000 * 1.1);
      await waitFor("the resync to be refused", () => resyncs() > before, 10_000);
      let refused = await readyz();
      for (const deadline = Date.now() + 10_000; refused.status !== 503 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20));
        refused = await readyz();
      }
      assert.equal(refused.status, 503);
      assert.match(refused.reasons.join("\n"), /CXone refuses the credentials: .*refused the credentials/);
      world.sim.clearFaults();
      before = world.sim.countRequests("list");
      await fake.advance(3_600_000 * 1.1);
      await waitFor("the next resync", () => world.sim.countRequests("list") > before, 10_000);
      let back = await readyz();
      for (const deadline = Date.now() + 10_000; back.status !== 200 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20));
        back = await readyz();
      }
      assert.equal(back.status, 200, back.reasons.join("\n"));
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });

  it("a hand edit undone in enforce mode is logged as drift with its diff; a change in git is not", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    const fake = new FakeTimers(start.toMillis());
    const log = capturingLogger();
    const reconciler = await startInProcess(world, fake, { logger: log.logger });
    const drift = () =>
      log.lines.filter((l) => l.msg === "drift detected: undoing a change made in CXone (enforce mode)");
    try {
      await reconciler.run();
      // A change in git: written, but not drift.
      await editFile(world, "campaigns/sales/renewals-west.yaml", (t) =>
        t.replace('end: "18:00"', 'end: "17:00"'),
      );
      await reconciler.reload();
      await waitFor("the edited file to be applied", () => world.sim.countRequests("patch") === 1, 10_000);
      // A person edits q4-outreach in CXone; the next resync finds and undoes it.
      driftByHand(world, Q4, "TUE");
      await fake.advance(3_600_000 * 1.1);
      await waitFor("the hand edit to be undone", () => world.sim.countRequests("patch") === 2, 10_000);
      assert.deepEqual(
        drift().map((l) => [l.campaignId, l.cause, l.file]),
        [[Q4, "drift", "campaigns/collections/q4-outreach.yaml"]],
      );
      assert.deepEqual(drift()[0]?.diff, [
        { path: "dialingHours", op: "add", value: { day: "TUE", startTime: "09:00", endTime: "17:00" } },
      ]);
      assert.equal(drift()[0]?.level, "warn");
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});
