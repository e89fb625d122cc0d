import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  loadSkillsFile,
  runAdminSimulator,
  startAdminSimulator,
} from "../../src/simulator/index.js";
import { runInProcess, spawnBinary, waitFor } from "../helpers/cli.js";
import { fuzzHttpServer } from "../helpers/http-fuzz.js";
import { basic, jwtPayload, PC_QUERY, pcSkill, settings, withAdminSimulator } from "./admin-helpers.js";
import { startForeground } from "./helpers.js";

function exports(output: string): Record<string, string> {
  return Object.fromEntries(
    [...output.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
  );
}

/** Discovery, the password grant and one list call, as a user's client would make them. */
async function listWith(env: Record<string, string>): Promise<{ skillId: number }[]> {
  const openid = (await (await fetch(`${env.CXONE_ISSUER}/.well-known/openid-configuration`)).json()) as {
    token_endpoint: string;
  };
  const basicAuth = Buffer.from(`${env.CXONE_CLIENT_ID}:${env.CXONE_CLIENT_SECRET}`).toString("base64");
  const token = (await (
    await fetch(openid.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basicAuth}` },
      body: new URLSearchParams({
        grant_type: "password",
        username: env.CXONE_ACCESS_KEY_ID ?? "",
        password: env.CXONE_ACCESS_KEY_SECRET ?? "",
      }),
    })
  ).json()) as { access_token: string };
  const tenantId = jwtPayload(token.access_token).tenantId as string;
  const cxone = (await (
    await fetch(`${env.CXONE_ISSUER}/.well-known/cxone-configuration?tenantId=${tenantId}`)
  ).json()) as { api_endpoint: string };
  const list = await fetch(`${cxone.api_endpoint}/inContactAPI/services/v30.0/skills${PC_QUERY}`, {
    headers: { authorization: `Bearer ${token.access_token}`, accept: "application/json" },
  });
  return ((await list.json()) as { skills: { skillId: number }[] }).skills;
}

describe("cxone-admin simulator: running it", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dialwindow-admin-sim-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the issuer and demo credentials to export, which work end to end, and stops on abort", async () => {
    const file = join(dir, "skills.json");
    await writeFile(
      file,
      JSON.stringify({
        businessUnit: { defaultTimeZone: "Eastern Standard Time" },
        skills: [
          {
            skillId: 7,
            skillName: "Renewals",
            scheduleSettings: { isScheduled: true, mondayIsActive: true },
          },
          { skillId: "8", skillName: "Inbound", isOutbound: false, outboundStrategy: null },
        ],
      }),
    );
    const sim = await startForeground((io) => runAdminSimulator({ skillsFile: file, rpm: 50 }, io));
    const env = sim.env;
    assert.match(env.CXONE_ISSUER ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(env.CXONE_ACCESS_KEY_ID, DEMO_ACCESS_KEY_ID);
    assert.equal(env.CXONE_ACCESS_KEY_SECRET, DEMO_ACCESS_KEY_SECRET);
    assert.equal(env.CXONE_CLIENT_ID, DEMO_CLIENT_ID);
    assert.equal(env.CXONE_CLIENT_SECRET, DEMO_CLIENT_SECRET);
    assert.match(sim.output(), /cxone-admin/);
    assert.match(sim.output(), /skills: 2 \(1 Personal Connection\)/);
    assert.match(sim.output(), /Eastern Standard Time/);
    assert.match(sim.output(), /50 requests per minute/);
    assert.deepEqual(
      (await listWith(env)).map((s) => s.skillId),
      [7],
    );
    await sim.stop();
    assert.match(sim.output(), /simulator stopped/);
    await assert.rejects(fetch(`${env.CXONE_ISSUER}/.well-known/openid-configuration`), TypeError);
  });

  it("reports every problem in a skills file with its path", async () => {
    const file = join(dir, "bad-skills.json");
    await writeFile(
      file,
      JSON.stringify({
        skills: [
          { skillId: "x7", skillName: "Bad id" },
          { skillId: 1, skillName: "Fine" },
          { skillId: 1, skillName: "Duplicate" },
          { skillId: 2, skillName: "Typo", scheduleSetings: {} },
          {
            skillId: 3,
            skillName: "Late",
            scheduleSettings: { mondayIsActive: true, mondayEndTime: "24:00" },
          },
          { skillId: 4, skillName: "Inbound", isOutbound: false, scheduleSettings: {} },
        ],
      }),
    );
    await assert.rejects(loadSkillsFile(file), (error: Error & { code?: string }) => {
      assert.equal(error.code, "DW_USAGE");
      assert.ok(error.message.startsWith(file));
      assert.match(error.message, /skills\[0\]\.skillId: must be a positive integer/);
      assert.match(error.message, /skills\[2\]\.skillId: 1 appears more than once/);
      assert.match(error.message, /skills\[3\]\.scheduleSetings: unexpected key/);
      assert.match(error.message, /skills\[4\]\.scheduleSettings\.mondayEndTime: "24:00"/);
      assert.match(error.message, /skills\[5\]\.scheduleSettings: only a Personal Connection skill/);
      return true;
    });
    await writeFile(file, JSON.stringify({ campaigns: [] }));
    await assert.rejects(loadSkillsFile(file), /expected a JSON object \{"skills"/);
  });

  it("fills a partial schedule in a skills file with the defaults", async () => {
    const file = join(dir, "partial.json");
    await writeFile(
      file,
      JSON.stringify({ skills: [{ skillId: 5, skillName: "Five", scheduleSettings: {} }] }),
    );
    const { skills } = await loadSkillsFile(file);
    const sim = await startAdminSimulator({ skills });
    try {
      const stored = sim.scheduleSettings(5);
      assert.equal(stored?.isScheduled, false);
      assert.equal(stored?.mondayIsActive, false);
      assert.equal(stored?.mondayStartTime, "08:00");
    } finally {
      await sim.close();
    }
  });

  it("dialwindow simulator --profile cxone-admin --skills FILE runs until SIGTERM", async () => {
    const file = join(dir, "cli-skills.json");
    await writeFile(file, JSON.stringify({ skills: [pcSkill(11), pcSkill(12)] }));
    const run = spawnBinary(["simulator", "--profile", "cxone-admin", "--skills", file]);
    let output = "";
    run.child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    try {
      await waitFor("the simulator to print its exports", () => output.includes("Ctrl+C"));
      assert.deepEqual(
        (await listWith(exports(output))).map((s) => s.skillId),
        [11, 12],
      );
    } finally {
      run.child.kill("SIGTERM");
    }
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /simulator stopped/);
  });

  it("refuses tutorial-only flags under cxone-admin, and --skills under the tutorial profile", async () => {
    for (const args of [
      ["--profile", "cxone-admin", "--seed", "desired-state"],
      ["--profile", "cxone-admin", "--campaigns", "c.json"],
      ["--profile", "cxone-admin", "--state", "s.json"],
      ["--skills", "s.json"],
    ]) {
      const result = await runInProcess(["simulator", ...args]);
      assert.equal(result.code, 1, args.join(" "));
      assert.match(result.stderr, /--seed|--campaigns|--state|--skills/);
    }
    const unknown = await runInProcess(["simulator", "--profile", "genesys"]);
    assert.notEqual(unknown.code, 0);
  });
});

describe("cxone-admin simulator under hostile input", () => {
  it("survives random requests without a crash, a hang or a 5xx of its own, and still serves", async () => {
    const crashes: unknown[] = [];
    const record = (err: unknown) => crashes.push(err);
    process.on("uncaughtException", record);
    process.on("unhandledRejection", record);
    try {
      await withAdminSimulator(
        { skills: [pcSkill(101), pcSkill(102)], rpm: Infinity },
        async (sim, client) => {
          const token = await client.token();
          const api = "/api-sim1/inContactAPI/services/v30.0";
          const put = JSON.stringify({ scheduleSettings: settings() });
          const form = `grant_type=password&username=${DEMO_ACCESS_KEY_ID}&password=${encodeURIComponent(DEMO_ACCESS_KEY_SECRET)}`;
          const report = await fuzzHttpServer({
            port: sim.port,
            seed: 11,
            count: 2000,
            paths: [
              "/auth/token",
              "/.well-known/openid-configuration",
              `/.well-known/cxone-configuration?tenantId=${sim.tenantId}`,
              `${api}/skills${PC_QUERY}&skip=0&top=100`,
              `${api}/skills/parameters`,
              `${api}/skills/101/parameters/schedule-settings`,
              `${api}/skills/%E0%A4%A/parameters/schedule-settings`,
              `${api}/skills/101/parameters/time-zones`,
              `${api}/business-unit`,
            ],
            headers: [
              `Authorization: Bearer ${token}`,
              `Authorization: ${basic()}`,
              "Content-Type: application/json",
              "Content-Type: application/x-www-form-urlencoded",
            ],
            seeds: [
              Buffer.from(
                `POST /auth/token HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
                "latin1",
              ),
              Buffer.from(
                `PUT ${api}/skills/102/parameters/schedule-settings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
                  `Content-Type: application/json\r\nContent-Length: ${put.length}\r\n\r\n${put}`,
                "latin1",
              ),
            ],
          });
          assert.deepEqual(crashes, [], "a request ended (or would have ended) the process");
          assert.equal(report.hung, 0, "the simulator left a finished request's connection open");
          assert.deepEqual(report.serverErrors, [], "the simulator answered 5xx as if it had failed");
          for (const status of [200, 400, 401, 404])
            assert.ok(
              report.statuses.has(status),
              `no ${status} seen: ${JSON.stringify([...report.statuses])}`,
            );
          assert.equal((await client.getSchedule(101, await client.token())).status, 200);
        },
      );
    } finally {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    }
  });
});
