/**
 * Curfews: a Personal Connection skill's recipient time-zone boundings, canonical. CXone keeps
 * one entry per time zone of the business unit (a Windows zone id such as "Eastern Standard
 * Time"), each active to call or not, with its own start and end (recipient-local) when it
 * overrides the skill's schedule. The dialer applies them at call time: a record in a zone that
 * is not active, or outside its hours, is not dialed.
 *
 * The canonical form lists the **active** boundings only, sorted by zone: every zone not listed
 * is inactive. That is also what the API's PUT takes ("all timezone boundings not in the request
 * will be deactivated"), and it is what plans, change records, webhooks and the audit trail carry.
 * A bounding without `start`/`end` is active at the skill's own schedule hours.
 */
import { showValue } from "./schedule.js";

export interface Bounding {
  /** CXone's (Windows) zone id. */
  zone: string;
  /** "HH:MM", recipient-local; absent (with `end`) when the zone is called at the skill's own hours. */
  start?: string;
  end?: string;
}

/** The active boundings; every other zone of the business unit is inactive. */
export type Curfews = Bounding[];

/** A managed campaign's boundings as derived from the law, with the recipient zones behind each. */
export interface DesiredBounding {
  zone: string;
  start: string;
  end: string;
  /** The IANA recipient zones of spec.recipients.timezones that map to `zone`. */
  recipients: readonly string[];
}

/** What validate derived for a campaign with `curfews: managed` (see curfew-derivation.ts). */
export interface CurfewPlan {
  boundings: readonly DesiredBounding[];
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function key(b: Bounding): string {
  return `${b.zone}\u0000${b.start ?? ""}\u0000${b.end ?? ""}`;
}

/** Sorted by zone, one entry per zone (the first wins), exactly the canonical fields. */
export function normalizeCurfews(curfews: readonly Bounding[]): Curfews {
  const seen = new Set<string>();
  const out: Curfews = [];
  for (const b of [...curfews].sort((x, y) => cmp(x.zone, y.zone))) {
    if (seen.has(b.zone)) continue;
    seen.add(b.zone);
    out.push(copyBounding(b));
  }
  return out;
}

export function copyBounding(b: Bounding): Bounding {
  return b.start !== undefined && b.end !== undefined
    ? { zone: b.zone, start: b.start, end: b.end }
    : { zone: b.zone };
}

export function curfewsEqual(a: readonly Bounding[], b: readonly Bounding[]): boolean {
  const x = normalizeCurfews(a);
  const y = normalizeCurfews(b);
  return x.length === y.length && x.every((v, i) => key(v) === key(y[i] as Bounding));
}

/** The boundings a curfew plan sends: the derived ones, canonical. */
export function curfewsOf(plan: CurfewPlan): Curfews {
  return normalizeCurfews(plan.boundings.map((b) => ({ zone: b.zone, start: b.start, end: b.end })));
}

export type CurfewDiffEntry = { op: "add" | "remove"; value: Bounding };

/**
 * Bounding by bounding, on the normal forms: removals and additions per zone, in zone order
 * (a changed bounding is its old one removed and its new one added, as a changed window is).
 */
export function diffCurfews(before: readonly Bounding[], after: readonly Bounding[]): CurfewDiffEntry[] {
  const a = normalizeCurfews(before);
  const b = normalizeCurfews(after);
  const inA = new Set(a.map(key));
  const inB = new Set(b.map(key));
  const zones = [...new Set([...a, ...b].map((x) => x.zone))].sort(cmp);
  const out: CurfewDiffEntry[] = [];
  for (const zone of zones) {
    for (const x of a) if (x.zone === zone && !inB.has(key(x))) out.push({ op: "remove", value: x });
    for (const x of b) if (x.zone === zone && !inA.has(key(x))) out.push({ op: "add", value: x });
  }
  return out;
}

/** "Eastern Standard Time 08:00–21:00", or "… (at the skill's own hours)". */
export function describeBounding(b: Bounding): string {
  return b.start !== undefined && b.end !== undefined
    ? `${b.zone} ${b.start}–${b.end}`
    : `${b.zone} (at the skill's own hours)`;
}

/** The boundings in words: "…, …; every other zone inactive", or "every zone inactive". */
export function describeCurfews(curfews: readonly Bounding[]): string {
  const list = normalizeCurfews(curfews);
  return list.length === 0
    ? "every zone inactive"
    : `${list.map(describeBounding).join(", ")}; every other zone inactive`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks canonical boundings read back from a file dialwindow wrote (a saved plan). */
export function parseCurfews(value: unknown, where: string, fail: (message: string) => Error): Curfews {
  if (!Array.isArray(value)) throw fail(`${where} is ${showValue(value)}, expected a list of boundings`);
  return value.map((item: unknown, i): Bounding => {
    const at = `${where}[${i}]`;
    if (!isObject(item)) throw fail(`${at} is ${showValue(item)}, expected {zone, start?, end?}`);
    if (typeof item.zone !== "string" || item.zone === "")
      throw fail(`${at}.zone is ${showValue(item.zone)}, expected a zone name`);
    if (item.start === undefined && item.end === undefined) return { zone: item.zone };
    for (const k of ["start", "end"] as const) {
      const t = item[k];
      if (typeof t !== "string" || !HHMM.test(t)) throw fail(`${at}.${k} is ${showValue(t)}, expected HH:MM`);
    }
    return { zone: item.zone, start: item.start as string, end: item.end as string };
  });
}
