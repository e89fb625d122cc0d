/**
 * The daemon's Prometheus metrics. Each instance owns its registry: prom-client's global
 * default registry is module state, and two daemons (or two tests) in one process would
 * otherwise fail with "metric already registered" or, worse, count into each other.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RequestEvent } from "../live/transport.js";
import { CAMPAIGN_STATES, type CampaignState } from "./campaign-status.js";
import { FAILURE_REASONS, type FailureReason } from "./failure-reason.js";

const METRICS_PREFIX = "dialwindow_";

export const RECONCILE_RESULTS = ["noop", "applied", "failed", "blocked", "held", "drift_reported"] as const;
/**
 * noop: live already matched; applied: written; failed: an error; blocked: its file or the
 * desired state is invalid, so nothing was written; held: a deny sync window holds the write;
 * drift_reported: report mode saw drift and wrote nothing.
 */
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** Mirrors the outbox: delivered, will be retried, or moved to the dead-letter list. */
export const WEBHOOK_RESULTS = ["delivered", "retrying", "dead"] as const;
export type WebhookDeliveryResult = (typeof WEBHOOK_RESULTS)[number];

const SECONDS = 1000;

export class DaemonMetrics {
  readonly registry: Registry;
  readonly #reconciles: Counter<"result">;
  readonly #reconcileDuration: Histogram<"result">;
  readonly #drifted: Gauge;
  readonly #apiRequests: Counter<"kind" | "method" | "status">;
  readonly #apiDuration: Histogram<"kind">;
  readonly #rateLimitWait: Counter;
  readonly #throttled: Counter<"kind">;
  readonly #webhooks: Counter<"target" | "result">;
  readonly #outboxDepth: Gauge;
  readonly #auditCommits: Counter;
  readonly #lastSuccess: Gauge;
  readonly #nextTransition: Gauge;
  readonly #invalidFiles: Gauge;
  readonly #queueDepth: Gauge;
  readonly #campaigns: Gauge<"state">;
  readonly #problems: Gauge<"reason">;
  readonly #failures: Counter<"reason">;

  constructor() {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    const name = (suffix: string) => `${METRICS_PREFIX}${suffix}`;

    this.#reconciles = new Counter({
      name: name("reconciles_total"),
      help: "Campaign reconciles by result (noop, applied, failed, blocked, held, drift_reported).",
      labelNames: ["result"],
      registers,
    });
    this.#reconcileDuration = new Histogram({
      name: name("reconcile_duration_seconds"),
      help: "Time to reconcile one campaign, by result.",
      labelNames: ["result"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#drifted = new Gauge({
      name: name("drifted_campaigns"),
      help: "Campaigns whose live schedule differed from the desired one at the last look.",
      registers,
    });
    this.#apiRequests = new Counter({
      name: name("api_requests_total"),
      help: "HTTP attempts to the CXone API by kind (token, list, get, patch), method and status (a code, network or timeout).",
      labelNames: ["kind", "method", "status"],
      registers,
    });
    this.#apiDuration = new Histogram({
      name: name("api_request_duration_seconds"),
      help: "Duration of one HTTP attempt to the CXone API, excluding the rate-limit wait.",
      labelNames: ["kind"],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#rateLimitWait = new Counter({
      name: name("rate_limit_wait_seconds_total"),
      help: "Time requests spent waiting for the client-side rate budget.",
      registers,
    });
    this.#throttled = new Counter({
      name: name("api_429_responses_total"),
      help: "429 Too Many Requests answers from the CXone API; above zero means the budget is set too high.",
      labelNames: ["kind"],
      registers,
    });
    this.#webhooks = new Counter({
      name: name("webhook_deliveries_total"),
      help: "WFM webhook delivery attempts by target and result (delivered, retrying, dead).",
      labelNames: ["target", "result"],
      registers,
    });
    this.#outboxDepth = new Gauge({
      name: name("webhook_outbox_depth"),
      help: "Webhook deliveries waiting in the outbox (pending and retrying, not dead letters).",
      registers,
    });
    this.#auditCommits = new Counter({
      name: name("audit_commits_total"),
      help: "Audit trail commits made.",
      registers,
    });
    this.#lastSuccess = new Gauge({
      name: name("last_successful_reconcile_timestamp_seconds"),
      help: "When a full reconcile last finished without errors (Unix seconds; 0 = not yet).",
      registers,
    });
    this.#nextTransition = new Gauge({
      name: name("next_transition_timestamp_seconds"),
      help: "When the effective schedule next changes (holiday or override boundary, or a clock change that moves a translated window; Unix seconds; 0 = none known).",
      registers,
    });
    this.#invalidFiles = new Gauge({
      name: name("invalid_desired_state_files"),
      help: "Desired-state files with errors; the campaigns they affect are not written until they are fixed.",
      registers,
    });
    this.#queueDepth = new Gauge({
      name: name("work_queue_depth"),
      help: "Campaigns waiting in the reconcile work queue.",
      registers,
    });

    this.#campaigns = new Gauge({
      name: name("campaigns"),
      help: "Managed campaigns by state: in_sync, drifted (seen different, not written), blocked (not written: its file or the desired state is invalid), failing (retried). Campaigns not looked at yet are in none.",
      labelNames: ["state"],
      registers,
    });
    this.#problems = new Gauge({
      name: name("campaign_problems"),
      help: `Blocked and failing campaigns by reason (${FAILURE_REASONS.join(", ")}); /status lists them.`,
      labelNames: ["reason"],
      registers,
    });
    this.#failures = new Counter({
      name: name("campaign_failures_total"),
      help: "Failed attempts to reconcile a campaign, by reason; every retry counts.",
      labelNames: ["reason"],
      registers,
    });

    // Known label values start at zero, so rate() and alerts work before the first event.
    for (const result of RECONCILE_RESULTS) this.#reconciles.inc({ result }, 0);
    for (const state of CAMPAIGN_STATES) this.#campaigns.set({ state }, 0);
    for (const reason of FAILURE_REASONS) {
      this.#problems.set({ reason }, 0);
      this.#failures.inc({ reason }, 0);
    }
  }

  /** One campaign reconciled, with how long it took. */
  recordReconcile(result: ReconcileResult, durationMs: number): void {
    this.#reconciles.inc({ result });
    this.#reconcileDuration.observe({ result }, Math.max(0, durationMs) / SECONDS);
  }

  setDriftedCampaigns(count: number): void {
    this.#drifted.set(count);
  }

  /** Feed the API client's `onRequest` hook straight into this. */
  recordRequest(event: RequestEvent): void {
    const status = String(event.status);
    this.#apiRequests.inc({ kind: event.kind, method: event.method, status });
    this.#apiDuration.observe({ kind: event.kind }, Math.max(0, event.durationMs) / SECONDS);
    if (event.rateLimitWaitMs > 0) this.#rateLimitWait.inc(event.rateLimitWaitMs / SECONDS);
    if (event.status === 429) this.#throttled.inc({ kind: event.kind });
  }

  recordWebhookDelivery(target: string, result: WebhookDeliveryResult): void {
    this.#webhooks.inc({ target, result });
  }

  setOutboxDepth(count: number): void {
    this.#outboxDepth.set(count);
  }

  recordAuditCommit(count = 1): void {
    this.#auditCommits.inc(count);
  }

  markReconcileSuccess(at: Date): void {
    this.#lastSuccess.set(at.getTime() / SECONDS);
  }

  /** null: no transition ahead (exported as 0). */
  setNextTransition(at: Date | null): void {
    this.#nextTransition.set(at === null ? 0 : at.getTime() / SECONDS);
  }

  setInvalidFiles(count: number): void {
    this.#invalidFiles.set(count);
  }

  setQueueDepth(count: number): void {
    this.#queueDepth.set(count);
  }

  setCampaignStates(counts: Readonly<Record<CampaignState, number>>): void {
    for (const state of CAMPAIGN_STATES) this.#campaigns.set({ state }, counts[state]);
  }

  /** Blocked and failing campaigns per reason; reasons left out are zero. */
  setCampaignProblems(byReason: ReadonlyMap<FailureReason, number>): void {
    for (const reason of FAILURE_REASONS) this.#problems.set({ reason }, byReason.get(reason) ?? 0);
  }

  recordCampaignFailure(reason: FailureReason): void {
    this.#failures.inc({ reason });
  }

  /** The Prometheus text exposition of every metric. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
