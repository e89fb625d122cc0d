import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { test } from "node:test";
import {
  HttpError,
  NetworkError,
  PreconditionFailedError,
  ProtocolError,
  TimeoutError,
  UnprocessableError,
} from "../../src/live/errors.js";
import { OutcomeUnknownError, RejectedError, VersionConflictError } from "../../src/live/port.js";
import type { RequestEvent } from "../../src/live/tutorial-client.js";
import {
  CAMPAIGN_PATH,
  campaign,
  campaignReply,
  clientFor,
  FakeTime,
  type StrictServer,
  schedule,
  TOKEN_PATH,
  tokenReply,
  withFake,
} from "./fake-cxone.js";

test("429 with Retry-After in seconds is waited out exactly, then the request succeeds", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 429, headers: { "retry-after": "7" } });
    server.expect("GET", CAMPAIGN_PATH, campaignReply());
    const found = await client().readCampaign("1");
    assert.equal(found?.id, "1");
    assert.deepEqual(time.sleeps, [7000]);
  }));

test("429 with Retry-After as an HTTP-date waits until that date", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, () => ({
      status: 429,
      headers: { "retry-after": new Date(time.now() + 12_000).toUTCString() },
    }));
    server.expect("GET", CAMPAIGN_PATH, campaignReply());
    await client().readCampaign("1");
    assert.deepEqual(time.sleeps, [12_000]);
  }));

test("a Retry-After beyond the allowed wait fails at once with the 429 and its Retry-After", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 429, headers: { "retry-after": "900" } });
    await assert.rejects(client({ maxRetryAfterMs: 60_000 }).readCampaign("1"), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 429);
      assert.equal(err.retryAfterSeconds, 900);
      return true;
    });
    assert.deepEqual(time.sleeps, []);
  }));

test("500 and 503 are retried with exponential full-jitter backoff, then succeed", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 500, body: "boom" });
    server.expect("GET", CAMPAIGN_PATH, { status: 503 });
    server.expect("GET", CAMPAIGN_PATH, campaignReply());
    const events: RequestEvent[] = [];
    const found = await client({ onRequest: (e) => events.push(e) }).readCampaign("1");
    assert.equal(found?.id, "1");
    // random() = 0.5, base 100 ms: half of 100, then half of 200.
    assert.deepEqual(time.sleeps, [50, 100]);
    assert.deepEqual(
      events.map((e) => [e.kind, e.method, e.status]),
      [
        ["token", "POST", 200],
        ["get", "GET", 500],
        ["get", "GET", 503],
        ["get", "GET", 200],
      ],
    );
  }));

test("backoff never exceeds the cap", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 502 }, 6);
    server.expect("GET", CAMPAIGN_PATH, campaignReply());
    await client({ maxRetries: 6, random: () => 0.999, backoffBaseMs: 100, backoffCapMs: 300 }).readCampaign(
      "1",
    );
    assert.deepEqual(time.sleeps, [99, 199, 299, 299, 299, 299]);
  }));

test("when retries run out the last answer is an HttpError carrying its status", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 503, body: { message: "maintenance" } }, 4);
    await assert.rejects(client({ maxRetries: 3 }).readCampaign("1"), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.ok(!(err instanceof NetworkError));
      assert.equal(err.status, 503);
      assert.equal(err.code, "HTTP_503");
      assert.equal(err.method, "GET");
      assert.match(err.url, /\/outbound\/campaigns\/1$/);
      assert.match(err.message, /maintenance/);
      assert.equal(err.request.headers.authorization, undefined);
      return true;
    });
    assert.equal(time.sleeps.length, 3);
  }));

test("a dropped connection is retried as a network error", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 200, destroy: true });
    server.expect("GET", CAMPAIGN_PATH, campaignReply());
    assert.equal((await client().readCampaign("1"))?.id, "1");
  }));

test("connection refused is a NetworkError, not an HttpError, after bounded retries", async () => {
  const port = await freePort();
  const time = new FakeTime();
  const events: RequestEvent[] = [];
  const fake = { url: `http://127.0.0.1:${port}` } as StrictServer;
  const c = clientFor(fake, time, { maxRetries: 2, onRequest: (e) => events.push(e) });
  try {
    await assert.rejects(c.readCampaign("1"), (err: unknown) => {
      assert.ok(err instanceof NetworkError);
      assert.ok(!(err instanceof TimeoutError));
      assert.ok(!(err instanceof HttpError));
      assert.equal(err.code, "NETWORK");
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    // The token request itself could not connect: 1 attempt + 2 retries.
    assert.deepEqual(
      events.map((e) => [e.kind, e.status]),
      [
        ["token", "network"],
        ["token", "network"],
        ["token", "network"],
      ],
    );
    assert.equal(time.sleeps.length, 2);
  } finally {
    await c.close();
  }
});
// Timeouts here are 750 ms, not less: under a loaded CI machine, connecting to loopback alone can take 100 ms.

test("a server that never answers is a TimeoutError, distinct from HttpError", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 200, hang: true }, 2);
    const events: RequestEvent[] = [];
    await assert.rejects(
      client({ timeoutMs: 750, maxRetries: 1, onRequest: (e) => events.push(e) }).readCampaign("1"),
      (err: unknown) => {
        assert.ok(err instanceof TimeoutError);
        assert.ok(!(err instanceof HttpError));
        assert.equal(err.code, "TIMEOUT");
        assert.equal(err.timeoutMs, 750);
        return true;
      },
    );
    assert.deepEqual(
      events.map((e) => e.status),
      [200, "timeout", "timeout"],
    );
  }));

test("a body that stops arriving halfway is a TimeoutError too", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 200, stallBody: true });
    await assert.rejects(client({ timeoutMs: 750, maxRetries: 0 }).readCampaign("1"), TimeoutError);
  }));

test("412 is the port's VersionConflictError (caused by a PreconditionFailedError) and is not retried", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, { status: 412, body: { message: "etag mismatch" } });
    await assert.rejects(client().writeSchedule("1", schedule(), '"v1"'), (err: unknown) => {
      assert.ok(err instanceof VersionConflictError);
      assert.ok(err.cause instanceof PreconditionFailedError);
      assert.equal(err.cause.status, 412);
      return true;
    });
    assert.deepEqual(time.sleeps, []);
  }));

test("422 is the port's RejectedError (caused by an UnprocessableError) carrying the API's reason, not retried", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, {
      status: 422,
      body: { message: "Maximum 5 schedule blocks allowed for this licence tier" },
    });
    await assert.rejects(client().writeSchedule("1", schedule(), '"v1"'), (err: unknown) => {
      assert.ok(err instanceof RejectedError);
      assert.ok(err.cause instanceof UnprocessableError);
      assert.equal(err.cause.status, 422);
      assert.match(err.message, /Maximum 5 schedule blocks allowed for this licence tier/);
      return true;
    });
    assert.deepEqual(time.sleeps, []);
  }));

test("a PATCH whose answer was lost is not retried blindly: the caller settles it by reading again", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, (req) => {
      assert.equal(req.headers["if-match"], '"v1"');
      return { status: 200, destroy: true };
    });
    // A retry would only see 412 whether the first attempt landed or someone else wrote: the
    // client leaves that to the caller (apply re-reads the campaign), so no second PATCH.
    await assert.rejects(client().writeSchedule("1", schedule(), '"v1"'), (err: unknown) => {
      assert.ok(err instanceof OutcomeUnknownError);
      assert.ok(err.cause instanceof NetworkError);
      return true;
    });
  }));

test("a PATCH answered 503 is not retried blindly either; a 429 is (it was refused before being processed)", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, { status: 429, headers: { "retry-after": "0" } });
    server.expect("PATCH", CAMPAIGN_PATH, { status: 503 });
    await assert.rejects(client().writeSchedule("1", schedule(), '"v1"'), (err: unknown) => {
      assert.ok(err instanceof OutcomeUnknownError);
      assert.ok(err.cause instanceof HttpError);
      assert.equal(err.cause.status, 503);
      return true;
    });
  }));

test("malformed JSON from a GET is a ProtocolError", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, {
      status: 200,
      headers: { etag: '"e"' },
      body: '{"id": "1", "sched',
    });
    await assert.rejects(client().readCampaign("1"), (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.match(err.message, /not valid JSON/);
      return true;
    });
  }));

test("a GET answered 404 means the campaign does not exist", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", "/api/v2/outbound/campaigns/404404", { status: 404 });
    assert.equal(await client().readCampaign("404404"), undefined);
  }));

test("a GET that returns another campaign than the one asked for is a ProtocolError", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 200, headers: { etag: '"e"' }, body: campaign("2") });
    await assert.rejects(client().readCampaign("1"), /asked for campaign 1 but the API returned campaign 2/);
  }));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
