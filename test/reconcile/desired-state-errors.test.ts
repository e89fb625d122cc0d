/**
 * The reconciler in-process on a fake clock, when the desired state cannot be used: writes held
 * back while it could not be read go out as soon as it can be, a daemon limited to one team's
 * campaigns (`--selector`) reports only that team's broken files, and a file broken while a
 * resync reads CXone stays blocked.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { validateDesiredState } from "../../src/desired/validate.js";
import { connect } from "../../src/live/connect.js";
import type { DaemonStatus } from "../../src/reconcile/reconciler.js";
import { silentLogger } from "../../src/util/log.js";
import { driftByHand, editFile } from "../helpers/world.js";
import { capturingLogger, FakeTimers, holdingPort, settle, waitFor } from "./helpers.js";
import { daemonWorld, startInProcess, stopInProcess } from "./in-process.js";
import { parsePromText, sampleValue } from "./prom-text.js";

const Q4 = "123456789012345678";
const SURVEY_EAST = "623456789012345678";
const REMINDERS = "523456789012345678";

describe("reconciler: a desired state that cannot be read", () => {
  it("a write frozen while the desired state could not be read goes out when it can be read again, not at the next resync", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    const fake = new FakeTimers(start.toMillis());
    let unreadable = false;
    const reconciler = await startInProcess(world, fake, {
      readDesiredState: (dir, options) => {
        if (unreadable) return Promise.reject(new Error("EIO: i/o error, scandir 'campaigns'"));
        return validateDesiredState(dir, options);
      },
    });
    try {
      await reconciler.run();
      unreadable = true;
      await reconciler.reload();
      assert.match(JSON.stringify(reconciler.status().frozen), /cannot read the desired state: EIO/);

      // A hand edit found by the resync is not undone while the desired state is unreadable.
      driftByHand(world, Q4);
      await fake.advance(3_600_000 * 1.1);
      await waitFor(
        "the drifted campaign to be frozen",
        () => reconciler.status().problems.some((p) => p.campaignId === Q4 && p.state === "blocked"),
        10_000,
      );
      assert.equal(world.sim.countRequests("patch"), 0);

      unreadable = false;
      await reconciler.reload();
      await waitFor("the frozen write", () => world.sim.countRequests("patch") === 1, 5_000);
      await waitFor("the campaign to be in sync", () => reconciler.status().counts.in_sync === 7, 5_000);
      assert.equal(reconciler.status().frozen, null);
      assert.deepEqual(reconciler.status().problems, []);
      assert.equal(world.sim.countRequests("patch"), 1);
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});

describe("reconciler: a reload before run()", () => {
  it("a campaign file broken by a reload that comes before run() (a git webhook can) is reported and queued", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    const fake = new FakeTimers(start.toMillis());
    const loaded: string[][] = [];
    const reconciler = await startInProcess(world, fake, {
      events: { onLoaded: (_snapshot, changed) => loaded.push([...changed]) },
    });
    try {
      await editFile(world, "campaigns/collections/q4-outreach.yaml", (t) => t.replace(/"17:00"/, '"25:00"'));
      await reconciler.reload();
      assert.equal(loaded.length, 1, "the reload was announced");
      assert.deepEqual(
        reconciler.status().problems.map((p) => [p.campaignId, p.state]),
        [[Q4, "blocked"]],
        "the broken file is on /status before the daemon runs",
      );
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});

describe("reconciler --selector: another team's broken files", () => {
  it("a daemon for team=care reports care's invalid file, and neither collections' invalid file nor an unreadable file it cannot tell is its own", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    // Collections' campaign breaks a rule; sales adds a file that is not YAML at all; care's breaks too.
    await editFile(world, "campaigns/collections/q4-outreach.yaml", (t) =>
      t.replace('start: "09:00"', 'start: "25:00"'),
    );
    await writeFile(join(world.dir, "campaigns/sales/new-team.yaml"), "metadata: [unclosed\n");
    await editFile(world, "campaigns/care/surveys.yaml", (t) =>
      t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
    );
    const fake = new FakeTimers(start.toMillis());
    const log = capturingLogger();
    const reconciler = await startInProcess(world, fake, {
      logger: log.logger,
      listen: "127.0.0.1:0",
      selector: new Map([["team", "care"]]),
    });
    const url = reconciler.address as string;
    try {
      await reconciler.run();
      const status = (await (await fetch(`${url}/status`)).json()) as DaemonStatus;
      assert.deepEqual(
        status.invalidFiles.map((f) => f.file),
        ["campaigns/care/surveys.yaml"],
      );
      assert.deepEqual(
        status.problems.map((p) => [p.campaignId, p.state, p.file]),
        [[SURVEY_EAST, "blocked", "campaigns/care/surveys.yaml"]],
      );
      assert.equal(status.counts.blocked, 1);
      const samples = parsePromText(await (await fetch(`${url}/metrics`)).text());
      assert.equal(sampleValue(samples, "dialwindow_invalid_desired_state_files"), 1);
      const loud = log.lines.filter((l) => l.level === "warn" || l.level === "error");
      assert.ok(
        loud.some((l) => l.campaignId === SURVEY_EAST),
        "care's broken file is logged",
      );
      for (const other of [Q4, "q4-outreach", "campaigns/collections", "campaigns/sales/new-team.yaml"]) {
        assert.ok(!JSON.stringify(loud).includes(other), `the log names ${other}: ${JSON.stringify(loud)}`);
      }

      // A file of its own that stops being YAML is still its own: it declared a care campaign.
      await writeFile(join(world.dir, "campaigns/care/appointment-reminders.yaml"), "metadata: [unclosed\n");
      await reconciler.reload();
      const after = reconciler.status();
      assert.deepEqual(
        after.invalidFiles.map((f) => f.file),
        ["campaigns/care/appointment-reminders.yaml", "campaigns/care/surveys.yaml"],
      );
      assert.deepEqual(
        after.problems.map((p) => [p.campaignId, p.state]),
        [
          [REMINDERS, "blocked"],
          [SURVEY_EAST, "blocked"],
        ],
      );
    } finally {
      await stopInProcess(reconciler, fake);
    }
  });
});

describe("reconciler: a file broken while a resync reads CXone", () => {
  it("stays blocked: the resync judges what it read by the desired state as it is when the read returns", async () => {
    const start = DateTime.fromISO("2026-12-01T15:00:00Z");
    const world = await daemonWorld(start);
    const config = (await validateDesiredState(world.dir, { at: start, env: world.env })).config;
    const connection = connect(config, world.env, { logger: silentLogger() });
    const { port, holdNextRead } = holdingPort(connection.port);
    const fake = new FakeTimers(start.toMillis());
    const reconciler = await startInProcess(world, fake, { port });
    try {
      await reconciler.run();
      await waitFor("every campaign in sync", () => reconciler.status().counts.in_sync === 7);
      const held = holdNextRead();
      await fake.advance(3_600_000 * 1.1);
      await held.read.promise; // the hourly resync has read CXone, every campaign in sync

      await editFile(world, "campaigns/care/surveys.yaml", (t) =>
        t.replace('{ days: [TUE, THU], start: "11:00"', '{ days: [TUE, THU], start: "25:00"'),
      );
      await reconciler.reload();
      const blocked = () => reconciler.status().problems.find((p) => p.campaignId === SURVEY_EAST);
      assert.equal(blocked()?.reason, "invalid_file");

      held.release.resolve(); // the resync goes on with what it read before the edit
      await settle();
      assert.equal(blocked()?.reason, "invalid_file", "the block is still on /status");
      assert.equal(blocked()?.file, "campaigns/care/surveys.yaml");
    } finally {
      await stopInProcess(reconciler, fake);
      await connection.close();
    }
  });
});
