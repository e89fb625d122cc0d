import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../src/simulator/index.js";
import { BOTH_SCOPES, campaign, ManualClock, withSimulator } from "./helpers.js";

const seeded = { campaigns: [campaign("100")] };

describe("simulator: OAuth token endpoint", () => {
  it("issues an opaque bearer token that opens the API", async () => {
    await withSimulator({ ...seeded, tokenTtlSeconds: 900 }, async (_sim, client) => {
      const reply = await client.tokenRequest({
        grant_type: "client_credentials",
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        scope: BOTH_SCOPES,
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get("cache-control"), "no-store");
      const body = reply.json as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "token_type"]);
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 900);
      assert.equal(typeof body.access_token, "string");
      const got = await client.get("100", body.access_token as string);
      assert.equal(got.status, 200);
    });
  });

  it("issues a different token on every request", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      assert.notEqual(await client.token(), await client.token());
    });
  });

  it("accepts client credentials by HTTP Basic", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      const basic = Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString("base64");
      const reply = await client.tokenRequest(
        { grant_type: "client_credentials", scope: BOTH_SCOPES },
        { authorization: `Basic ${basic}` },
      );
      assert.equal(reply.status, 200);
    });
  });

  it("answers 401 invalid_client for a wrong secret or an unknown client", async () => {
    await withSimulator(seeded, async (sim, client) => {
      for (const [id, secret] of [
        [DEMO_CLIENT_ID, "wrong"],
        ["nobody", DEMO_CLIENT_SECRET],
      ] as const) {
        const reply = await client.tokenRequest({
          grant_type: "client_credentials",
          client_id: id,
          client_secret: secret,
          scope: BOTH_SCOPES,
        });
        assert.equal(reply.status, 401);
        assert.equal((reply.json as { error: string }).error, "invalid_client");
      }
      const missing = await client.tokenRequest({ grant_type: "client_credentials", scope: BOTH_SCOPES });
      assert.equal(missing.status, 401);
      assert.equal(sim.countRequests("token"), 3);
    });
  });

  it("answers 400 unsupported_grant_type for another grant, invalid_request without one", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      const credentials = {
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        scope: BOTH_SCOPES,
      };
      const password = await client.tokenRequest({ ...credentials, grant_type: "password" });
      assert.equal(password.status, 400);
      assert.equal((password.json as { error: string }).error, "unsupported_grant_type");
      const none = await client.tokenRequest(credentials);
      assert.equal(none.status, 400);
      assert.equal((none.json as { error: string }).error, "invalid_request");
    });
  });

  it("rejects a JSON token request, an unknown scope and two ways of authenticating at once", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const json = await fetch(sim.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ grant_type: "client_credentials", client_id: DEMO_CLIENT_ID }),
      });
      assert.equal(json.status, 400);
      assert.equal(((await json.json()) as { error: string }).error, "invalid_request");

      const scope = await client.tokenRequest({
        grant_type: "client_credentials",
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        scope: "outbound:campaign:delete",
      });
      assert.equal(scope.status, 400);
      assert.equal((scope.json as { error: string }).error, "invalid_scope");

      const basic = Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString("base64");
      const both = await client.tokenRequest(
        { grant_type: "client_credentials", client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET },
        { authorization: `Basic ${basic}` },
      );
      assert.equal(both.status, 400);
    });
  });

  it("logs token requests with the client id and without the secret", async () => {
    await withSimulator(seeded, async (sim, client) => {
      await client.token();
      const [entry] = sim.requests("token");
      assert.equal(entry?.clientId, DEMO_CLIENT_ID);
      assert.equal(entry?.status, 200);
      assert.equal((entry?.body as Record<string, string> | undefined)?.client_secret, "[redacted]");
      assert.ok(!JSON.stringify(sim.requests()).includes(DEMO_CLIENT_SECRET));
    });
  });

  it("serves several configured clients", async () => {
    await withSimulator(
      { ...seeded, clients: { alpha: "a-secret", beta: "b-secret" } },
      async (_sim, client) => {
        assert.equal(
          (await client.get("100", await client.token(BOTH_SCOPES, "beta", "b-secret"))).status,
          200,
        );
        await assert.rejects(client.token(BOTH_SCOPES, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), /401/);
      },
    );
  });
});

describe("simulator: bearer tokens on API calls", () => {
  function assertInvalidToken(reply: { status: number; headers: Headers; json: unknown }): void {
    assert.equal(reply.status, 401);
    assert.equal(reply.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    assert.equal((reply.json as { error: string }).error, "invalid_token");
  }

  it("answers 401 without a token, with an unknown one, and with a non-Bearer scheme", async () => {
    await withSimulator(seeded, async (_sim, client) => {
      assertInvalidToken(await client.call("GET", "/outbound/campaigns/100"));
      assertInvalidToken(await client.get("100", "made-up-token"));
      const basic = Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString("base64");
      assertInvalidToken(
        await client.call("GET", "/outbound/campaigns/100", { headers: { authorization: `Basic ${basic}` } }),
      );
    });
  });

  it("expires tokens by the injected clock", async () => {
    const clock = new ManualClock();
    await withSimulator({ ...seeded, now: clock.now, tokenTtlSeconds: 60 }, async (_sim, client) => {
      const token = await client.token();
      clock.advance(59_999);
      assert.equal((await client.get("100", token)).status, 200);
      clock.advance(1);
      assertInvalidToken(await client.get("100", token));
      // Expiry is not revocation of the client: a new token works.
      assert.equal((await client.get("100", await client.token())).status, 200);
    });
  });

  it("revokes all tokens, or one client's", async () => {
    await withSimulator(
      { ...seeded, clients: { alpha: "a-secret", beta: "b-secret" } },
      async (sim, client) => {
        const alpha = await client.token(BOTH_SCOPES, "alpha", "a-secret");
        const beta = await client.token(BOTH_SCOPES, "beta", "b-secret");
        assert.equal(sim.revokeTokens("alpha"), 1);
        assertInvalidToken(await client.get("100", alpha));
        assert.equal((await client.get("100", beta)).status, 200);
        assert.equal(sim.revokeTokens(), 1);
        assertInvalidToken(await client.get("100", beta));
      },
    );
  });

  it("answers 403 to a PATCH with a read-only token, and to reads without the read scope", async () => {
    await withSimulator(seeded, async (sim, client) => {
      const readOnly = await client.token("outbound:campaign:read");
      const got = await client.get("100", readOnly);
      assert.equal(got.status, 200);
      const etag = got.headers.get("etag") ?? "";
      const patched = await client.patch("100", sim.getCampaign("100")?.schedule, etag, readOnly);
      assert.equal(patched.status, 403);
      assert.equal((patched.json as { error: string }).error, "insufficient_scope");
      assert.equal(sim.getCampaign("100")?.etag, etag, "a refused PATCH must not write");

      const noScope = await client.token("");
      assert.equal((await client.get("100", noScope)).status, 403);
      assert.equal((await client.list(noScope, "")).status, 403);
    });
  });

  it("records the token's client on every API call", async () => {
    await withSimulator(seeded, async (sim, client) => {
      await client.get("100", await client.token());
      assert.equal(sim.requests("get")[0]?.clientId, DEMO_CLIENT_ID);
    });
  });
});
