import { randomBytes } from "node:crypto";

/**
 * A change id: time-ordered (so journals, audit files and receivers sort naturally) and
 * random enough to never collide. It is the webhook-id of every delivery of the change.
 */
export function newChangeId(nowMs: number): string {
  return `chg_${nowMs.toString(36).padStart(9, "0")}${randomBytes(10).toString("hex")}`;
}
