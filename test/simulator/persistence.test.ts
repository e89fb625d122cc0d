import { strict as assert } from "node:assert";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { WireSchedule } from "../../src/desired/wire.js";
import { startSimulator } from "../../src/simulator/index.js";
import { campaign, schedule, TestClient } from "./helpers.js";

describe("simulator: state file", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dialwindow-sim-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("survives a restart: schedules as sent, ETags and names, and the file wins over seeds", async () => {
    const stateFile = join(dir, "round-trip.json");
    const first = await startSimulator({ stateFile, campaigns: [campaign("100"), campaign("200")] });
    const client = new TestClient(first);
    const token = await client.token();
    const unordered: WireSchedule = {
      timezone: "Europe/Paris",
      dialingHours: [
        { day: "SUN", startTime: "10:00", endTime: "12:00" },
        { day: "MON", startTime: "09:00", endTime: "17:00" },
      ],
      pauseConditions: ["DISCONNECTED", "BUSY"],
    };
    const patched = await client.patch("100", unordered, first.getCampaign("100")?.etag, token);
    assert.equal(patched.status, 200);
    const etag = patched.headers.get("etag") ?? "";
    await first.close();

    const second = await startSimulator({ stateFile, campaigns: [campaign("999")] });
    try {
      assert.equal(second.campaignCount(), 2);
      assert.equal(second.getCampaign("999"), undefined);
      const client2 = new TestClient(second);
      const token2 = await client2.token();
      const reply = await client2.get("100", token2);
      assert.equal(reply.headers.get("etag"), etag);
      assert.equal(JSON.stringify((reply.json as { schedule: unknown }).schedule), JSON.stringify(unordered));
      // A plan made before the restart still applies: its ETag is still current.
      const again = await client2.patch("100", schedule(), etag, token2);
      assert.equal(again.status, 200);
      assert.notEqual(again.headers.get("etag"), etag);
    } finally {
      await second.close();
    }
  });

  it("writes complete JSON on flush and leaves no temporary files", async () => {
    const stateFile = join(dir, "flush.json");
    const sim = await startSimulator({ stateFile, campaigns: [campaign("1")], persistDelayMs: 60_000 });
    try {
      sim.editSchedule("1", schedule({ pauseConditions: ["ANSWERING_MACHINE"] }));
      sim.upsertCampaigns([campaign("2")]);
      await sim.flush();
      const state = JSON.parse(await readFile(stateFile, "utf8")) as {
        formatVersion: number;
        campaigns: Array<{ id: string; etag: string; schedule: WireSchedule }>;
      };
      assert.equal(state.formatVersion, 1);
      assert.deepEqual(
        state.campaigns.map((c) => c.id),
        ["1", "2"],
      );
      assert.deepEqual(state.campaigns[0]?.schedule.pauseConditions, ["ANSWERING_MACHINE"]);
      assert.equal(state.campaigns[0]?.etag, sim.getCampaign("1")?.etag);
      sim.removeCampaign("2");
    } finally {
      await sim.close();
    }
    const state = JSON.parse(await readFile(stateFile, "utf8")) as { campaigns: unknown[] };
    assert.equal(state.campaigns.length, 1, "close() flushes the last change");
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.endsWith(".tmp")),
      [],
    );
  });

  it("refuses to start from a corrupt state file", async () => {
    const stateFile = join(dir, "corrupt.json");
    await writeFile(stateFile, '{"formatVersion":1,"campaigns":[{"id":1}]}');
    await assert.rejects(startSimulator({ stateFile }), { code: "DW_SIMULATOR_STATE" });
    await writeFile(stateFile, "{not json");
    await assert.rejects(startSimulator({ stateFile }), { code: "DW_SIMULATOR_STATE" });
  });

  it("reports a state file it cannot write when flushed", async () => {
    const stateFile = join(dir, "missing-dir", "state.json");
    const sim = await startSimulator({ stateFile, campaigns: [campaign("1")] });
    await assert.rejects(sim.flush(), { code: "DW_SIMULATOR_STATE" });
    await assert.rejects(sim.close(), { code: "DW_SIMULATOR_STATE" });
  });
});
