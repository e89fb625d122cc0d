/**
 * Semantic rules, run after the schema pass on documents that are structurally valid. Each
 * rule is a small function that reports findings; none throws and none does I/O. The
 * calling-hours policy is in policy.ts.
 *
 * One file although long: a catalogue of small independent rules, one per finding code, kept
 * together so every code's rule is found in one place.
 */

import type { Capabilities } from "../live/capabilities.js";
import { formatDate, parseDate, parseTime, weekdayName } from "./civil-date.js";
import { ALL_SECTIONS, type ConfigSection, configProblems, zoneProblem } from "./config-checks.js";
import {
  type CallingPolicyDocument,
  type CampaignScheduleDocument,
  type ConfigDocument,
  type DialingHoursDocument,
  type HolidayCalendarDocument,
  liveIdOf,
} from "./documents.js";
import { windowsOn } from "./effective.js";
import { didYouMean } from "./findings.js";
import type { CampaignSchedule } from "./model.js";
import type { Reporter } from "./reporter.js";
import { isProblem, translateWindow } from "./schedule-zone.js";
import type { DocPath, LoadedDocument } from "./source.js";
import type { ZoneClocks } from "./zone-clock.js";

type Doc<T> = LoadedDocument<T>;

/** start < end, no day repeated within one entry, no two windows overlapping on a day. */
export function checkDialingHours(
  r: Reporter,
  doc: Doc<unknown>,
  entries: readonly DialingHoursDocument[],
  base: DocPath,
): void {
  const perDay = new Map<string, { start: number; end: number; index: number }[]>();
  entries.forEach((entry, i) => {
    const start = parseTime(entry.start);
    const end = parseTime(entry.end);
    if (start === undefined || end === undefined) return; // the schema pass reported it
    if (start >= end) {
      r.error(
        doc,
        [...base, i, "end"],
        "DW101",
        `window ${entry.start}–${entry.end} ends ${start === end ? "when it starts" : "before it starts"}; end must be later than start on the same day (a window cannot cross midnight: split it into two, one ending 23:59 and one starting 00:00 on the next day).`,
      );
      return;
    }
    const seen = new Set<string>();
    entry.days.forEach((day, k) => {
      if (seen.has(day)) {
        r.error(
          doc,
          [...base, i, "days", k],
          "DW103",
          `${day} is listed twice in this window's days; remove the repeat.`,
        );
        return;
      }
      seen.add(day);
      const list = perDay.get(day) ?? [];
      for (const other of list) {
        if (start < other.end && other.start < end) {
          const o = entries[other.index] as DialingHoursDocument;
          r.error(
            doc,
            [...base, i],
            "DW102",
            `window ${entry.start}–${entry.end} overlaps ${o.start}–${o.end} (${describePath([...base, other.index])}) on ${day}; windows on one day must not overlap. Merge them into one window or move one.`,
          );
        }
      }
      list.push({ start, end, index: i });
      perDay.set(day, list);
    });
  });
}

export function describePath(path: DocPath): string {
  return path.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("");
}

export function checkZone(r: Reporter, doc: Doc<unknown>, zone: string, path: DocPath): boolean {
  const problem = zoneProblem(zone);
  if (problem) r.error(doc, path, "DW110", problem);
  return problem === undefined;
}

function checkDate(r: Reporter, doc: Doc<unknown>, date: string, path: DocPath): number | undefined {
  const day = parseDate(date);
  if (day === undefined)
    r.error(
      doc,
      path,
      "DW121",
      `${JSON.stringify(date)} is not a real date; write an existing date as YYYY-MM-DD.`,
    );
  return day;
}

export function checkCampaign(
  r: Reporter,
  doc: Doc<CampaignScheduleDocument>,
  calendars: ReadonlyMap<string, unknown>,
): void {
  const { spec } = doc.value;
  checkZone(r, doc, spec.timezone, ["spec", "timezone"]);
  (spec.recipients?.timezones ?? []).forEach((z, i) => {
    checkZone(r, doc, z, ["spec", "recipients", "timezones", i]);
  });
  checkDialingHours(r, doc, spec.dialingHours, ["spec", "dialingHours"]);
  (spec.holidays?.calendars ?? []).forEach((name, i) => {
    if (!calendars.has(name)) {
      const known = [...calendars.keys()].sort();
      const guess = didYouMean(name, known);
      r.error(
        doc,
        ["spec", "holidays", "calendars", i],
        "DW120",
        `no HolidayCalendar named ${JSON.stringify(name)} in calendars/${guess ? `; did you mean ${JSON.stringify(guess)}?` : ";"} ${known.length ? `Known calendars: ${known.join(", ")}.` : "There are no calendars yet."} Add calendars/${name}.yaml or fix the name.`,
      );
    }
  });
  (spec.holidays?.dates ?? []).forEach((d, i) => {
    checkDate(r, doc, d, ["spec", "holidays", "dates", i]);
  });
  const ranges: { from: number; to: number; index: number }[] = [];
  (spec.overrides ?? []).forEach((o, i) => {
    const base = ["spec", "overrides", i];
    const from = checkDate(r, doc, o.from, [...base, "from"]);
    const to = checkDate(r, doc, o.to, [...base, "to"]);
    checkDialingHours(r, doc, o.dialingHours, [...base, "dialingHours"]);
    if (from === undefined || to === undefined) return;
    if (from > to) {
      r.error(
        doc,
        [...base, "to"],
        "DW122",
        `override ${o.name} ends (${o.to}) before it starts (${o.from}); swap from and to.`,
      );
      return;
    }
    for (const other of ranges) {
      if (from <= other.to && other.from <= to) {
        const prev = (spec.overrides ?? [])[other.index];
        r.error(
          doc,
          base,
          "DW123",
          `override ${o.name} (${o.from} to ${o.to}) overlaps override ${prev?.name} (${prev?.from} to ${prev?.to}); on any date at most one override applies. Shorten one of them.`,
        );
      }
    }
    ranges.push({ from, to, index: i });
    // An override replaces the weekly hours on its dates: a day it does not list has no dialing.
    const listed = new Set(o.dialingHours.flatMap((h) => h.days));
    const weeklyDays = new Set(spec.dialingHours.flatMap((h) => h.days));
    const closed: string[] = [];
    for (let day = from; day <= to && day < from + 7; day++) {
      const name = weekdayName(day);
      if (weeklyDays.has(name) && !listed.has(name)) closed.push(name);
    }
    if (closed.length > 0) {
      r.warn(
        doc,
        [...base, "dialingHours"],
        "DW124",
        `override ${o.name} lists no hours for ${closed.join(", ")}, so there is no dialing on ${closed.length === 1 ? "that day" : "those days"} between ${o.from} and ${o.to} (an override replaces the weekly hours on its dates). Add ${closed.join(", ")} hours to the override if dialing should continue.`,
      );
    }
  });
}

/**
 * The most wire-level dialing blocks the campaign sends at any instant of the coming year
 * (holidays and overrides change the count), against limits.maxDialingBlocks.
 */
export function checkDialingBlocks(
  r: Reporter,
  c: CampaignSchedule,
  fromDay: number,
  maxBlocks: number,
): void {
  const weekly = c.weekly.reduce((n, list) => n + list.length, 0);
  let worst = weekly;
  let worstStart = fromDay;
  // Holidays only remove blocks, so only weeks that touch an override can exceed the weekly count.
  for (const o of c.overrides) {
    const first = Math.max(fromDay, o.from - 6);
    const last = Math.min(fromDay + 365, o.to);
    for (let start = first; start <= last; start++) {
      let sum = 0;
      for (let d = start; d < start + 7; d++) sum += windowsOn(c, d).length;
      if (sum > worst) {
        worst = sum;
        worstStart = start;
      }
    }
  }
  if (worst <= maxBlocks) return;
  const because =
    weekly > maxBlocks
      ? "its weekly hours alone"
      : `the week from ${formatDate(worstStart)} (an override adds windows)`;
  r.error(
    c.document,
    weekly > maxBlocks
      ? ["spec", "dialingHours"]
      : (c.overrides.find((o) => o.to >= worstStart)?.source ?? ["spec", "overrides"]),
    "DW140",
    `this campaign sends ${worst} dialing blocks (one per day per window) in ${because}, over limits.maxDialingBlocks = ${maxBlocks} in dialwindow.yaml (your CXone licence tier's cap). Use fewer windows, or raise the limit if your licence allows more.`,
    "key",
  );
}

export function checkCalendar(r: Reporter, doc: Doc<HolidayCalendarDocument>): void {
  const seen = new Map<number, number>();
  doc.value.spec.holidays.forEach((h, i) => {
    const day = checkDate(r, doc, h.date, ["spec", "holidays", i, "date"]);
    if (day === undefined) return;
    const prev = seen.get(day);
    if (prev !== undefined) {
      r.warn(
        doc,
        ["spec", "holidays", i, "date"],
        "DW125",
        `${h.date} is listed twice (also entry ${prev}); remove one.`,
      );
    }
    seen.set(day, i);
  });
}

/**
 * A calendar in use should reach past the coming year (`horizon`, a day number): after its
 * last date, campaigns dial on what would have been holidays and no-call dates go unchecked.
 */
export function checkCalendarRunsOut(
  r: Reporter,
  doc: Doc<HolidayCalendarDocument>,
  horizon: number,
  users: readonly string[],
): void {
  let last: number | undefined;
  let lastIndex = -1;
  doc.value.spec.holidays.forEach((h, i) => {
    const day = parseDate(h.date);
    if (day !== undefined && (last === undefined || day > last)) {
      last = day;
      lastIndex = i;
    }
  });
  if (last !== undefined && last >= horizon) return;
  const usedBy = `${users.slice(0, 3).join(", ")}${users.length > 3 ? ` and ${users.length - 3} more` : ""}`;
  if (last === undefined) {
    r.warn(
      doc,
      ["spec", "holidays"],
      "DW126",
      `calendar ${doc.value.metadata.name} has no dates, so it excludes nothing, yet ${usedBy} relies on it. Add the holidays of this year and the next.`,
    );
    return;
  }
  r.warn(
    doc,
    ["spec", "holidays", lastIndex, "date"],
    "DW126",
    `calendar ${doc.value.metadata.name} runs out within the coming year: the last date is ${formatDate(last)}; add next year's holidays before then. After it, ${usedBy} ${users.length === 1 ? "gets" : "get"} no holidays from it: campaigns dial on days that should be holidays, and no-call dates go unchecked.`,
  );
}

export function checkPolicy(
  r: Reporter,
  doc: Doc<CallingPolicyDocument>,
  calendars: ReadonlyMap<string, unknown>,
): void {
  doc.value.spec.rules.forEach((rule, i) => {
    const base = ["spec", "rules", i];
    if (rule.allowedHours) {
      const s = parseTime(rule.allowedHours.start);
      const e = parseTime(rule.allowedHours.end);
      if (s !== undefined && e !== undefined && s >= e) {
        r.error(
          doc,
          [...base, "allowedHours"],
          "DW162",
          `rule ${rule.name}: allowedHours start must be earlier than end.`,
        );
      }
    }
    if (!rule.allowedHours && !rule.noCallDays && !rule.noCallDates) {
      r.error(
        doc,
        base,
        "DW162",
        `rule ${rule.name} restricts nothing; give it allowedHours, noCallDays or noCallDates.`,
      );
    }
    (rule.noCallDates?.calendars ?? []).forEach((name, k) => {
      if (!calendars.has(name)) {
        r.error(
          doc,
          [...base, "noCallDates", "calendars", k],
          "DW120",
          `rule ${rule.name} names calendar ${JSON.stringify(name)}, which does not exist in calendars/.`,
        );
      }
    });
    (rule.noCallDates?.dates ?? []).forEach((d, k) => {
      checkDate(r, doc, d, [...base, "noCallDates", "dates", k]);
    });
  });
}

/**
 * dialwindow.yaml's run-time checks (config-checks.ts), as located findings: everything apply
 * and reconcile refuse, validate reports first. `sections` limits them (the sections a command
 * takes from another revision with --config-from are checked there).
 */
export function checkConfig(
  r: Reporter,
  doc: Doc<ConfigDocument>,
  sections: ReadonlySet<ConfigSection> = ALL_SECTIONS,
): void {
  for (const p of configProblems(doc.value, sections)) r.error(doc, p.path, p.code, p.message, p.target);
}

/** Names and campaign (or skill) ids are unique across the repository. */
export function checkUniqueness(r: Reporter, campaigns: readonly Doc<CampaignScheduleDocument>[]): void {
  const names = new Map<string, Doc<CampaignScheduleDocument>>();
  const ids = new Map<string, Doc<CampaignScheduleDocument>>();
  for (const doc of campaigns) {
    const { name } = doc.value.metadata;
    const campaignId = liveIdOf(doc.value.metadata);
    const key = doc.value.metadata.campaignId !== undefined ? "campaignId" : "skillId";
    const byName = names.get(name);
    if (byName) {
      r.error(
        doc,
        ["metadata", "name"],
        "DW130",
        `campaign name ${JSON.stringify(name)} is already used in ${byName.source.path}; names must be unique across the repository. Rename one.`,
      );
    } else names.set(name, doc);
    if (campaignId === undefined) continue;
    const byId = ids.get(campaignId);
    if (byId) {
      r.error(
        doc,
        ["metadata", key],
        "DW131",
        `${key === "skillId" ? "skill" : "campaign"} id ${campaignId} is already managed by ${byId.value.metadata.name} in ${byId.source.path}; two files would fight over one CXone ${key === "skillId" ? "skill" : "campaign"}. Keep one.`,
      );
    } else ids.set(campaignId, doc);
  }
}

export function checkUniqueNames<T extends { metadata: { name: string } }>(
  r: Reporter,
  docs: readonly Doc<T>[],
  what: string,
): Map<string, Doc<T>> {
  const byName = new Map<string, Doc<T>>();
  for (const doc of docs) {
    const prev = byName.get(doc.value.metadata.name);
    if (prev) {
      r.error(
        doc,
        ["metadata", "name"],
        "DW130",
        `${what} name ${JSON.stringify(doc.value.metadata.name)} is already used in ${prev.source.path}; rename one.`,
      );
    } else byName.set(doc.value.metadata.name, doc);
  }
  return byName;
}

/**
 * The campaign names its CXone object with the key its profile uses: metadata.campaignId
 * under tutorial, metadata.skillId (a PC skill) under cxone-admin; exactly one of them.
 */
export function checkLiveId(r: Reporter, doc: Doc<CampaignScheduleDocument>, caps: Capabilities): void {
  const { campaignId, skillId } = doc.value.metadata;
  const wanted = caps.idKey;
  const other = wanted === "skillId" ? "campaignId" : "skillId";
  const profile = `cxone.profile ${caps.profile}`;
  const otherValue = wanted === "skillId" ? campaignId : skillId;
  const wantedValue = wanted === "skillId" ? skillId : campaignId;
  if (otherValue !== undefined) {
    r.error(
      doc,
      ["metadata", other],
      "DW132",
      wantedValue !== undefined
        ? `give exactly one of metadata.campaignId and metadata.skillId; under ${profile} it is metadata.${wanted}: remove metadata.${other}.`
        : wanted === "skillId"
          ? `under ${profile} a CampaignSchedule names its Personal Connection skill: write metadata.skillId: "<the skill's id>" instead of metadata.campaignId (dialwindow import writes it for you).`
          : `metadata.skillId names a Personal Connection skill of the cxone-admin profile, but dialwindow.yaml says ${profile}: write metadata.campaignId instead, or set cxone.profile: cxone-admin.`,
      "key",
    );
    return;
  }
  if (wantedValue === undefined) {
    r.error(
      doc,
      ["metadata"],
      "DW132",
      `metadata has no ${wanted}: under ${profile} every CampaignSchedule names its ${caps.noun} with metadata.${wanted}, a quoted string${wanted === "skillId" ? " of digits" : ""}.`,
      "key",
    );
  }
}

/**
 * What the profile's schedule cannot hold, before anything is sent: more windows on one
 * weekday than it keeps, and pause conditions when it has none.
 */
export function checkProfileShape(r: Reporter, doc: Doc<CampaignScheduleDocument>, caps: Capabilities): void {
  const { spec } = doc.value;
  const perDay = caps.windowsPerDay;
  if (perDay !== undefined) {
    const check = (entries: readonly DialingHoursDocument[], base: DocPath) => {
      const count = new Map<string, number>();
      entries.forEach((entry, i) => {
        for (const day of new Set(entry.days)) {
          const n = (count.get(day) ?? 0) + 1;
          count.set(day, n);
          if (n === perDay + 1) {
            r.error(
              doc,
              [...base, i],
              "DW141",
              `${day} has ${n} windows, but a ${caps.noun} (cxone.profile ${caps.profile}) holds ${perDay === 1 ? "one window a weekday" : `${perDay} windows a weekday`}. Merge ${day}'s windows into one, or split the campaign into two ${caps.noun}s.`,
            );
          }
        }
      });
    };
    check(spec.dialingHours, ["spec", "dialingHours"]);
    (spec.overrides ?? []).forEach((o, i) => {
      check(o.dialingHours, ["spec", "overrides", i, "dialingHours"]);
    });
  }
  if (!caps.pauseConditions && (spec.pauseConditions?.length ?? 0) > 0) {
    r.error(
      doc,
      ["spec", "pauseConditions"],
      "DW142",
      `a ${caps.noun} (cxone.profile ${caps.profile}) has no pause conditions to set: remove spec.pauseConditions (set them in CXone's skill settings instead).`,
      "key",
    );
  }
}

/**
 * Every window of the coming year (`fromDay` .. +372, holidays and overrides applied) fits one
 * day in the schedule zone: translated for its own date, it neither crosses midnight there
 * nor lands on another weekday. One finding per window as written.
 */
export function checkScheduleZone(
  r: Reporter,
  c: CampaignSchedule,
  zone: string,
  fromDay: number,
  clocks: ZoneClocks,
): void {
  if (zone === c.timezone) return;
  const from = clocks.get(c.timezone);
  const to = clocks.get(zone);
  const reported = new Set<string>();
  for (let day = fromDay; day <= fromDay + 365; day++) {
    for (const w of windowsOn(c, day)) {
      const key = JSON.stringify(w.source);
      if (reported.has(key)) continue;
      const t = translateWindow(day, w, from, to);
      if (!isProblem(t)) continue;
      reported.add(key);
      r.error(c.document, w.source, "DW143", t.message);
    }
  }
}
