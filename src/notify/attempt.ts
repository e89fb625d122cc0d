/**
 * One delivery attempt: sign the body for this instant, POST it, classify what happened. The
 * signature is made fresh per attempt (the timestamp is part of what is signed, and receivers
 * reject old timestamps); the webhook-id stays the change id, the receiver's idempotency key.
 */
import { type Dispatcher, request } from "undici";
import type { ChangeRecord } from "../state/change-record.js";
import { readBodyExcerpt } from "../util/http-body.js";
import { webhookBody } from "./payload.js";
import { isRetryableStatus, parseRetryAfterMs } from "./retry-policy.js";
import type { SigningTarget } from "./targets.js";

export type AttemptOutcome =
  | { kind: "delivered"; status: number }
  /** Worth retrying: network error, timeout, 408, 429, 5xx. */
  | { kind: "retryable"; status: number | null; error: string; retryAfterMs: number | undefined }
  /** Retrying will not help (other 4xx, redirects): straight to the dead-letter list. */
  | { kind: "permanent"; status: number; error: string }
  /** Cut short by the caller's deadline; not counted as an attempt. */
  | { kind: "interrupted" };

export interface AttemptInput {
  target: SigningTarget;
  change: ChangeRecord;
  dispatcher: Dispatcher | undefined;
  /** Epoch ms; stamps `webhook-timestamp` and resolves HTTP-date Retry-After values. */
  now: () => number;
  timeoutMs: number;
  /** When the caller's deadline falls before the timeout: abort then, as "interrupted". */
  interruptAfterMs?: number;
}

const RESPONSE_EXCERPT = 200;
/** Enough bytes for RESPONSE_EXCERPT characters of UTF-8 after leading whitespace. */
const RESPONSE_EXCERPT_BYTES = 1024;

export async function attemptDelivery(input: AttemptInput): Promise<AttemptOutcome> {
  const { target, change } = input;
  const body = webhookBody(change);
  const at = new Date(input.now());
  const signature = target.sign(change.changeId, at, body);
  const clean = (text: string) => target.scrub(text.split(signature).join("[signature]"));

  const interrupt = input.interruptAfterMs !== undefined && input.interruptAfterMs < input.timeoutMs;
  const limitMs = interrupt ? Math.max(0, input.interruptAfterMs ?? 0) : input.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), limitMs);
  try {
    const res = await request(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "dialwindow",
        "webhook-id": change.changeId,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
      signal: controller.signal,
      ...(input.dispatcher === undefined ? {} : { dispatcher: input.dispatcher }),
    });
    // Only an excerpt is kept: read no more than it can use, and drop the rest unread.
    const text = await readBodyExcerpt(res.body, RESPONSE_EXCERPT_BYTES);
    const status = res.statusCode;
    if (status >= 200 && status <= 299) return { kind: "delivered", status };
    const error = clean(`HTTP ${status}${text.trim() ? `: ${excerpt(text.trim())}` : ""}`);
    if (isRetryableStatus(status)) {
      return {
        kind: "retryable",
        status,
        error,
        retryAfterMs: parseRetryAfterMs(header(res.headers["retry-after"]), input.now()),
      };
    }
    return { kind: "permanent", status, error };
  } catch (err) {
    if (controller.signal.aborted) {
      if (interrupt) return { kind: "interrupted" };
      return {
        kind: "retryable",
        status: null,
        error: `no response within ${input.timeoutMs} ms`,
        retryAfterMs: undefined,
      };
    }
    return {
      kind: "retryable",
      status: null,
      error: clean(describeNetworkError(err)),
      retryAfterMs: undefined,
    };
  } finally {
    clearTimeout(timer);
  }
}

class AttemptTimeout extends Error {
  constructor() {
    super("webhook attempt timed out");
    this.name = "AttemptTimeout";
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function excerpt(text: string): string {
  return text.length <= RESPONSE_EXCERPT ? text : `${text.slice(0, RESPONSE_EXCERPT)}…`;
}

/** The innermost cause's code and message (e.g. "ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:443"). */
function describeNetworkError(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (!(e instanceof Error)) return `network error: ${String(e)}`;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${e.message}` : e.message;
}
