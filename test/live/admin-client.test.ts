/**
 * The cxone-admin adapter against the cxone-admin simulator: discovery, the password grant and
 * its refusals, refresh, paging, the bulk read and its fallback, GET/PUT of schedule-settings,
 * and every fault the issue lists that the adapter itself must handle. Sleeps are recorded,
 * never waited, so backoff is asserted without a real clock.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import type { Schedule } from "../../src/desired/schedule.js";
import { type AdminClientOptions, createAdminClient } from "../../src/live/admin-client.js";
import { AuthenticationError, HttpError } from "../../src/live/errors.js";
import {
  OutcomeUnknownError,
  ReadBackMismatchError,
  RejectedError,
  VersionConflictError,
} from "../../src/live/port.js";
import { createTutorialClient } from "../../src/live/tutorial-client.js";
import {
  type AdminSimulator,
  type AdminSimulatorOptions,
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_TENANT_ID,
  startAdminSimulator,
} from "../../src/simulator/index.js";
import { DENVER, settingsOf } from "../helpers/admin-world.js";

const WEEKDAYS: Schedule = {
  timezone: DENVER,
  dialingHours: ["MON", "TUE", "WED", "THU", "FRI"].map((day) => ({
    day: day as "MON",
    startTime: "07:00",
    endTime: "15:00",
  })),
  pauseConditions: [],
};

async function sim(options: AdminSimulatorOptions = {}): Promise<AdminSimulator> {
  const s = await startAdminSimulator({ rpm: Number.POSITIVE_INFINITY, ...options });
  after(() => s.close());
  s.upsertSkills([
    { skillId: 101, skillName: "PC one", scheduleSettings: settingsOf(WEEKDAYS) },
    { skillId: 102, skillName: "PC two", scheduleSettings: settingsOf(WEEKDAYS) },
    { skillId: 900, skillName: "Inbound", outboundStrategy: null, isOutbound: false },
  ]);
  return s;
}

const DEMO_CREDENTIALS = {
  accessKeyId: DEMO_ACCESS_KEY_ID,
  accessKeySecret: DEMO_ACCESS_KEY_SECRET,
  clientId: DEMO_CLIENT_ID,
  clientSecret: DEMO_CLIENT_SECRET,
};

function client(s: AdminSimulator, overrides: Partial<AdminClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createAdminClient({
    issuer: s.issuerUrl,
    apiVersion: "30.0",
    credentials: DEMO_CREDENTIALS,
    requestsPerMinute: 100_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  after(() => c.close());
  return { c, sleeps };
}

const SECRETS = [DEMO_ACCESS_KEY_SECRET, DEMO_CLIENT_SECRET];

function assertNoSecret(text: string): void {
  for (const secret of SECRETS) {
    assert.ok(!text.includes(secret), "a secret was printed");
    assert.ok(!text.includes(encodeURIComponent(secret)), "a form-encoded secret was printed");
  }
}

describe("cxone-admin adapter: connecting", () => {
  it("discovers the token and API endpoints, uses the password grant with Basic client auth, and reads the BU zone", async () => {
    const s = await sim();
    const { c } = client(s);
    assert.deepEqual(await c.target(), { scheduleZone: DENVER }); // Mountain Standard Time
    const token = s.requests("token")[0];
    assert.equal((token?.body as Record<string, string> | undefined)?.grant_type, "password");
    assert.equal(token?.clientId, DEMO_CLIENT_ID, "the registered application, as HTTP Basic");
    assert.equal(s.countRequests("discovery"), 2, "openid-configuration, then cxone-configuration");
  });

  it("a wrong access key is refused naming CXONE_ACCESS_KEY_ID/SECRET, never the secret", async () => {
    const s = await sim();
    const { c } = client(s, {
      credentials: {
        accessKeyId: DEMO_ACCESS_KEY_ID,
        accessKeySecret: `${DEMO_ACCESS_KEY_SECRET}x`,
        clientId: DEMO_CLIENT_ID,
        clientSecret: DEMO_CLIENT_SECRET,
      },
    });
    await assert.rejects(c.readCampaigns(["101", "102"]), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError);
      assert.match(
        err.message,
        /access key "DWSIMACCESSKEY0001" was refused; check CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET/,
      );
      assertNoSecret(`${err.message} ${JSON.stringify(err)}`);
      return true;
    });
    assert.equal(s.countRequests("list"), 0, "nothing read without a token");
  });

  it("a wrong client secret is refused naming CXONE_CLIENT_ID/SECRET", async () => {
    const s = await sim();
    const { c } = client(s, {
      credentials: {
        accessKeyId: DEMO_ACCESS_KEY_ID,
        accessKeySecret: DEMO_ACCESS_KEY_SECRET,
        clientId: DEMO_CLIENT_ID,
        clientSecret: "not-the-secret",
      },
    });
    await assert.rejects(c.target(), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError);
      assert.match(
        err.message,
        /registered application's credentials were refused for client id .*check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET/,
      );
      assert.ok(!err.message.includes("not-the-secret"));
      return true;
    });
  });

  it("an unknown tenant in discovery names CXONE_TENANT_ID and the issuer", async () => {
    const s = await sim();
    const { c } = client(s, { tenantId: "00000000-0000-0000-0000-000000000000" });
    await assert.rejects(
      c.target(),
      /does not know tenant 00000000-0000-0000-0000-000000000000 \(404.*check CXONE_TENANT_ID/,
    );
  });

  it("discovery unreachable: a clear error naming cxone.issuer, after bounded retries", async () => {
    const port = await closedPort();
    const s = await sim();
    const { c, sleeps } = client(s, { issuer: `http://127.0.0.1:${port}`, maxRetries: 2 });
    await assert.rejects(
      c.target(),
      /cannot reach CXone's OpenID discovery at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration .*check cxone\.issuer/,
    );
    assert.equal(sleeps.length, 2);
  });

  it("a token without tenantId: an error asking for CXONE_TENANT_ID; with it set, it works", async () => {
    const s = await sim({ tenantIdClaim: false });
    const { c } = client(s);
    await assert.rejects(c.target(), /carries no tenantId claim.*set CXONE_TENANT_ID/);
    const { c: withTenant } = client(s, { tenantId: DEMO_TENANT_ID });
    assert.deepEqual(await withTenant.target(), { scheduleZone: DENVER });
  });

  it("a refused access token is refreshed with the refresh token, and a refused refresh token by a new grant", async () => {
    const s = await sim();
    const { c } = client(s);
    await c.target();
    s.revokeTokens(); // access and refresh tokens alike
    const live = await c.readCampaign("101");
    assert.ok(live);
    const grants = s.requests("token").map((t) => (t.body as Record<string, string>).grant_type);
    assert.deepEqual(grants, ["password", "refresh_token", "password"]);
  });

  it("cxone.scheduleTimezone wins over the business unit's zone (no business-unit call)", async () => {
    const s = await sim();
    const { c } = client(s, { scheduleTimezone: "America/Phoenix" });
    assert.deepEqual(await c.target(), { scheduleZone: "America/Phoenix" });
    assert.equal(s.countRequests("business-unit"), 0);
  });
});

describe("cxone-admin adapter: options", () => {
  it("transport options are checked as the tutorial profile checks them, before anything is sent", () => {
    // Port 1 on loopback: nothing listens, and nothing may be sent anyway.
    const admin = (o: Partial<AdminClientOptions>) => () =>
      createAdminClient({
        issuer: "http://127.0.0.1:1",
        apiVersion: "30.0",
        credentials: DEMO_CREDENTIALS,
        ...o,
      });
    const tutorial = (o: Partial<AdminClientOptions>) => () =>
      createTutorialClient({
        apiUrl: "http://127.0.0.1:1/api",
        tokenUrl: "http://127.0.0.1:1/token",
        clientId: DEMO_CLIENT_ID,
        clientSecret: DEMO_CLIENT_SECRET,
        scope: "read",
        requestsPerMinute: 60,
        ...o,
      });
    for (const make of [admin, tutorial]) {
      assert.throws(make({ maxRetries: -1 }), {
        code: "DW_USAGE",
        message: "maxRetries must be an integer >= 0, got -1",
      });
      assert.throws(make({ maxResponseBytes: { list: 0 } }), {
        code: "DW_USAGE",
        message: "maxResponseBytes.list must be a positive integer, got 0",
      });
    }
    assert.throws(admin({ issuer: "ftp://cxone.example.com" }), {
      code: "DW_USAGE",
      message:
        /^cxone\.issuer must be an http:\/\/ or https:\/\/ URL, not ftp:; dialwindow only speaks HTTP\(S\)\.$/,
    });
  });
});

describe("cxone-admin adapter: reading", () => {
  it("lists PC skills with skip/top across pages and reads them from the bulk answer", async () => {
    const s = await sim({ maxPageSize: 1 });
    const { c } = client(s, { pageSize: 1 });
    const read = await c.readCampaigns([], { includeUnrequested: true });
    assert.deepEqual([...read.campaigns.keys()].sort(), ["101", "102"], "the inbound skill is not listed");
    assert.equal(read.campaigns.get("101")?.name, "PC one");
    assert.ok(s.countRequests("list") >= 2, "paged");
    assert.equal(s.countRequests("get-schedule"), 0);
  });

  for (const mode of ["missing", "failing"] as const) {
    it(`a bulk read that answers ${mode === "missing" ? 404 : 500} falls back to one GET per skill, without retrying it`, async () => {
      const s = await sim({ bulkEndpoint: mode });
      const { c } = client(s);
      const read = await c.readCampaigns(["101", "102"]);
      assert.equal(read.campaigns.size, 2);
      assert.equal(s.countRequests("bulk"), 1);
      assert.equal(s.countRequests("get-schedule"), 2);
      assert.equal(c.bulkRead, mode === "missing" ? "missing" : "unknown");
    });
  }

  it("times with seconds read as the same schedule and the same version", async () => {
    const s = await sim();
    const { c } = client(s);
    const before = await c.readCampaign("101");
    s.configure({ timesWithSeconds: true });
    const viaGet = await c.readCampaign("101");
    const viaBulk = (await c.readCampaigns(["101", "102"])).campaigns.get("101");
    assert.deepEqual(viaGet?.schedule, before?.schedule);
    assert.equal(viaGet?.version, before?.version);
    assert.equal(viaBulk?.version, before?.version);
  });

  it("429 storms without Retry-After back off with full jitter, bounded, then succeed (or fail after the bound)", async () => {
    const s = await sim();
    const { c, sleeps } = client(s, { backoffBaseMs: 100, backoffCapMs: 1000, maxRetries: 4 });
    await c.target();
    s.injectFault({ kind: "get-schedule", times: 3, fault: 429 });
    assert.ok(await c.readCampaign("101"));
    // random() is 0.5: half of 100, 200, 400 ms.
    assert.deepEqual(sleeps, [50, 100, 200]);
    s.injectFault({ kind: "get-schedule", times: 10, fault: 429 });
    await assert.rejects(
      c.readCampaign("101"),
      (err: unknown) => err instanceof HttpError && err.status === 429,
    );
    s.clearFaults();
  });

  it("5xx on a GET is retried; a skill that does not exist, or is not PC, reads as absent", async () => {
    const s = await sim();
    const { c } = client(s);
    s.injectFault({ kind: "get-schedule", times: 2, fault: 503 });
    assert.ok(await c.readCampaign("101"));
    assert.equal(await c.readCampaign("999"), undefined);
    assert.equal(await c.readCampaign("900"), undefined);
  });
});

describe("cxone-admin adapter: writing", () => {
  const SATURDAY: Schedule = {
    ...WEEKDAYS,
    dialingHours: [...WEEKDAYS.dialingHours, { day: "SAT", startTime: "08:00", endTime: "12:00" }],
  };

  it("GET, compare, PUT all 22 fields wrapped, read back; returns the new version", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.clearRequests();
    const written = await c.writeSchedule("101", SATURDAY, live?.version as string);
    assert.deepEqual(
      s.requests().map((r) => r.kind),
      ["get-schedule", "put-schedule", "get-schedule"],
    );
    assert.notEqual(written.version, live?.version);
    assert.equal(s.scheduleSettings(101)?.saturdayIsActive, true);
    assert.equal(s.scheduleSettings(101)?.saturdayStartTime, "08:00");
  });

  it("a version that moved (a hand edit) is a VersionConflict before any PUT", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.editScheduleSettings(101, { sundayIsActive: true });
    await assert.rejects(c.writeSchedule("101", SATURDAY, live?.version as string), VersionConflictError);
    assert.equal(s.countRequests("put-schedule"), 0);
  });

  it("a PUT answered 400 is Rejected with CXone's reason", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.injectFault({
      kind: "put-schedule",
      fault: {
        type: "status",
        status: 400,
        body: { error: "InvalidSchedule", error_description: "Saturday is closed for this BU" },
      },
    });
    await assert.rejects(c.writeSchedule("101", SATURDAY, live?.version as string), (err: unknown) => {
      assert.ok(err instanceof RejectedError);
      assert.equal(err.answer, "400");
      assert.match(err.reason, /Saturday is closed for this BU/);
      return true;
    });
  });

  it("a PUT answered 500 is OutcomeUnknown and is not retried blindly", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.injectFault({ kind: "put-schedule", fault: 500 });
    await assert.rejects(c.writeSchedule("101", SATURDAY, live?.version as string), OutcomeUnknownError);
    assert.equal(s.countRequests("put-schedule"), 1);
  });

  it("a read-back that does not hold what was sent is reported, not retried", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.injectFault({ kind: "put-schedule", fault: "ignore-write" });
    await assert.rejects(c.writeSchedule("101", SATURDAY, live?.version as string), (err: unknown) => {
      assert.ok(err instanceof ReadBackMismatchError);
      assert.match(err.message, /accepted the schedule for skill 101 but holds another one when read back/);
      return true;
    });
    assert.equal(s.countRequests("put-schedule"), 1);
  });

  it("refuses what a PC skill cannot hold before sending anything", async () => {
    const s = await sim();
    const { c } = client(s);
    const live = await c.readCampaign("101");
    s.clearRequests();
    const twoOnMonday: Schedule = {
      ...WEEKDAYS,
      dialingHours: [...WEEKDAYS.dialingHours, { day: "MON", startTime: "16:00", endTime: "17:00" }],
    };
    await assert.rejects(c.writeSchedule("101", twoOnMonday, live?.version as string), /two windows on MON/);
    await assert.rejects(
      c.writeSchedule("101", { ...WEEKDAYS, timezone: "America/New_York" }, live?.version as string),
      /its times are in America\/New_York, but CXone reads this tenant's schedules in America\/Denver/,
    );
    assert.equal(s.countRequests(), 0);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
