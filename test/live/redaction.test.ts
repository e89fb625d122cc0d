import { strict as assert } from "node:assert";
import { test } from "node:test";
import { HttpError } from "../../src/live/errors.js";
import { createLogger } from "../../src/util/log.js";
import { CAMPAIGN_PATH, CLIENT_SECRET, schedule, TOKEN_PATH, tokenReply, withFake } from "./fake-cxone.js";

const BEARER = "eyJhbGciOiJSUzI1NiJ9.bearer-token-payload.sig";
const BEARER2 = "eyJhbGciOiJSUzI1NiJ9.second-token.sig";

test("bearer tokens and the client secret never reach an error or a log line", () =>
  withFake(async ({ server, client }) => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      destination: { write: (s: string) => void lines.push(s) },
    });
    const c = client({ logger, maxRetries: 1 });
    const errors: unknown[] = [];

    // 1. A server error that quotes the Authorization header back, retried then given up.
    server.expect("POST", TOKEN_PATH, tokenReply(BEARER));
    server.expect(
      "GET",
      CAMPAIGN_PATH,
      (req) => ({
        status: 500,
        body: { message: `upstream rejected Authorization: ${req.headers.authorization}` },
      }),
      2,
    );
    await c.readCampaign("1").catch((e: unknown) => errors.push(e));

    // 2. A 401 that forces a refresh, then a 422 on a write whose reason quotes the token.
    server.expect("PATCH", CAMPAIGN_PATH, { status: 401 });
    server.expect("POST", TOKEN_PATH, tokenReply(BEARER2));
    server.expect("PATCH", CAMPAIGN_PATH, {
      status: 422,
      body: { message: `bad payload from token ${BEARER2}` },
    });
    await c.writeSchedule("1", schedule(), '"v1"').catch((e: unknown) => errors.push(e));

    // 3. A token endpoint that refuses and echoes the form it got.
    const d = client({ logger, maxRetries: 0 });
    server.expect("POST", TOKEN_PATH, (req) => ({
      status: 401,
      body: { error: "invalid_client", echo: req.body },
    }));
    await d.readCampaign("1").catch((e: unknown) => errors.push(e));

    // 4. A malformed token response that carries a token; the error must not quote it.
    const e2 = client({ logger, maxRetries: 0 });
    server.expect("POST", TOKEN_PATH, { status: 200, body: `{"access_token":"${BEARER}", "expires_in": ` });
    await e2.readCampaign("1").catch((e: unknown) => errors.push(e));

    assert.equal(errors.length, 4);
    const first = errors[0];
    assert.ok(first instanceof HttpError);
    assert.equal(first.request.headers.authorization, undefined);
    assert.deepEqual(Object.keys(first.request.headers).sort(), ["accept"]);

    const errorText = errors
      .map((e) => {
        const err = e as Error;
        return [
          err.message,
          err.stack,
          JSON.stringify(err),
          JSON.stringify((err as { cause?: unknown }).cause ?? null),
        ].join("\n");
      })
      .join("\n");
    const logText = lines.join("");
    assert.ok(lines.length > 5, "the run logged (so the check below can fail)");
    assert.match(logText, /"kind":"get"/);
    for (const secret of [BEARER, BEARER2, CLIENT_SECRET]) {
      assert.ok(!errorText.includes(secret), `an error contains ${secret}`);
      assert.ok(!logText.includes(secret), `a log line contains ${secret}`);
    }
    assert.match(errorText, /\[redacted\]/, "server text quoting a secret is kept, with the secret removed");
  }));
