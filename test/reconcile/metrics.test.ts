import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { register as globalRegistry } from "prom-client";
import { DaemonMetrics, RECONCILE_RESULTS } from "../../src/reconcile/metrics.js";
import { parsePromText, sampleValue } from "./prom-text.js";

async function samples(metrics: DaemonMetrics) {
  return parsePromText(await metrics.metricsText());
}

describe("DaemonMetrics", () => {
  it("starts every reconcile result at zero and names everything dialwindow_", async () => {
    const s = await samples(new DaemonMetrics());
    for (const result of RECONCILE_RESULTS) {
      assert.equal(sampleValue(s, "dialwindow_reconciles_total", { result }), 0, result);
    }
    assert.ok(s.length > 0);
    for (const sample of s) assert.match(sample.name, /^dialwindow_/);
    assert.equal(sampleValue(s, "dialwindow_last_successful_reconcile_timestamp_seconds"), 0);
  });

  it("counts reconciles by result with their durations", async () => {
    const m = new DaemonMetrics();
    m.recordReconcile("applied", 1_500);
    m.recordReconcile("applied", 500);
    m.recordReconcile("blocked", 20);
    const s = await samples(m);
    assert.equal(sampleValue(s, "dialwindow_reconciles_total", { result: "applied" }), 2);
    assert.equal(sampleValue(s, "dialwindow_reconciles_total", { result: "blocked" }), 1);
    assert.equal(sampleValue(s, "dialwindow_reconciles_total", { result: "noop" }), 0);
    assert.equal(sampleValue(s, "dialwindow_reconcile_duration_seconds_count", { result: "applied" }), 2);
    assert.equal(sampleValue(s, "dialwindow_reconcile_duration_seconds_sum", { result: "applied" }), 2);
    assert.equal(
      sampleValue(s, "dialwindow_reconcile_duration_seconds_bucket", { result: "applied", le: "1" }),
      1,
    );
  });

  it("turns the API client's request events into request counts, 429s and rate-limit waits", async () => {
    const m = new DaemonMetrics();
    m.recordRequest({ kind: "get", method: "GET", status: 200, durationMs: 40, rateLimitWaitMs: 0 });
    m.recordRequest({ kind: "get", method: "GET", status: 200, durationMs: 60, rateLimitWaitMs: 250 });
    m.recordRequest({ kind: "patch", method: "PATCH", status: 429, durationMs: 10, rateLimitWaitMs: 1_750 });
    m.recordRequest({
      kind: "patch",
      method: "PATCH",
      status: "timeout",
      durationMs: 30_000,
      rateLimitWaitMs: 0,
    });
    const s = await samples(m);
    const requests = (labels: Record<string, string>) =>
      sampleValue(s, "dialwindow_api_requests_total", labels);
    assert.equal(requests({ kind: "get", method: "GET", status: "200" }), 2);
    assert.equal(requests({ kind: "patch", method: "PATCH", status: "429" }), 1);
    assert.equal(requests({ kind: "patch", method: "PATCH", status: "timeout" }), 1);
    assert.equal(sampleValue(s, "dialwindow_api_429_responses_total", { kind: "patch" }), 1);
    assert.equal(sampleValue(s, "dialwindow_rate_limit_wait_seconds_total"), 2);
    assert.equal(sampleValue(s, "dialwindow_api_request_duration_seconds_count", { kind: "get" }), 2);
  });

  it("records webhooks, outbox, audit commits, drift, invalid files and times", async () => {
    const m = new DaemonMetrics();
    m.recordWebhookDelivery("wfm", "delivered");
    m.recordWebhookDelivery("wfm", "delivered");
    m.recordWebhookDelivery("wfm", "dead");
    m.setOutboxDepth(3);
    m.recordAuditCommit();
    m.recordAuditCommit(2);
    m.setDriftedCampaigns(4);
    m.setInvalidFiles(1);
    m.setQueueDepth(7);
    m.markReconcileSuccess(new Date("2026-07-15T17:30:00Z"));
    m.setNextTransition(new Date("2026-12-19T06:00:00Z"));
    let s = await samples(m);
    assert.equal(
      sampleValue(s, "dialwindow_webhook_deliveries_total", { target: "wfm", result: "delivered" }),
      2,
    );
    assert.equal(sampleValue(s, "dialwindow_webhook_deliveries_total", { target: "wfm", result: "dead" }), 1);
    assert.equal(sampleValue(s, "dialwindow_webhook_outbox_depth"), 3);
    assert.equal(sampleValue(s, "dialwindow_audit_commits_total"), 3);
    assert.equal(sampleValue(s, "dialwindow_drifted_campaigns"), 4);
    assert.equal(sampleValue(s, "dialwindow_invalid_desired_state_files"), 1);
    assert.equal(sampleValue(s, "dialwindow_work_queue_depth"), 7);
    assert.equal(
      sampleValue(s, "dialwindow_last_successful_reconcile_timestamp_seconds"),
      Date.parse("2026-07-15T17:30:00Z") / 1000,
    );
    assert.equal(
      sampleValue(s, "dialwindow_next_transition_timestamp_seconds"),
      Date.parse("2026-12-19T06:00:00Z") / 1000,
    );
    m.setNextTransition(null);
    s = await samples(m);
    assert.equal(sampleValue(s, "dialwindow_next_transition_timestamp_seconds"), 0);
  });

  it("keeps each instance's metrics to itself and out of prom-client's global registry", async () => {
    const a = new DaemonMetrics();
    const b = new DaemonMetrics();
    a.recordReconcile("failed", 10);
    a.recordAuditCommit();
    const sa = await samples(a);
    const sb = await samples(b);
    assert.equal(sampleValue(sa, "dialwindow_reconciles_total", { result: "failed" }), 1);
    assert.equal(sampleValue(sb, "dialwindow_reconciles_total", { result: "failed" }), 0);
    assert.equal(sampleValue(sb, "dialwindow_audit_commits_total"), 0);
    const global = await globalRegistry.getMetricsAsJSON();
    assert.equal(
      global.filter((metric) => metric.name.startsWith("dialwindow_")).length,
      0,
      "nothing registered globally",
    );
  });
});
