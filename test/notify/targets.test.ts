import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scheduleUpdatedEvent, webhookBody } from "../../src/notify/payload.js";
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
} from "../../src/notify/retry-policy.js";
import { loadWebhookTargets, WebhookSecretError } from "../../src/notify/targets.js";
import { newSecret, verifySignature } from "../helpers/receiver.js";
import { changeFor } from "../state/fixtures.js";

const config = { name: "wfm", url: "https://wfm.example.com/hook", secretEnv: "WFM_WEBHOOK_SECRET" };

describe("loadWebhookTargets", () => {
  it("names the missing variable", () => {
    assert.throws(
      () => loadWebhookTargets([config], {}),
      (err: unknown) => {
        assert.ok(err instanceof WebhookSecretError);
        assert.equal(err.code, "DW_WEBHOOK_SECRET_MISSING");
        assert.equal(err.variable, "WFM_WEBHOOK_SECRET");
        assert.match(err.message, /WFM_WEBHOOK_SECRET is not set/);
        assert.match(err.message, /"wfm"/);
        return true;
      },
    );
  });

  it("treats an empty variable as missing", () => {
    assert.throws(() => loadWebhookTargets([config], { WFM_WEBHOOK_SECRET: "  " }), {
      code: "DW_WEBHOOK_SECRET_MISSING",
      message: /WFM_WEBHOOK_SECRET is set but empty \(as an unset CI secret is\): set it to/,
    });
  });

  it("rejects a value that is not a Standard Webhooks secret without echoing it", () => {
    const value = "whsec_not base64 at all!";
    assert.throws(
      () => loadWebhookTargets([config], { WFM_WEBHOOK_SECRET: value }),
      (err: unknown) => {
        assert.ok(err instanceof WebhookSecretError);
        assert.equal(err.code, "DW_WEBHOOK_SECRET_INVALID");
        assert.match(err.message, /WFM_WEBHOOK_SECRET/);
        assert.ok(!err.message.includes("not base64 at all"));
        assert.ok(!JSON.stringify(err).includes("not base64 at all"));
        return true;
      },
    );
  });

  it("rejects duplicate names and non-http urls, without echoing the url", () => {
    const env = { WFM_WEBHOOK_SECRET: newSecret() };
    assert.throws(() => loadWebhookTargets([config, config], env), { code: "DW_USAGE", message: /twice/ });
    assert.throws(() => loadWebhookTargets([{ ...config, url: "ftp://x/token123" }], env), {
      code: "DW_USAGE",
      message: /http:\/\/ or https:\/\//,
    });
    assert.throws(
      () => loadWebhookTargets([{ ...config, url: "not a url token123" }], env),
      (err: unknown) => err instanceof Error && !err.message.includes("token123"),
    );
  });

  it("signs per Standard Webhooks, checked by an independent verifier, and keeps the secret off the object", () => {
    const secret = newSecret();
    const [target] = loadWebhookTargets([config], { WFM_WEBHOOK_SECRET: secret });
    assert.ok(target);
    const body = webhookBody(changeFor(1));
    const at = new Date("2026-03-01T12:00:00.750Z");
    const signature = target.sign("chg_0001", at, body);
    assert.match(signature, /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.ok(verifySignature(secret, "chg_0001", "1772366400", body, signature));
    assert.ok(!verifySignature(newSecret(), "chg_0001", "1772366400", body, signature));
    assert.ok(!JSON.stringify(target).includes(secret.slice(6)));
  });
});

describe("webhook payload", () => {
  it("is the tutorial's event plus previous_schedule, revision and change_id", () => {
    const change = changeFor(3);
    assert.deepEqual(scheduleUpdatedEvent(change), {
      event: "CAMPAIGN_SCHEDULE_UPDATED",
      campaign_id: change.campaignId,
      schedule: change.after,
      previous_schedule: change.before,
      revision: change.revision,
      change_id: change.changeId,
      timestamp: change.at,
    });
    assert.equal(webhookBody(change), webhookBody(structuredClone(change)), "stable bytes");
  });
});

describe("retry policy", () => {
  it("retries 408, 429 and 5xx only", () => {
    for (const s of [408, 429, 500, 502, 503, 599]) assert.ok(isRetryableStatus(s), String(s));
    for (const s of [301, 400, 401, 403, 404, 410, 422]) assert.ok(!isRetryableStatus(s), String(s));
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    assert.equal(parseRetryAfterMs("7", now), 7000);
    assert.equal(parseRetryAfterMs(" 0 ", now), 0);
    assert.equal(parseRetryAfterMs("Sun, 01 Mar 2026 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfterMs("Sun, 01 Mar 2026 11:00:00 GMT", now), 0);
    assert.equal(parseRetryAfterMs("soon", now), undefined);
    assert.equal(parseRetryAfterMs(undefined, now), undefined);
  });

  it("backs off exponentially with full jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, policy, top)),
      [99, 199, 399, 799, 999, 999],
    );
    assert.equal(
      backoffDelayMs(3, policy, () => 0),
      0,
    );
    assert.equal(
      retryDelayMs(1, 2 * policy.maxRetryAfterMs, policy, top),
      policy.maxRetryAfterMs,
      "Retry-After is capped",
    );
    assert.equal(retryDelayMs(1, 2000, policy, top), 2000, "Retry-After beats backoff");
  });
});
