import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  loadCampaignsFile,
  runSimulator,
  startSimulator,
} from "../../src/simulator/index.js";
import { runInProcess } from "../helpers/cli.js";
import { schedule, startForeground } from "./helpers.js";

describe("simulator: runSimulator and campaign files", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dialwindow-sim-run-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the URLs and demo credentials, serves the file's campaigns, and stops on abort", async () => {
    const file = join(dir, "campaigns.json");
    await writeFile(
      file,
      JSON.stringify({
        campaigns: [{ id: "123456789012345678", name: "Q4 Outreach", schedule: schedule() }],
      }),
    );
    const sim = await startForeground((io) => runSimulator({ campaignsFile: file, rpm: 50 }, io));
    const env = sim.env;
    assert.match(env.CXONE_API_URL ?? "", /^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
    assert.match(env.CXONE_TOKEN_URL ?? "", /^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);
    assert.equal(env.CXONE_CLIENT_ID, DEMO_CLIENT_ID);
    assert.equal(env.CXONE_CLIENT_SECRET, DEMO_CLIENT_SECRET);
    assert.match(sim.output(), /campaigns: 1/);
    assert.match(sim.output(), /50 requests per minute/);

    const token = (await (
      await fetch(env.CXONE_TOKEN_URL ?? "", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: DEMO_CLIENT_ID,
          client_secret: DEMO_CLIENT_SECRET,
          scope: "outbound:campaign:read",
        }),
      })
    ).json()) as { access_token: string };
    const got = await fetch(`${env.CXONE_API_URL}/outbound/campaigns/123456789012345678`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    assert.equal(((await got.json()) as { name: string }).name, "Q4 Outreach");

    await sim.stop();
    assert.match(sim.output(), /simulator stopped/);
    await assert.rejects(fetch(env.CXONE_API_URL ?? ""), TypeError);
  });

  it("reports every problem in a campaigns file with its path", async () => {
    const file = join(dir, "bad.json");
    await writeFile(
      file,
      JSON.stringify({
        campaigns: [
          { id: "UNQUOTED", name: "Numeric id", schedule: schedule() },
          { id: "1", name: "Fine", schedule: schedule() },
          { id: "1", name: "Duplicate", schedule: schedule() },
          {
            id: "2",
            name: "Bad zone",
            schedule: { ...schedule(), timezone: "Atlantis/Capital" },
            owner: "x",
          },
        ],
      }).replace('"UNQUOTED"', "123456789012345678"), // as a person might write it in JSON
    );
    await assert.rejects(loadCampaignsFile(file), (error: Error & { code?: string }) => {
      assert.equal(error.code, "DW_USAGE");
      assert.match(error.message, /campaigns\[0\]\.id: must be a string/);
      assert.match(error.message, /campaigns\[2\]\.id: 1 appears more than once/);
      assert.match(error.message, /campaigns\[3\]\.owner: unexpected key/);
      assert.match(error.message, /campaigns\[3\]\.schedule\.timezone: "Atlantis\/Capital"/);
      assert.match(error.message, /4 problem/);
      return true;
    });
  });

  it("refuses a port that is taken, naming the cause (EADDRINUSE)", async () => {
    const first = await startSimulator();
    try {
      await assert.rejects(startSimulator({ port: first.port }), { code: "DW_SIMULATOR_LISTEN" });
      const cli = await runInProcess(["simulator", "--port", String(first.port)]);
      assert.equal(cli.code, 1);
      assert.equal(
        cli.stderr,
        `dialwindow: cannot listen on 127.0.0.1:${first.port}: the port is already in use (EADDRINUSE); stop what holds it or choose another with --port\n`,
      );
    } finally {
      await first.close();
    }
  });

  it("refuses a file that is not a campaigns document", async () => {
    const file = join(dir, "array.json");
    await writeFile(file, "[]");
    await assert.rejects(loadCampaignsFile(file), { code: "DW_USAGE" });
    await assert.rejects(loadCampaignsFile(join(dir, "absent.json")), { code: "DW_USAGE" });
  });

  it("accepts status and keeps schedules as written", async () => {
    const file = join(dir, "good.json");
    const unordered = schedule({ pauseConditions: ["BUSY", "NO_ANSWER"] });
    await writeFile(
      file,
      JSON.stringify({ campaigns: [{ id: "7", name: "Seven", status: "PAUSED", schedule: unordered }] }),
    );
    assert.deepEqual(await loadCampaignsFile(file), [
      { id: "7", name: "Seven", status: "PAUSED", schedule: unordered },
    ]);
  });
});
