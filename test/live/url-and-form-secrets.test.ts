/**
 * Secrets as they travel, not only as written: the token request is form-encoded, so an
 * endpoint that echoes it quotes the client secret URL-encoded; and credentials can ride in
 * URLs (user:password@, ?access_token=) that dialwindow prints or writes to files.
 */
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveConfig } from "../../src/desired/config.js";
import { connect } from "../../src/live/connect.js";
import { redactUrl, scrub, urlWithoutCredentials } from "../../src/live/http.js";
import { createLogger, silentLogger } from "../../src/util/log.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { makeWorld } from "../helpers/world.js";
import { TOKEN_PATH, withFake } from "./fake-cxone.js";

// Base64 with all three characters that URL- and form-encoding change, and a space for good measure.
const SECRET = "Zm9v+c2Vj/cmV0PT0=Kw== x";
const spellings = (secret: string): string[] => [
  secret,
  encodeURIComponent(secret),
  new URLSearchParams({ s: secret }).toString().slice(2),
  encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
];

describe("the client secret in every spelling a server may echo", () => {
  it("a token endpoint echoing the form body leaks no form of the secret into errors or logs", () =>
    withFake(async ({ server, client }) => {
      const lines: string[] = [];
      const logger = createLogger({
        level: "debug",
        destination: { write: (s: string) => void lines.push(s) },
      });
      const errors: unknown[] = [];
      server.expect("POST", TOKEN_PATH, (req) => ({
        status: 401,
        body: { error: "invalid_client", echo: req.body },
      }));
      await client({ logger, clientSecret: SECRET, maxRetries: 0 })
        .readCampaign("1")
        .catch((e: unknown) => errors.push(e));
      server.expect("POST", TOKEN_PATH, (req) => ({ status: 500, body: `upstream got ${req.body}` }));
      await client({ logger, clientSecret: SECRET, maxRetries: 0 })
        .readCampaign("1")
        .catch((e: unknown) => errors.push(e));

      assert.equal(errors.length, 2);
      assert.ok(
        server.requests[0]?.body.includes(
          `client_secret=${new URLSearchParams({ s: SECRET }).toString().slice(2)}`,
        ),
      );
      const text = errors
        .map((e) => [(e as Error).message, (e as Error).stack, JSON.stringify(e)].join("\n"))
        .join("\n");
      for (const form of spellings(SECRET)) {
        assert.ok(!text.includes(form), `an error contains ${form}`);
        assert.ok(!lines.join("").includes(form), `a log line contains ${form}`);
      }
      assert.match(text, /client_secret=\[redacted\]/, "the echo is kept, with the secret removed");
    }));

  it("scrub removes URL-, form- and JSON-escaped forms, and any client_secret= value", () => {
    const body = `a=${encodeURIComponent(SECRET)} b=${encodeURIComponent(SECRET).toLowerCase()} c="${SECRET.replaceAll("/", "\\/")}" grant_type=client_credentials&client_secret=0ther-S3cret%2B&scope=x`;
    const out = scrub(body, [SECRET]);
    assert.doesNotMatch(out, /Zm9v|0ther-S3cret/);
    assert.match(out, /client_secret=\[redacted\]&scope=x/);
  });
});

describe("credentials inside URLs", () => {
  it("redactUrl removes userinfo and blanks sig, signature, token, api_key and secret parameters", () => {
    const out = redactUrl(
      "https://u:p4ss@h.example/x?sig=S1&Signature=S2&token=S3&api_key=S4&secret=S5&access_token=S6&page=2",
    );
    assert.doesNotMatch(out, /p4ss|u:|S[1-6]/);
    assert.match(out, /page=2/);
  });

  it("urlWithoutCredentials drops them entirely, and leaves a clean URL exactly as written", () => {
    assert.deepEqual(urlWithoutCredentials("https://u:p@h.example/api/v2?access_token=T&tenant=7"), {
      url: "https://h.example/api/v2?tenant=7",
      removed: true,
    });
    assert.deepEqual(urlWithoutCredentials("https://h.example/api/v2"), {
      url: "https://h.example/api/v2",
      removed: false,
    });
  });

  it("the connection target printed by plan and apply carries no credentials", async () => {
    const env = {
      CXONE_API_URL: "https://svc:pl4n-pass@acme.example/api/v2?access_token=pl4n-tok",
      CXONE_TOKEN_URL: "https://acme.example/oauth/token",
      CXONE_CLIENT_ID: "id",
      CXONE_CLIENT_SECRET: "secret",
    };
    const connection = connect(resolveConfig(undefined, env), env, { logger: silentLogger() });
    try {
      assert.doesNotMatch(connection.endpoint, /pl4n-pass|svc:|pl4n-tok/);
      assert.match(connection.endpoint, /^https:\/\/acme\.example\/api\/v2/);
    } finally {
      await connection.close();
    }
  });

  it("import writes dialwindow.yaml without the credentials CXONE_*_URL carry, and validate accepts it", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const out = await tempDir("dw-import-");
    const env = {
      ...world.env,
      CXONE_API_URL: world.env.CXONE_API_URL?.replace("://", "://svc:1mp0rt-pass@") ?? "",
      CXONE_TOKEN_URL: `${world.env.CXONE_TOKEN_URL}?api_key=1mp0rt-key`,
    };
    const imp = await runInProcess(["import", "--dir", out], { env, now: "2026-12-01T15:00:00Z" });
    assert.equal(imp.code, 0, imp.stdout + imp.stderr);
    const config = await readFile(join(out, "dialwindow.yaml"), "utf8");
    assert.doesNotMatch(config + imp.stdout + imp.stderr, /1mp0rt|svc:/);
    // A loopback URL (here the simulator's) is never committed; a real one would be, without its credentials.
    assert.doesNotMatch(config, /^ {2}(apiUrl|tokenUrl):/m);
    assert.match(config, /they were left out/);
    assert.doesNotMatch(imp.stdout, /DW150/);
  });
});
