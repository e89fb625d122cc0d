/**
 * The original tutorial's approach (/work/shared/seeds: "Updating NICE CXone Outbound Campaign
 * Schedule Windows via REST API with Python"), ported to TypeScript with plain undici so it can
 * run against the same simulator in the same benchmark. For every campaign, one at a time, as
 * `CxoneScheduleUpdater.update_campaign` does:
 *
 *   1. validate the payload (day names, IANA zone, pause conditions) and the conflicts
 *      (block limit, overlapping windows, "today is a holiday");
 *   2. GET the campaign for its ETag (`fetch_campaign_etag`);
 *   3. PATCH the schedule with If-Match (`update_campaign_schedule`), whether or not it differs;
 *   4. POST the unsigned WFM webhook, retrying on 429 (`notify_wfm_webhook`);
 *   5. append a JSON line to the local audit log (`AuditLogger.record_audit`).
 *
 * The token is cached as `CxoneAuthManager` caches it. Two deliberate differences, both in the
 * naive loop's favour or needed to run at all: one keep-alive connection pool for the whole run
 * (the tutorial opens a new httpx.Client, so new connections, per campaign), and the body sent
 * in the wire's camelCase (`model_dump` would send snake_case keys, which CXone rejects).
 */
import { createHash } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";

export interface NaiveCampaign {
  id: string;
  schedule: {
    timezone: string;
    dialingHours: { day: string; startTime: string; endTime: string }[];
    pauseConditions: string[];
  };
  holidays: string[];
}

export interface NaiveOptions {
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  webhookUrl: string;
  /** The date the tutorial compares holidays with (`datetime.now()`); the benchmark's --at date. */
  today: string;
  maxBlocks: number;
  auditDir: string;
  log: (line: string) => void;
}

export interface NaiveResult {
  succeeded: number;
  failed: number;
}

const VALID_DAYS = new Set(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]);
const VALID_CONDITIONS = new Set(["NO_ANSWER", "BUSY", "DISCONNECTED", "ANSWERING_MACHINE"]);

class HttpStatusError extends Error {}

export async function runNaive(campaigns: readonly NaiveCampaign[], o: NaiveOptions): Promise<NaiveResult> {
  const dispatcher = new Agent({ connect: { timeout: 30_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });
  let token: string | undefined;
  let tokenExpiry = 0;
  const metrics = { succeeded: 0, failed: 0 };

  // CxoneAuthManager.get_token
  const getToken = async (): Promise<string> => {
    if (token && Date.now() / 1000 < tokenExpiry) return token;
    const res = await request(o.tokenUrl, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: o.clientId,
        client_secret: o.clientSecret,
        scope: "outbound:campaign:read outbound:campaign:write",
      }).toString(),
    });
    raiseForStatus(res.statusCode, "token");
    const payload = (await res.body.json()) as { access_token: string; expires_in: number };
    token = payload.access_token;
    tokenExpiry = Date.now() / 1000 + (payload.expires_in - 60);
    return token;
  };

  const auditFile = join(o.auditDir, `schedule_updates_${o.today.replaceAll("-", "")}.jsonl`);

  for (const c of campaigns) {
    const started = performance.now();
    const schedule = c.schedule;
    let payloadHash = "";
    try {
      // Step 1: SchedulePayload + validate_schedule_conflicts
      validatePayload(schedule);
      const conflicts = scheduleConflicts(schedule, c.holidays, o.maxBlocks, o.today);
      if (conflicts.length > 0) throw new Error(`Schedule conflicts detected: ${conflicts.join("; ")}`);
      payloadHash = createHash("sha256").update(sortedJson(schedule)).digest("hex");

      // _create_client: bearer token and JSON content type on every call
      const headers = {
        authorization: `Bearer ${await getToken()}`,
        "content-type": "application/json",
      };
      const url = `${o.apiUrl}/outbound/campaigns/${c.id}`;

      // Step 2: fetch_campaign_etag
      const got = await request(url, { method: "GET", dispatcher, headers });
      await got.body.text();
      raiseForStatus(got.statusCode, "GET");
      const etag = got.headers.etag;
      if (typeof etag !== "string" || etag === "") {
        throw new Error(
          "CXone did not return an eTag for the campaign. Concurrency control cannot be enforced.",
        );
      }

      // update_campaign_schedule
      const patched = await request(url, {
        method: "PATCH",
        dispatcher,
        headers: { ...headers, "if-match": etag },
        body: JSON.stringify({ schedule }),
      });
      const patchedBody = await patched.body.text();
      if (patched.statusCode === 412) {
        o.log("WARNING Optimistic lock conflict detected. Another process modified the campaign.");
        throw new Error("Campaign modified by another process. Refresh eTag and retry.");
      }
      raiseForStatus(patched.statusCode, "PATCH");
      JSON.parse(patchedBody);

      // Step 3: notify_wfm_webhook
      await notifyWebhook(dispatcher, o, c.id, schedule);

      const latencyMs = performance.now() - started;
      await recordAudit(auditFile, c.id, "SUCCESS", latencyMs, payloadHash);
      metrics.succeeded++;
      o.log(`INFO Successfully updated campaign ${c.id} in ${latencyMs.toFixed(2)}ms`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await recordAudit(auditFile, c.id, "FAILURE", performance.now() - started, payloadHash, message);
      metrics.failed++;
      o.log(`ERROR Failed to update campaign ${c.id}: ${message}`);
    }
  }
  await dispatcher.close();
  return metrics;
}

async function notifyWebhook(
  dispatcher: Agent,
  o: NaiveOptions,
  campaignId: string,
  schedule: NaiveCampaign["schedule"],
): Promise<void> {
  const body = JSON.stringify({
    event: "CAMPAIGN_SCHEDULE_UPDATED",
    campaign_id: campaignId,
    schedule,
    timestamp: new Date().toISOString(),
  });
  const maxRetries = 3;
  for (let attempt = 0; attempt < maxRetries; attempt++) {
    const res = await request(o.webhookUrl, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/json" },
      body,
    });
    await res.body.text();
    if (res.statusCode === 429) {
      const retryAfter = Number(res.headers["retry-after"] ?? 2 ** attempt);
      o.log(`INFO Webhook rate limited. Retrying in ${retryAfter}s...`);
      await sleep(retryAfter * 1000);
      continue;
    }
    raiseForStatus(res.statusCode, "webhook");
    o.log(`INFO WFM webhook delivered successfully to ${o.webhookUrl}`);
    return;
  }
  throw new Error(`Failed to deliver webhook after ${maxRetries} attempts`);
}

/** SchedulePayload's field validators. */
function validatePayload(s: NaiveCampaign["schedule"]): void {
  for (const h of s.dialingHours) {
    if (!VALID_DAYS.has(h.day)) throw new Error(`Payload validation failed: Invalid day: ${h.day}`);
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: s.timezone });
  } catch {
    throw new Error(`Payload validation failed: Invalid IANA timezone: ${s.timezone}`);
  }
  if (!s.pauseConditions.every((p) => VALID_CONDITIONS.has(p))) {
    throw new Error("Payload validation failed: Invalid pause conditions.");
  }
}

/** validate_schedule_conflicts, including its check of *today* against the holidays. */
function scheduleConflicts(
  s: NaiveCampaign["schedule"],
  holidays: readonly string[],
  maxBlocks: number,
  today: string,
): string[] {
  const errors: string[] = [];
  if (s.dialingHours.length > maxBlocks) {
    errors.push(`License tier limit exceeded. Maximum ${maxBlocks} schedule blocks allowed.`);
  }
  const byDay = new Map<string, NaiveCampaign["schedule"]["dialingHours"]>();
  for (const h of s.dialingHours) byDay.set(h.day, [...(byDay.get(h.day) ?? []), h]);
  for (const [day, blocks] of byDay) {
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) {
        const b1 = blocks[i] as (typeof blocks)[number];
        const b2 = blocks[j] as (typeof blocks)[number];
        if (b1.startTime < b2.endTime && b2.startTime < b1.endTime) {
          errors.push(
            `Overlapping dialing hours detected on ${day}: ${b1.startTime}-${b1.endTime} and ${b2.startTime}-${b2.endTime}`,
          );
        }
      }
    }
  }
  if (holidays.includes(today)) errors.push(`Scheduling on a restricted holiday: ${today}`);
  return errors;
}

/** AuditLogger.record_audit: one line appended per campaign, the file opened each time. */
async function recordAudit(
  file: string,
  campaignId: string,
  status: string,
  latencyMs: number,
  payloadHash: string,
  error?: string,
): Promise<void> {
  const entry = {
    timestamp: new Date().toISOString(),
    campaign_id: campaignId,
    status,
    latency_ms: latencyMs,
    payload_hash: payloadHash,
    error: error ?? null,
  };
  await appendFile(file, `${JSON.stringify(entry)}\n`);
}

function raiseForStatus(status: number, what: string): void {
  if (status >= 400) throw new HttpStatusError(`${what} answered HTTP ${status}`);
}

/** json.dumps(sort_keys=True) */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${sortedJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}
