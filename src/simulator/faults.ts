/**
 * Fault injection: tests queue up misbehaviour ("the next PATCH of campaign 7 answers 503
 * twice", "the next GET hangs") and the simulator consumes it request by request. Random
 * failures (`errorRate`) come from a seeded generator so a failing run can be replayed.
 */
import { FaultRules } from "./fault-steps.js";

/** The four kinds of request the simulator serves. */
export type RequestKind = "token" | "list" | "get" | "patch";

/** What happens to a request a fault rule matches. */
export type Fault =
  /** Answer with this status instead of serving the request. */
  | {
      type: "status";
      status: number;
      /** JSON-encoded unless a string; default `{"error":"injected_fault",...}`. */
      body?: unknown;
      /** Sent verbatim as Retry-After: seconds, or a string such as an HTTP date. */
      retryAfter?: number | string;
    }
  /** Serve the request (a write lands), then answer 200 with a body that is not valid JSON. */
  | { type: "malformed-json" }
  /** Serve the request (a write lands), then leave out the ETag header and list items' etags. */
  | { type: "missing-etag" }
  /**
   * Destroy the connection without answering. With `afterProcessing` the request is served
   * first, so a PATCH has landed although the client never hears so.
   */
  | { type: "reset"; afterProcessing?: boolean }
  /** Never answer (until the client gives up or the simulator closes). */
  | { type: "hang"; afterProcessing?: boolean }
  /**
   * PATCH only: someone else writes the campaign just before this request is checked, so it
   * fails with 412 although its If-Match was current when sent.
   */
  | { type: "stale" };

/** Shorthands: a bare status code, or a fault type that needs no parameters. */
export type FaultSpec = Fault | number | "malformed-json" | "missing-etag" | "reset" | "hang" | "stale";

/**
 * Injected faults act before authentication and rate limiting, so they need no valid token and
 * spend no budget; `stale` is the exception, acting at a PATCH's If-Match check.
 */
export interface FaultRule {
  /** Only requests of this kind; default any kind (`stale` only ever matches PATCH). */
  kind?: RequestKind;
  /** Only requests for this campaign (GET/PATCH); default any. */
  campaignId?: string;
  /** How many matching requests it affects; default 1. `Infinity` for all of them. */
  times?: number;
  fault: FaultSpec;
}

export function toFault(spec: FaultSpec): Fault {
  if (typeof spec === "number") return { type: "status", status: spec };
  if (typeof spec === "string") return { type: spec };
  return spec;
}

export interface FaultTarget {
  kind: RequestKind;
  campaignId: string | undefined;
}

export class FaultQueue {
  readonly #rules = new FaultRules<FaultTarget, Fault>();

  add(rule: FaultRule): void {
    const fault = toFault(rule.fault);
    if (fault.type === "stale" && rule.kind !== undefined && rule.kind !== "patch") {
      throw new RangeError(`a stale fault only applies to PATCH, not to ${rule.kind}`);
    }
    this.#rules.add(
      (target) =>
        (rule.kind === undefined || rule.kind === target.kind) &&
        (rule.campaignId === undefined || rule.campaignId === target.campaignId),
      rule.times,
      fault,
    );
  }

  /**
   * Consumes one use of the oldest rule matching the request. `stale` rules are taken only
   * when `stale` is asked for, because they act at a later point of a PATCH than the others.
   */
  take(target: FaultTarget, stale = false): Fault | undefined {
    return this.#rules.take(
      target,
      (fault) => (fault.type === "stale") === stale && (!stale || target.kind === "patch"),
    );
  }

  /** Uses of injected faults not yet consumed (Infinity when a rule is unbounded). */
  pending(): number {
    return this.#rules.pending();
  }

  clear(): void {
    this.#rules.clear();
  }
}

/** mulberry32: tiny, fast and good enough to pick which requests fail. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
