/**
 * Every response body dialwindow reads is capped: a hostile or broken server answering with a
 * body of any size costs at most the cap in memory, and the read fails with a typed error that
 * names the (redacted) URL and the limit. Each case is a real node:http server trying to send
 * 64 MiB; the assertion that it never finished writing is what shows the rest was not read.
 */
import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { resolveConfig } from "../../src/desired/config.js";
import { HttpError, ResponseTooLargeError } from "../../src/live/errors.js";
import { createTutorialClient, type TutorialClientOptions } from "../../src/live/tutorial-client.js";
import { attemptDelivery } from "../../src/notify/attempt.js";
import { loadWebhookTargets } from "../../src/notify/targets.js";
import { runInProcess } from "../helpers/cli.js";
import {
  type FloodOptions,
  type FloodServer,
  type Framing,
  startFloodServer,
} from "../helpers/flood-server.js";
import { newSecret } from "../helpers/receiver.js";
import { editFile, makeWorld } from "../helpers/world.js";
import { changeFor } from "../state/fixtures.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  campaign,
  FakeTime,
  SCOPE,
  StrictServer,
  tokenReply,
} from "./fake-cxone.js";

const FLOOD = 64 * 1024 * 1024;

async function withFlood(options: FloodOptions, body: (server: FloodServer) => Promise<void>): Promise<void> {
  const server = await startFloodServer(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** The flood server saw the client hang up long before it could write everything. */
async function assertCutShort(server: FloodServer, responses = 1): Promise<void> {
  await server.settled(responses);
  for (const result of server.results) {
    assert.equal(result.finished, false, `${result.path}: the whole body was read`);
    assert.ok(
      result.written < FLOOD / 4,
      `${result.path}: ${result.written} bytes went out before the hang-up`,
    );
  }
}

function client(apiUrl: string, tokenUrl: string, overrides: Partial<TutorialClientOptions> = {}) {
  const time = new FakeTime();
  return createTutorialClient({
    apiUrl,
    tokenUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scope: SCOPE,
    requestsPerMinute: 1_000_000,
    maxRetries: 0,
    now: time.now,
    sleep: time.sleep,
    ...overrides,
  });
}

/** A token from a well-behaved server, so the flood server only ever sees API calls. */
async function withTokenServer(body: (tokenUrl: string) => Promise<void>): Promise<void> {
  const tokens = await StrictServer.start();
  tokens.expect("POST", "/oauth/token", tokenReply("tok-1"));
  try {
    await body(`${tokens.url}/oauth/token`);
  } finally {
    await tokens.close();
  }
}

describe("CXone response bodies are capped", () => {
  for (const framing of ["content-length", "chunked", "close"] as Framing[]) {
    test(`a list page over the cap (${framing}) is RESPONSE_TOO_LARGE naming the URL and the limit`, () =>
      withTokenServer((tokenUrl) =>
        withFlood(
          { status: 200, bytes: FLOOD, framing, prefix: '{"items":[],"total":0,"pad":"' },
          async (server) => {
            // The default cap: 32 KiB per campaign at the default page size of 100.
            const c = client(`${server.url}/api/v2`, tokenUrl);
            try {
              await assert.rejects(c.readCampaigns(["1"]), (err: unknown) => {
                assert.ok(err instanceof ResponseTooLargeError, String(err));
                assert.equal(err.code, "RESPONSE_TOO_LARGE");
                assert.equal(err.limitBytes, 3_276_800);
                assert.match(
                  err.message,
                  /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/outbound\/campaigns\?page=1&pageSize=100 answered with a body over the 3276800-byte limit/,
                );
                assert.match(err.message, /cxone\.maxResponseBytes\.list/);
                return true;
              });
            } finally {
              await c.close();
            }
            await assertCutShort(server);
          },
        ),
      ));
  }

  test("a campaign over its configured cap is that campaign's problem; the limit is per kind", () =>
    withTokenServer((tokenUrl) =>
      withFlood({ status: 200, bytes: FLOOD, framing: "chunked" }, async (server) => {
        const c = client(`${server.url}/api/v2`, tokenUrl, { maxResponseBytes: { campaign: 10_000 } });
        try {
          await assert.rejects(c.readCampaign("42"), (err: unknown) => {
            assert.ok(err instanceof ResponseTooLargeError);
            assert.equal(err.limitBytes, 10_000);
            assert.match(
              err.message,
              /\/outbound\/campaigns\/42 answered with a body over the 10000-byte limit/,
            );
            assert.match(err.message, /cxone\.maxResponseBytes\.campaign/);
            return true;
          });
        } finally {
          await c.close();
        }
        await assertCutShort(server);
      }),
    ));

  test("a token response over the cap names the token URL with its secrets redacted", () =>
    withFlood({ status: 200, bytes: FLOOD, framing: "chunked" }, async (server) => {
      const c = client(`${server.url}/api/v2`, `${server.url}/oauth/token?api_key=k3y-do-not-print`);
      try {
        await assert.rejects(c.readCampaign("1"), (err: unknown) => {
          assert.ok(err instanceof ResponseTooLargeError);
          assert.equal(err.limitBytes, 65_536);
          assert.match(
            err.message,
            /^POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token\?api_key=%5Bredacted%5D answered/,
          );
          assert.match(err.message, /cxone\.maxResponseBytes\.token/);
          assert.ok(!JSON.stringify({ ...err, message: err.message }).includes("k3y-do-not-print"));
          return true;
        });
      } finally {
        await c.close();
      }
      await assertCutShort(server);
    }));

  test("an error status with a huge body stays that HTTP error, from an excerpt of the body", () =>
    withTokenServer((tokenUrl) =>
      withFlood(
        { status: 503, bytes: FLOOD, framing: "close", prefix: "upstream exploded " },
        async (server) => {
          const c = client(`${server.url}/api/v2`, tokenUrl);
          try {
            await assert.rejects(c.readCampaign("1"), (err: unknown) => {
              assert.ok(err instanceof HttpError, String(err));
              assert.equal(err.status, 503);
              assert.match(err.responseBody, /^upstream exploded/);
              return true;
            });
          } finally {
            await c.close();
          }
          await assertCutShort(server);
        },
      ),
    ));

  test("defaults fit a page of 1,000 campaigns with 35 dialing blocks each, at pageSize 1000", () => {
    const config = resolveConfig({ apiVersion: "dialwindow/v1", kind: "Config", cxone: { pageSize: 1000 } });
    const blocks = Array.from({ length: 35 }, (_, i) => ({
      day: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"][i % 7],
      startTime: `${String(8 + Math.floor(i / 7)).padStart(2, "0")}:00`,
      endTime: `${String(8 + Math.floor(i / 7)).padStart(2, "0")}:30`,
    }));
    const items = Array.from({ length: 1000 }, (_, i) => {
      const id = String(100000000000000000n + BigInt(i));
      return {
        ...campaign(id),
        name: `a campaign name of a typical length ${i}`,
        etag: `"W/${id}-etag"`,
        schedule: { ...campaign(id).schedule, dialingHours: blocks },
      };
    });
    const page = Buffer.byteLength(JSON.stringify({ items, total: 10_000 }));
    assert.ok(
      page * 4 < config.cxone.maxResponseBytes.list,
      `a ${page}-byte page needs headroom under the cap`,
    );
    assert.deepEqual(resolveConfig(undefined).cxone.maxResponseBytes, {
      token: 65_536,
      campaign: 1_048_576,
      list: 3_276_800,
      bulk: 33_554_432,
    });
    const set = resolveConfig({
      apiVersion: "dialwindow/v1",
      kind: "Config",
      cxone: { maxResponseBytes: { list: 50_000_000 } },
    });
    assert.equal(set.cxone.maxResponseBytes.list, 50_000_000);
    assert.equal(set.cxone.maxResponseBytes.token, 65_536);
  });
});

describe("cxone.maxResponseBytes in dialwindow.yaml", () => {
  test("plan against a list page over the configured cap fails, naming the setting to raise", async () => {
    const world = await makeWorld({ noWebhooks: true });
    await editFile(world, "dialwindow.yaml", (t) =>
      t.replace("  concurrency: 4\n", "  concurrency: 4\n  maxResponseBytes: { list: 1024 }\n"),
    );
    const plan = await runInProcess(["plan", "--dir", world.dir], { env: world.env });
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(
      plan.stderr,
      /outbound\/campaigns\?page=1&pageSize=100 answered with a body over the 1024-byte limit/,
    );
    assert.match(plan.stderr, /raise cxone\.maxResponseBytes\.list in dialwindow\.yaml/);
  });
});

describe("a webhook receiver's answer is read only as far as it is kept", () => {
  for (const [status, kind] of [
    [410, "permanent"],
    [200, "delivered"],
  ] as const) {
    test(`a ${status} with a 64 MiB body: ${kind}, an excerpt of at most 200 characters, the rest never read`, () =>
      withFlood(
        { status, bytes: FLOOD, framing: "chunked", prefix: "gone: ".padEnd(300, "g") },
        async (server) => {
          const [target] = loadWebhookTargets(
            [{ name: "wfm", url: `${server.url}/hook`, secretEnv: "WFM_SECRET" }],
            { WFM_SECRET: newSecret() },
          );
          const outcome = await attemptDelivery({
            target: target as NonNullable<typeof target>,
            change: changeFor(1),
            dispatcher: undefined,
            now: Date.now,
            timeoutMs: 30_000,
          });
          assert.equal(outcome.kind, kind);
          if (outcome.kind === "permanent") {
            assert.equal(outcome.status, 410);
            assert.match(outcome.error, /^HTTP 410: gone: g+…$/);
            assert.ok(outcome.error.length <= "HTTP 410: ".length + 201);
          }
          await assertCutShort(server);
        },
      ));
  }
});
