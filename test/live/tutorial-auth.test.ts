import { strict as assert } from "node:assert";
import { test } from "node:test";
import { AuthenticationError } from "../../src/live/errors.js";
import {
  CAMPAIGN_PATH,
  CLIENT_ID,
  CLIENT_SECRET,
  campaign,
  campaignReply,
  idOf,
  SCOPE,
  TOKEN_PATH,
  tokenReply,
  withFake,
} from "./fake-cxone.js";

test("the token request is a form-encoded client-credentials grant with the scope", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, (req) => {
      assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
      assert.equal(req.headers.authorization, undefined);
      const form = new URLSearchParams(req.body);
      assert.deepEqual(Object.fromEntries(form), {
        grant_type: "client_credentials",
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        scope: SCOPE,
      });
      return tokenReply("tok-1");
    });
    server.expect("GET", "/api/v2/outbound/campaigns/42", campaignReply("tok-1"));
    const found = await client().readCampaign("42");
    assert.equal(found?.id, "42");
  }));

test("N concurrent reads share one cached token fetched by a single request", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, campaignReply("tok-1"), 8);
    const c = client({ concurrency: 3 });
    const ids = ["1", "2", "3", "4", "5", "6", "7", "8"];
    const read = await Promise.all(ids.map((id) => c.readCampaign(id)));
    assert.deepEqual(
      read.map((r) => r?.id),
      ids,
    );
    // A later read reuses the cached token too.
    server.expect("GET", CAMPAIGN_PATH, campaignReply("tok-1"));
    await c.readCampaign("9");
    assert.equal(server.count("POST", TOKEN_PATH), 1);
  }));

test("the token is refreshed shortly before expires_in, not after", () =>
  withFake(async ({ server, time, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1", 3600));
    server.expect("GET", CAMPAIGN_PATH, campaignReply("tok-1"), 2);
    const c = client();
    await c.readCampaign("1");
    time.advance(3600_000 - 61_000); // still more than a minute left: cached
    await c.readCampaign("1");
    assert.equal(server.count("POST", TOKEN_PATH), 1);

    time.advance(2_000); // under a minute left: refreshed before use
    server.expect("POST", TOKEN_PATH, tokenReply("tok-2", 3600));
    server.expect("GET", CAMPAIGN_PATH, campaignReply("tok-2"));
    await c.readCampaign("1");
    assert.equal(server.count("POST", TOKEN_PATH), 2);
  }));

test("a 401 mid-run refreshes the token once and retries the request once", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", "/api/v2/outbound/campaigns/7", (req) => {
      assert.equal(req.headers.authorization, "Bearer tok-1");
      return { status: 401, body: { error: "invalid_token" } };
    });
    server.expect("POST", TOKEN_PATH, tokenReply("tok-2"));
    server.expect("GET", "/api/v2/outbound/campaigns/7", campaignReply("tok-2"));
    const found = await client().readCampaign("7");
    assert.equal(found?.version, '"v1-7"');
  }));

test("concurrent requests refused with the same revoked token cause one refresh", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("POST", TOKEN_PATH, tokenReply("tok-2"));
    // All three were sent with tok-1 (they shared its fetch) and are refused.
    server.expect(
      "GET",
      CAMPAIGN_PATH,
      (req) => (req.headers.authorization === "Bearer tok-1" ? { status: 401 } : campaignReply("tok-2")(req)),
      6,
    );
    const c = client({ concurrency: 3 });
    const read = await Promise.all(["1", "2", "3"].map((id) => c.readCampaign(id)));
    assert.deepEqual(
      read.map((r) => r?.id),
      ["1", "2", "3"],
    );
    assert.equal(server.count("POST", TOKEN_PATH), 2);
  }));

test("a second 401 after a fresh token is an AuthenticationError, with no further attempts", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("POST", TOKEN_PATH, tokenReply("tok-2"));
    server.expect("GET", CAMPAIGN_PATH, { status: 401 }, 2);
    await assert.rejects(client().readCampaign("5"), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError);
      assert.equal(err.status, 401);
      assert.match(err.message, /401/);
      return true;
    });
  }));

test("refused credentials name the client id and the variables to check, never the secret", () =>
  withFake(async ({ server, client }) => {
    // The endpoint even echoes the secret back; it must not travel into the error.
    server.expect("POST", TOKEN_PATH, {
      status: 401,
      body: { error: "invalid_client", error_description: `client_secret ${CLIENT_SECRET} is wrong` },
    });
    await assert.rejects(client().readCampaign("5"), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError);
      assert.match(
        err.message,
        new RegExp(
          `credentials for client id "${CLIENT_ID}" .*refused|refused the credentials for client id "${CLIENT_ID}"`,
        ),
      );
      assert.match(err.message, /CXONE_CLIENT_ID/);
      assert.match(err.message, /CXONE_CLIENT_SECRET/);
      assert.match(err.message, /invalid_client/);
      const everything = JSON.stringify({ ...err, text: err.message, stack: err.stack });
      assert.ok(!everything.includes(CLIENT_SECRET), "the secret leaked into the error");
      return true;
    });
    // 400/401 from the token endpoint is not retried: the credentials will not get better.
    assert.equal(server.count("POST", TOKEN_PATH), 1);
  }));

test("a 400 invalid_grant from the token endpoint is an AuthenticationError too", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, { status: 400, body: { error: "invalid_scope" } });
    await assert.rejects(client().readCampaigns(["1"]), AuthenticationError);
  }));

test("a failed refresh is not cached: the next call asks again", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, { status: 401, body: { error: "invalid_client" } });
    const c = client();
    await assert.rejects(c.readCampaign("1"), AuthenticationError);
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, (req) => ({
      status: 200,
      headers: { etag: '"e"' },
      body: campaign(idOf(req)),
    }));
    assert.equal((await c.readCampaign("1"))?.id, "1");
  }));
