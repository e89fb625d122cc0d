/**
 * Where the law lets a campaign dial, drawn on its own clock: for each half hour of a local
 * date, whether every recipient zone is inside the hours every applicable rule allows (and not
 * on a no-call day or date). The same arithmetic as the policy check (policy.ts checkDay), cut
 * into cells so a reviewer can see the legal band next to the windows.
 */
import { weekdayOf } from "../desired/civil-date.js";
import type { CampaignSchedule } from "../desired/model.js";
import { applicableRules, type PolicyRule } from "../desired/policy.js";
import type { ZoneClocks } from "../desired/zone-clock.js";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
export const CELL_MINUTES = 30;
export const CELLS_PER_DAY = 1440 / CELL_MINUTES;

/**
 * One flag per half hour of the local date `day` (campaign zone): true where a call placed
 * at any minute of that half hour is legal for every recipient. Undefined when no rule
 * applies (the calling-hours policy is off).
 */
export function legalCells(
  c: CampaignSchedule,
  rules: readonly PolicyRule[] | undefined,
  clocks: ZoneClocks,
  day: number,
): boolean[] | undefined {
  const applicable = rules ? applicableRules(rules, c) : [];
  if (applicable.length === 0) return undefined;
  const home = clocks.get(c.timezone);
  const recipients = [...new Set(c.recipientZones)].map((z) => clocks.get(z));
  const cells: boolean[] = [];
  for (let k = 0; k < CELLS_PER_DAY; k++) {
    const start = home.instantOf((day * 1440 + k * CELL_MINUTES) * MINUTE);
    const end = home.instantOf((day * 1440 + (k + 1) * CELL_MINUTES) * MINUTE);
    cells.push(recipients.every((r) => legalFor(r.localOf(start), r.localOf(end), applicable)));
  }
  return cells;
}

function legalFor(localStart: number, localEnd: number, rules: readonly PolicyRule[]): boolean {
  const rDay = Math.floor(localStart / DAY);
  const rEndDay = Math.floor((localEnd - 1) / DAY);
  const rStart = (localStart - rDay * DAY) / MINUTE;
  const rEnd = (localEnd - rDay * DAY) / MINUTE;
  return rules.every(
    (rule) =>
      !(rule.allowed && (rStart < rule.allowed.start || rEnd > rule.allowed.end)) &&
      !rule.noCallDays.has(weekdayOf(rDay)) &&
      !rule.noCallDays.has(weekdayOf(rEndDay)) &&
      !rule.noCallDates.has(rDay) &&
      !rule.noCallDates.has(rEndDay),
  );
}
