/**
 * Fault injection for the cxone-admin profile: tests queue misbehaviour ("the next three skill
 * lists answer 429", "someone edits skill 7 in the CXone UI just before the next PUT") and the
 * simulator consumes it request by request, oldest matching rule first.
 */
import { FaultRules } from "../fault-steps.js";
import type { Fault } from "../faults.js";
import type { ScheduleSettings } from "./schedule-settings.js";
import type { TimeZoneBindingInput } from "./skill-store.js";

/** Every kind of request the cxone-admin simulator serves. */
export type AdminRequestKind =
  /** `/.well-known/openid-configuration` and `/.well-known/cxone-configuration`. */
  | "discovery"
  | "token"
  /** `GET /skills`. */
  | "list"
  /** `GET /skills/parameters`. */
  | "bulk"
  | "get-schedule"
  | "put-schedule"
  | "business-unit"
  | "get-time-zones"
  | "put-time-zones";

/** `other` is anything that matched no route or used a wrong method. */
export type AdminLoggedKind = AdminRequestKind | "other";

export const ADMIN_LOGGED_KINDS: readonly AdminLoggedKind[] = [
  "discovery",
  "token",
  "list",
  "bulk",
  "get-schedule",
  "put-schedule",
  "business-unit",
  "get-time-zones",
  "put-time-zones",
  "other",
];

/** What happens to a request a rule matches. */
export type AdminFault =
  /**
   * Answer with this status instead of serving the request; no Retry-After unless given (a 429
   * from CXone comes without a reliable one). Default body `{error, error_description}`.
   */
  | Extract<Fault, { type: "status" }>
  /** Serve the request (a write lands), then answer 200 with a body that is not valid JSON. */
  | { type: "malformed-json" }
  /** Destroy the connection without answering; with `afterProcessing`, after serving it. */
  | { type: "reset"; afterProcessing?: boolean }
  /** Never answer; with `afterProcessing`, after serving it. */
  | { type: "hang"; afterProcessing?: boolean }
  /**
   * Someone changes the skill's schedule-settings by hand in the CXone UI: just before this
   * request is served, or just after with `after`. `settings` are merged over what is stored;
   * without them (and without `timeZones`) Saturday is switched on or off. With `timeZones`,
   * the skill's time-zone boundings are set to them instead (as `editTimeZoneSettings` does).
   * Needs the rule's `skillId`.
   */
  | {
      type: "edit";
      settings?: Partial<ScheduleSettings>;
      timeZones?: readonly TimeZoneBindingInput[];
      after?: boolean;
    }
  /** A PUT answers its 200 but nothing is stored (a read-back then differs from what was sent). */
  | { type: "ignore-write" };

export type AdminFaultSpec =
  | AdminFault
  | number
  | "malformed-json"
  | "reset"
  | "hang"
  | "edit"
  | "ignore-write";

/**
 * Status, reset, hang and malformed-JSON faults act before authentication and rate limiting, so
 * they need no valid token and spend no budget.
 */
export interface AdminFaultRule {
  /** Only requests of this kind; default any kind. */
  kind?: AdminRequestKind;
  /** Only requests for this skill (schedule-settings and time-zones); default any. */
  skillId?: number | string;
  /** How many matching requests it affects; default 1. `Infinity` for all of them. */
  times?: number;
  fault: AdminFaultSpec;
}

export interface AdminFaultTarget {
  kind: AdminRequestKind;
  skillId: number | undefined;
}

export function toAdminFault(spec: AdminFaultSpec): AdminFault {
  if (typeof spec === "number") return { type: "status", status: spec };
  if (typeof spec === "string") return { type: spec };
  return spec;
}

const WRITES: readonly AdminRequestKind[] = ["put-schedule", "put-time-zones"];

export class AdminFaultQueue {
  readonly #rules = new FaultRules<AdminFaultTarget, AdminFault>();

  add(rule: AdminFaultRule): void {
    const fault = toAdminFault(rule.fault);
    const skillId = rule.skillId === undefined ? undefined : Number(rule.skillId);
    if (skillId !== undefined && !Number.isSafeInteger(skillId)) {
      throw new RangeError(`fault skillId must be an integer, got ${String(rule.skillId)}`);
    }
    if (fault.type === "edit" && skillId === undefined) {
      throw new RangeError("an edit fault needs the skillId whose schedule-settings it changes");
    }
    if (fault.type === "ignore-write" && !(rule.kind !== undefined && WRITES.includes(rule.kind))) {
      throw new RangeError("an ignore-write fault needs kind put-schedule or put-time-zones");
    }
    this.#rules.add(
      (target) =>
        (rule.kind === undefined || rule.kind === target.kind) &&
        (skillId === undefined || skillId === target.skillId),
      rule.times,
      fault,
    );
  }

  /** Consumes one use of the oldest rule matching the request. */
  take(target: AdminFaultTarget): AdminFault | undefined {
    return this.#rules.take(target);
  }

  /** Uses of injected faults not yet consumed (Infinity when a rule is unbounded). */
  pending(): number {
    return this.#rules.pending();
  }

  clear(): void {
    this.#rules.clear();
  }
}
