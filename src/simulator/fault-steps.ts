/**
 * What both simulator profiles share about injected faults: a queue of rules consumed request
 * by request (oldest matching rule first, each for as many requests as it says), the steps a
 * request goes through before its API sees it, and the answers a fault makes.
 */
import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { breakConnection, readRequestBody } from "./loopback-server.js";
import { jsonReply, type Reply, replyText } from "./reply.js";

/** The faults both profiles know, as their own fault types spell them. */
export type StatusFault = {
  type: "status";
  status: number;
  /** JSON-encoded unless a string; default the profile's own error body. */
  body?: unknown;
  /** Sent verbatim as Retry-After: seconds, or a string such as an HTTP date. */
  retryAfter?: number | string;
};
type SharedFault =
  | StatusFault
  | { type: "reset" | "hang"; afterProcessing?: boolean }
  | { type: "malformed-json" }
  | { type: string };

interface QueuedRule<T, F> {
  matches: (target: T) => boolean;
  remaining: number;
  fault: F;
}

export class FaultRules<T, F extends { type: string }> {
  #rules: QueuedRule<T, F>[] = [];

  /** Queues `fault` for `times` requests (default 1, Infinity for all) that `matches`. */
  add(matches: (target: T) => boolean, times: number | undefined, fault: F): void {
    const count = times ?? 1;
    if (!(count >= 1)) throw new RangeError(`fault times must be at least 1, got ${count}`);
    const status = (fault as { type: string; status?: number }).status;
    if (
      fault.type === "status" &&
      !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
    ) {
      throw new RangeError(`fault status must be an HTTP status code, got ${status}`);
    }
    this.#rules.push({ matches, remaining: count, fault });
  }

  /** Consumes one use of the oldest rule matching the request (and `also`, when given). */
  take(target: T, also: (fault: F) => boolean = () => true): F | undefined {
    const index = this.#rules.findIndex((rule) => also(rule.fault) && rule.matches(target));
    const rule = this.#rules[index];
    if (rule === undefined) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    return rule.fault;
  }

  /** Uses of injected faults not yet consumed (Infinity when a rule is unbounded). */
  pending(): number {
    return this.#rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  clear(): void {
    this.#rules = [];
  }
}

/** A status fault's answer; `defaultBody` when the rule gave none. */
export function statusReply(fault: StatusFault, defaultBody: unknown): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  if (typeof fault.body === "string") return { status: fault.status, headers, body: { raw: fault.body } };
  return jsonReply(fault.status, fault.body ?? defaultBody, headers);
}

// Any proper prefix of a JSON value's text is invalid JSON; an empty body becomes a stray brace.
export function breakJson(reply: Reply): Reply {
  const text = replyText(reply);
  const broken = text === "" ? "{" : text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return { status: 200, headers: reply.headers, body: { raw: broken } };
}

/** A request's body for the request log: form fields with `secrets` redacted, parsed JSON, or the text. */
export function describeBody(body: string, form: boolean, secrets: readonly string[]): unknown {
  if (body === "") return undefined;
  if (form) {
    const fields = Object.fromEntries(new URLSearchParams(body));
    for (const secret of secrets) if (secret in fields) fields[secret] = "[redacted]";
    return fields;
  }
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export interface AdmitSteps<F extends SharedFault> {
  /** The request log's entry for it. */
  entry: { body: unknown; fault: string | undefined };
  /** Set when routing already refused it (no such path, a wrong method). */
  refusal: Reply | undefined;
  /** The answer to a body over the limit. */
  tooLarge: Reply;
  describeBody: (body: string) => unknown;
  latencyMs: number;
  /** Aborts when the simulator closes. */
  closing: AbortSignal;
  takeFault: () => F | undefined;
  describeFault: (fault: F) => string;
  /** A status fault's answer. */
  statusReply: (fault: StatusFault) => Reply;
  send: (reply: Reply) => void;
}

/**
 * The steps before a request reaches the profile's API: the body read (too large: 413), a
 * routing refusal answered, the configured latency waited out, the fault taken (a status
 * answers at once; a reset or a hang before processing breaks the connection). The body and
 * the fault still to act after processing, or undefined when the request is already answered.
 */
export async function admit<F extends SharedFault>(
  req: IncomingMessage,
  steps: AdmitSteps<F>,
): Promise<{ body: string; fault: F | undefined } | undefined> {
  const { entry, send } = steps;
  const body = await readRequestBody(req);
  if (body === undefined) {
    send(steps.tooLarge);
    return undefined;
  }
  entry.body = steps.describeBody(body);
  if (steps.refusal !== undefined) {
    send(steps.refusal);
    return undefined;
  }
  if (steps.latencyMs > 0) {
    try {
      await sleep(steps.latencyMs, undefined, { signal: steps.closing });
    } catch {
      return undefined; // closing: the connection is being destroyed
    }
  }
  const fault = steps.takeFault();
  if (fault !== undefined) entry.fault = steps.describeFault(fault);
  if (fault?.type === "status") {
    send(steps.statusReply(fault as StatusFault));
    return undefined;
  }
  if (isBreak(fault) && fault.afterProcessing !== true) {
    breakConnection(req, fault.type);
    return undefined;
  }
  return { body, fault };
}

/** A reset or a hang: the connection is broken instead of answered. */
export function isBreak(
  fault: SharedFault | undefined,
): fault is { type: "reset" | "hang"; afterProcessing?: boolean } {
  return fault?.type === "reset" || fault?.type === "hang";
}

/** Listens on `port` (default any), closing the simulator again when it cannot. */
export async function listenOrClose<
  S extends { listen(port: number): Promise<void>; close(): Promise<void> },
>(simulator: S, port: number | undefined): Promise<S> {
  try {
    await simulator.listen(port ?? 0);
  } catch (error) {
    await simulator.close().catch(() => undefined);
    throw error;
  }
  return simulator;
}
