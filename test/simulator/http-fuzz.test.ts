/**
 * The simulator is what `npm start` and `dialwindow simulator` put on a port: no request may end
 * its process or be answered as if the simulator itself had failed. It runs in this process, so a
 * throw outside a handler shows up here as an uncaught exception.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../src/simulator/index.js";
import { fuzzHttpServer, sendRaw } from "../helpers/http-fuzz.js";
import { campaign, schedule, withSimulator } from "./helpers.js";

function raw(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

describe("simulator under hostile input", () => {
  it("answers unparseable targets 400, survives thousands of random requests, and still serves", async () => {
    const crashes: unknown[] = [];
    const record = (err: unknown) => crashes.push(err);
    process.on("uncaughtException", record);
    process.on("unhandledRejection", record);
    try {
      await withSimulator(
        { campaigns: [campaign("100"), campaign("200")], rpm: Infinity },
        async (sim, client) => {
          const token = await client.token();
          // A target that does not parse is the client's mistake (400); one that parses but
          // names nothing is a 404. Neither is a 500 or a crash.
          for (const [target, status] of [
            ["//[", 400],
            ["http://[", 400],
            ["/api/v2/outbound/campaigns//[", 404],
          ] as const) {
            const { response } = await sendRaw(sim.port, [raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)]);
            assert.match(response, new RegExp(`^HTTP/1\\.1 ${status} `), target);
          }

          const etag = sim.getCampaign("100")?.etag ?? "";
          const patch = JSON.stringify({ schedule: schedule() });
          const form = `grant_type=client_credentials&client_id=${DEMO_CLIENT_ID}&client_secret=${DEMO_CLIENT_SECRET}&scope=outbound%3Acampaign%3Aread`;
          const report = await fuzzHttpServer({
            port: sim.port,
            seed: 7,
            count: 2000,
            paths: [
              "/oauth/token",
              "/api/v2/outbound/campaigns",
              "/api/v2/outbound/campaigns/100",
              "/api/v2/outbound/campaigns/%E0%A4%A",
              "/api/v2/outbound/campaigns?page=-1&pageSize=1e9",
            ],
            headers: [
              `Authorization: Bearer ${token}`,
              `Authorization: Bearer ${token}`,
              `If-Match: ${etag}`,
              'If-Match: W/"x"',
              "Content-Type: application/x-www-form-urlencoded",
            ],
            seeds: [
              raw(
                `POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
              ),
              raw(
                `GET /api/v2/outbound/campaigns?page=1&pageSize=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
              ),
              raw(
                `PATCH /api/v2/outbound/campaigns/200 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
                  `If-Match: ${sim.getCampaign("200")?.etag}\r\nContent-Type: application/json\r\nContent-Length: ${patch.length}\r\n\r\n${patch}`,
              ),
            ],
          });
          assert.deepEqual(crashes, [], "a request ended (or would have ended) the process");
          assert.equal(report.hung, 0, "the simulator left a finished request's connection open");
          assert.deepEqual(report.serverErrors, [], "the simulator answered 5xx as if it had failed");
          for (const status of [200, 400, 401, 404])
            assert.ok(report.statuses.has(status), `no ${status} seen`);
          assert.equal((await client.get("100", await client.token())).status, 200);
        },
      );
    } finally {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    }
  });
});
