import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_TENANT_ID,
} from "../../src/simulator/index.js";
import { basic, jwtPayload, PC_QUERY, pcSkill, withAdminSimulator } from "./admin-helpers.js";
import { ManualClock } from "./helpers.js";

const password = { grant_type: "password", username: DEMO_ACCESS_KEY_ID, password: DEMO_ACCESS_KEY_SECRET };
const seeded = { skills: [pcSkill(101)] };

describe("cxone-admin simulator: discovery", () => {
  it("gives the token endpoint from openid-configuration and the tenant's api_endpoint from cxone-configuration", async () => {
    await withAdminSimulator(seeded, async (sim, client) => {
      const openid = await client.fetch(`${sim.issuerUrl}/.well-known/openid-configuration`);
      assert.equal(openid.status, 200);
      const config = openid.json as { issuer: string; token_endpoint: string };
      assert.equal(config.issuer, sim.issuerUrl);
      assert.equal(config.token_endpoint, sim.tokenUrl);

      const cxone = await client.fetch(
        `${sim.issuerUrl}/.well-known/cxone-configuration?tenantId=${encodeURIComponent(DEMO_TENANT_ID)}`,
      );
      assert.equal(cxone.status, 200);
      const apiEndpoint = (cxone.json as { api_endpoint: string }).api_endpoint;
      assert.equal(apiEndpoint, sim.apiEndpoint);

      // The API lives under api_endpoint only: the issuer does not serve it.
      const token = await client.token();
      const fromIssuer = await client.fetch(
        `${sim.issuerUrl}/inContactAPI/services/v30.0/skills${PC_QUERY}`,
        "GET",
        { authorization: `Bearer ${token}` },
      );
      assert.equal(fromIssuer.status, 404);
      const fromApi = await client.fetch(
        `${apiEndpoint}/inContactAPI/services/v30.0/skills${PC_QUERY}`,
        "GET",
        {
          authorization: `Bearer ${token}`,
        },
      );
      assert.equal(fromApi.status, 200);
      assert.equal(sim.countRequests("discovery"), 2);
    });
  });

  it("answers 404 for an unknown tenant and 400 without a tenantId", async () => {
    await withAdminSimulator(seeded, async (sim, client) => {
      const unknown = await client.fetch(`${sim.issuerUrl}/.well-known/cxone-configuration?tenantId=nobody`);
      assert.equal(unknown.status, 404);
      assert.equal(typeof (unknown.json as { error_description: string }).error_description, "string");
      const missing = await client.fetch(`${sim.issuerUrl}/.well-known/cxone-configuration`);
      assert.equal(missing.status, 400);
    });
  });
});

describe("cxone-admin simulator: token endpoint", () => {
  it("grants a password grant (client by HTTP Basic) a JWT carrying tenantId, with expires_in and a refresh token", async () => {
    await withAdminSimulator({ ...seeded, tokenTtlSeconds: 900 }, async (sim, client) => {
      const reply = await client.tokenRequest(password, { authorization: basic() });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get("cache-control"), "no-store");
      const body = reply.json as Record<string, unknown>;
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 900);
      assert.equal(typeof body.refresh_token, "string");
      const claims = jwtPayload(body.access_token as string);
      assert.equal(claims.tenantId, DEMO_TENANT_ID);
      assert.equal(claims.tenantId, sim.tenantId);
      assert.equal(jwtPayload(body.id_token as string).tenantId, DEMO_TENANT_ID);
      const got = await client.getSchedule(101, body.access_token as string);
      assert.equal(got.status, 200);
    });
  });

  it("accepts the client credentials as form fields too, but not both ways at once", async () => {
    await withAdminSimulator(seeded, async (_sim, client) => {
      const form = { ...password, client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET };
      assert.equal((await client.tokenRequest(form)).status, 200);
      const both = await client.tokenRequest(form, { authorization: basic() });
      assert.equal(both.status, 400);
      assert.equal((both.json as { error: string }).error, "invalid_request");
    });
  });

  it("answers 401 invalid_grant for a wrong access key and 401 invalid_client for a wrong client secret", async () => {
    await withAdminSimulator(seeded, async (_sim, client) => {
      for (const form of [
        { ...password, password: `${DEMO_ACCESS_KEY_SECRET}x` },
        { ...password, username: "NOSUCHKEY" },
      ]) {
        const reply = await client.tokenRequest(form, { authorization: basic() });
        assert.equal(reply.status, 401);
        const body = reply.json as { error: string; error_description: string };
        assert.equal(body.error, "invalid_grant");
        assert.match(body.error_description, /access key/);
      }
      const wrongClient = await client.tokenRequest(password, {
        authorization: basic(DEMO_CLIENT_ID, "wrong"),
      });
      assert.equal(wrongClient.status, 401);
      assert.equal((wrongClient.json as { error: string }).error, "invalid_client");
    });
  });

  it("needs the access key secret form-encoded: its + and / and trailing = sent raw do not match", async () => {
    assert.match(DEMO_ACCESS_KEY_SECRET, /\+.*\/.*=$/);
    await withAdminSimulator(seeded, async (_sim, client) => {
      const raw = `grant_type=password&username=${DEMO_ACCESS_KEY_ID}&password=${DEMO_ACCESS_KEY_SECRET}`;
      const unencoded = await client.tokenRequest(raw, { authorization: basic() });
      assert.equal(unencoded.status, 401);
      assert.equal((unencoded.json as { error: string }).error, "invalid_grant");
      const encoded = `grant_type=password&username=${DEMO_ACCESS_KEY_ID}&password=${encodeURIComponent(DEMO_ACCESS_KEY_SECRET)}`;
      assert.equal((await client.tokenRequest(encoded, { authorization: basic() })).status, 200);
    });
  });

  it("answers 400 for a missing or unsupported grant type and for a body that is not a form", async () => {
    await withAdminSimulator(seeded, async (_sim, client) => {
      const none = await client.tokenRequest({ username: DEMO_ACCESS_KEY_ID }, { authorization: basic() });
      assert.deepEqual([none.status, (none.json as { error: string }).error], [400, "invalid_request"]);
      const other = await client.tokenRequest(
        { grant_type: "client_credentials" },
        { authorization: basic() },
      );
      assert.deepEqual(
        [other.status, (other.json as { error: string }).error],
        [400, "unsupported_grant_type"],
      );
      const json = await client.tokenRequest(JSON.stringify(password), {
        authorization: basic(),
        "content-type": "application/json",
      });
      assert.equal(json.status, 400);
    });
  });

  it("refreshes with the refresh token once: the new access token works, the spent refresh token does not", async () => {
    await withAdminSimulator(seeded, async (_sim, client) => {
      const first = await client.grant();
      const refresh = { grant_type: "refresh_token", refresh_token: first.refresh_token };
      const renewed = await client.tokenRequest(refresh, { authorization: basic() });
      assert.equal(renewed.status, 200);
      const body = renewed.json as { access_token: string; refresh_token: string };
      assert.notEqual(body.access_token, first.access_token);
      assert.equal(jwtPayload(body.access_token).tenantId, DEMO_TENANT_ID);
      assert.equal((await client.getSchedule(101, body.access_token)).status, 200);

      const again = await client.tokenRequest(refresh, { authorization: basic() });
      assert.equal(again.status, 401);
      assert.equal((again.json as { error: string }).error, "invalid_grant");
    });
  });

  it("issues tokens without the tenantId claim when told to (tenantIdClaim: false)", async () => {
    await withAdminSimulator({ ...seeded, tenantIdClaim: false }, async (_sim, client) => {
      const grant = await client.grant();
      assert.equal("tenantId" in jwtPayload(grant.access_token), false);
      assert.equal("tenantId" in jwtPayload(grant.id_token), false);
    });
  });

  it("keeps secrets out of the request log", async () => {
    await withAdminSimulator(seeded, async (sim, client) => {
      const grant = await client.grant();
      await client.tokenRequest(
        { grant_type: "refresh_token", refresh_token: grant.refresh_token },
        { authorization: basic() },
      );
      const logged = JSON.stringify(sim.requests("token"));
      assert.equal(sim.countRequests("token"), 2);
      for (const secret of [
        DEMO_ACCESS_KEY_SECRET,
        DEMO_CLIENT_SECRET,
        grant.refresh_token,
        grant.access_token,
      ]) {
        assert.equal(logged.includes(secret), false, `${secret} was logged`);
      }
      assert.equal(sim.requests("token")[0]?.clientId, DEMO_CLIENT_ID);
    });
  });
});

describe("cxone-admin simulator: bearer tokens on the API", () => {
  it("answers 401 without a token, with an unknown one, once it expires and once it is revoked", async () => {
    const clock = new ManualClock();
    await withAdminSimulator({ ...seeded, now: clock.now, tokenTtlSeconds: 60 }, async (sim, client) => {
      const none = await client.call("GET", "/skills/101/parameters/schedule-settings");
      assert.equal(none.status, 401);
      assert.equal((none.json as { error: string }).error, "invalid_token");
      assert.equal((await client.call("GET", "/business-unit", { token: "nope" })).status, 401);

      const token = await client.token();
      assert.equal((await client.getSchedule(101, token)).status, 200);
      clock.advance(60_000);
      assert.equal((await client.getSchedule(101, token)).status, 401);

      const fresh = await client.token();
      assert.equal(sim.revokeTokens(), 1);
      assert.equal((await client.getSchedule(101, fresh)).status, 401);
      assert.equal(sim.requests("get-schedule").at(-1)?.accessKeyId, undefined);
    });
  });

  it("records the access key and application behind each API call", async () => {
    await withAdminSimulator(seeded, async (sim, client) => {
      await client.getSchedule(101, await client.token());
      const entry = sim.requests("get-schedule")[0];
      assert.equal(entry?.accessKeyId, DEMO_ACCESS_KEY_ID);
      assert.equal(entry?.clientId, DEMO_CLIENT_ID);
      assert.equal(entry?.accept, "application/json");
      assert.equal(entry?.apiVersion, "30.0");
    });
  });
});
