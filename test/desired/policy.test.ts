import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { formatDate, parseDate } from "../../src/desired/civil-date.js";
import type { CallingPolicyDocument, CampaignScheduleDocument } from "../../src/desired/documents.js";
import { buildCampaign } from "../../src/desired/model.js";
import {
  applicableRules,
  checkCallingHours,
  checkDay,
  type PolicyRule,
  rulesFromPolicy,
} from "../../src/desired/policy.js";
import { ZoneClocks } from "../../src/desired/zone-clock.js";

const FEDERAL: CallingPolicyDocument = {
  apiVersion: "dialwindow/v1",
  kind: "CallingPolicy",
  metadata: { name: "us-federal" },
  spec: { rules: [{ name: "federal calling hours", allowedHours: { start: "08:00", end: "21:00" } }] },
};
const STATES: CallingPolicyDocument = {
  apiVersion: "dialwindow/v1",
  kind: "CallingPolicy",
  metadata: { name: "us-states" },
  spec: {
    rules: [
      { name: "florida calling hours", regions: ["US-FL"], allowedHours: { start: "08:00", end: "20:00" } },
      { name: "alabama no sunday calls", regions: ["US-AL"], noCallDays: ["SUN"] },
    ],
  },
};
const RULES: PolicyRule[] = [...rulesFromPolicy(FEDERAL, new Map()), ...rulesFromPolicy(STATES, new Map())];

function campaign(spec: Partial<CampaignScheduleDocument["spec"]>) {
  const value: CampaignScheduleDocument = {
    apiVersion: "dialwindow/v1",
    kind: "CampaignSchedule",
    metadata: { name: "c", campaignId: "1" },
    spec: { timezone: "America/Chicago", dialingHours: [], ...spec },
  };
  return buildCampaign({ value, source: { path: "c.yaml", text: "" }, index: 0 }, new Map());
}

function check(spec: Partial<CampaignScheduleDocument["spec"]>, from = "2026-07-01") {
  const c = campaign(spec);
  const start = DateTime.fromISO(from, { zone: "UTC" });
  const clocks = new ZoneClocks(start.toMillis() - 3 * 86_400_000, start.toMillis() + 372 * 86_400_000);
  return checkCallingHours(c, applicableRules(RULES, c), clocks, parseDate(from) as number);
}

describe("calling-hours policy across DST", () => {
  it("northern hemisphere: Phoenix 08:00 is 07:00 in Los Angeles only while LA is on standard time", () => {
    // Phoenix has no DST. From the first Sunday of November LA falls back and 08:00 Phoenix is 07:00 LA.
    const v = check({
      timezone: "America/Phoenix",
      dialingHours: [
        { days: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start: "08:00", end: "12:00" },
      ],
      recipients: { timezones: ["America/Los_Angeles"] },
    });
    assert.equal(v.length, 1);
    const [only] = v;
    assert.equal(only?.code, "DW200");
    assert.match(
      only?.message ?? "",
      /on SUN 2026-11-01 reaches recipients in America\/Los_Angeles at 07:00–11:00 local time/,
    );
    // Standard time lasts from 2026-11-01 to 2027-03-13 inclusive: 133 dates.
    assert.match(only?.message ?? "", /the same happens on 132 more dates through 2027-03-13/);
    assert.match(only?.message ?? "", /start the window at 09:00 or later/);
  });

  it("southern hemisphere: Sydney 08:00 is 07:00 in Brisbane only while Sydney is on summer time", () => {
    // Brisbane has no DST; Sydney moves forward on the first Sunday of October.
    const v = check({
      timezone: "Australia/Sydney",
      dialingHours: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "08:00", end: "17:00" }],
      recipients: { timezones: ["Australia/Sydney", "Australia/Brisbane"] },
    });
    assert.equal(v.length, 1);
    assert.match(
      v[0]?.message ?? "",
      /on MON 2026-10-05 reaches recipients in Australia\/Brisbane at 07:00–16:00/,
    );
    assert.match(v[0]?.message ?? "", /through 2027-04-02/);
  });

  it("an evening window that is legal only in the weeks between the US and UK DST changes", () => {
    // New York to London is +5 h, but +4 h between the US and UK spring changes (2027-03-14 to
    // 03-27) and autumn changes (2027-10-31 to 11-06). 16:30 New York is 21:30 London, except in
    // those weeks, when it is 20:30.
    const v = check(
      {
        timezone: "America/New_York",
        dialingHours: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "12:00", end: "16:30" }],
        recipients: { timezones: ["Europe/London"] },
      },
      "2027-03-01",
    );
    assert.equal(v.length, 1);
    assert.match(
      v[0]?.message ?? "",
      /on MON 2027-03-01 reaches recipients in Europe\/London at 17:00–21:30/,
    );
    assert.match(v[0]?.message ?? "", /end it by 16:00/);
    // 262 weekdays in the year from 2027-03-01, minus 10 in the spring gap and 5 in the autumn gap.
    assert.match(v[0]?.message ?? "", /the same happens on 246 more dates/);
  });

  it("holidays are never checked (nothing dials), overrides always are", () => {
    const base = {
      timezone: "America/New_York",
      dialingHours: [{ days: ["MON" as const], start: "09:00", end: "17:00" }],
    };
    assert.deepEqual(check(base), []);
    const v = check({
      ...base,
      overrides: [
        {
          name: "late",
          from: "2026-12-07",
          to: "2026-12-07",
          dialingHours: [{ days: ["MON"], start: "09:00", end: "21:30" }],
        },
      ],
    });
    assert.equal(v.length, 1);
    assert.match(v[0]?.message ?? "", /window MON 09:00–21:30 \(America\/New_York\) on MON 2026-12-07/);
    const onHoliday = check({
      ...base,
      holidays: { dates: ["2026-12-07"] },
      overrides: [
        {
          name: "late",
          from: "2026-12-07",
          to: "2026-12-07",
          dialingHours: [{ days: ["MON"], start: "09:00", end: "21:30" }],
        },
      ],
    });
    assert.deepEqual(onHoliday, []);
  });

  it("regional rules apply only to campaigns that name the region", () => {
    const evening = {
      timezone: "America/New_York",
      dialingHours: [{ days: ["MON" as const], start: "12:00", end: "20:30" }],
    };
    assert.deepEqual(check(evening), []);
    const fl = check({ ...evening, recipients: { regions: ["US-FL"] } });
    assert.equal(fl.length, 1);
    assert.match(fl[0]?.message ?? "", /outside the 08:00–20:00 allowed by florida calling hours/);
  });

  it("no-Sunday rules judge the recipient's local day, not the campaign's", () => {
    const v = check({
      timezone: "Pacific/Auckland",
      dialingHours: [{ days: ["MON"], start: "09:00", end: "12:00" }],
      recipients: { timezones: ["America/Chicago"], regions: ["US-AL"] },
    });
    // 09:00-12:00 Monday in Auckland (+12) is 16:00-19:00 Sunday in Chicago (-5): legal hours, illegal day.
    assert.deepEqual(
      v.map((x) => x.code),
      ["DW201"],
    );
    assert.match(
      v[0]?.message ?? "",
      /at 16:00–19:00 local time \(SUN 2026-07-05\), a day with no calls under alabama no sunday calls/,
    );
  });

  it("a window that crosses the recipient's midnight is outside any allowed hours", () => {
    const v = check({
      timezone: "Asia/Tokyo",
      dialingHours: [{ days: ["MON"], start: "09:00", end: "12:00" }],
      recipients: { timezones: ["America/New_York"] },
    });
    assert.equal(v.length, 1);
    // 09:00 Monday in Tokyo is 20:00 Sunday in New York in summer (19:00 in winter: still late).
    assert.match(
      v[0]?.message ?? "",
      /on MON 2026-07-06 reaches recipients in America\/New_York at 20:00–23:00 local time \(SUN 2026-07-05\)/,
    );
    assert.match(v[0]?.message ?? "", /the same happens on 51 more dates/);
  });
});

describe("calling-hours check: counting instead of walking every day", () => {
  /** The obvious version: every day of the year checked on its own. */
  function dayByDay(c: ReturnType<typeof campaign>, clocks: ZoneClocks, fromDay: number, days: number) {
    const rules = applicableRules(RULES_WITH_DATES, c);
    const groups = new Map<string, { count: number; first: number; last: number }>();
    for (let day = fromDay; day < fromDay + days; day++) {
      if (c.holidays.has(day)) continue;
      for (const h of checkDay(
        c,
        clocks.get(c.timezone),
        [...new Set(c.recipientZones)].map((z) => clocks.get(z)),
        rules,
        day,
      )) {
        const key = `${h.code}|${h.window.source.join(".")}|${h.zone}|${h.rule.pack}/${h.rule.name}`;
        const g = groups.get(key) ?? { count: 0, first: day, last: day };
        g.count++;
        g.last = day;
        groups.set(key, g);
      }
    }
    return groups;
  }

  const RULES_WITH_DATES: PolicyRule[] = [
    ...RULES,
    ...rulesFromPolicy(
      {
        apiVersion: "dialwindow/v1",
        kind: "CallingPolicy",
        metadata: { name: "dates" },
        spec: {
          rules: [
            {
              name: "no calls on these dates",
              noCallDates: { dates: ["2026-12-31", "2027-03-15", "2027-07-04"] },
            },
          ],
        },
      },
      new Map(),
    ),
  ];

  it("finds exactly the dates a day-by-day walk finds, for any schedule, zones, holidays and overrides", () => {
    const zones = [
      "America/Phoenix",
      "America/Los_Angeles",
      "America/New_York",
      "Australia/Sydney",
      "Europe/London",
      "Asia/Kathmandu",
      "Pacific/Chatham",
    ];
    const hour = fc.integer({ min: 0, max: 22 });
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.subarray(zones, { minLength: 1, maxLength: 3 }),
        hour,
        fc.integer({ min: 1, max: 12 }),
        fc.subarray(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const, { minLength: 1 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 360 }), fc.integer({ min: 0, max: 20 }), hour)),
        fc.constantFrom<string[]>(["US-AL"], ["US-FL"], []),
        (zone, recipients, h, len, days, holidayOffsets, override, regions) => {
          const start = DateTime.fromISO("2026-07-01", { zone: "UTC" });
          const fromDay = parseDate("2026-07-01") as number;
          const dateOf = (k: number) => start.plus({ days: k }).toISODate() as string;
          const time = (x: number) => `${String(Math.min(x, 23)).padStart(2, "0")}:00`;
          const c = campaign({
            timezone: zone,
            dialingHours: [
              {
                days: [...days],
                start: time(h),
                end: time(Math.min(h + len, 23)) === time(h) ? "23:59" : time(Math.min(h + len, 23)),
              },
            ],
            recipients: { timezones: recipients, regions },
            holidays: { dates: holidayOffsets.map(dateOf) },
            ...(override
              ? {
                  overrides: [
                    {
                      name: "o",
                      from: dateOf(override[0]),
                      to: dateOf(override[0] + override[1]),
                      dialingHours: [
                        {
                          days: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
                          start: time(override[2]),
                          end: "23:00",
                        },
                      ],
                    },
                  ],
                }
              : {}),
          });
          const clocks = new ZoneClocks(
            start.toMillis() - 3 * 86_400_000,
            start.toMillis() + 372 * 86_400_000,
          );
          const fast = checkCallingHours(c, applicableRules(RULES_WITH_DATES, c), clocks, fromDay);
          const slow = dayByDay(c, clocks, fromDay, 366);
          assert.equal(fast.length, slow.size);
          for (const v of fast) {
            const n = /the same happens on (\d+) more dates? through (\d{4}-\d{2}-\d{2})/.exec(v.message);
            const expected = [...slow.values()].some((g) =>
              n ? g.count === Number(n[1]) + 1 && formatDate(g.last) === n[2] : g.count === 1,
            );
            assert.ok(expected, `${v.message}\n${JSON.stringify([...slow])}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("calling-hours advice", () => {
  it("names the window as written, with all its days", () => {
    const v = check({
      timezone: "America/New_York",
      dialingHours: [
        { days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "21:30" },
        { days: ["SAT", "TUE"], start: "07:00", end: "08:30" },
      ],
    });
    const messages = v.map((x) => x.message);
    assert.ok(
      messages.some((m) => /^window MON–FRI 09:00–21:30 \(America\/New_York\) on /.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m) => /^window TUE, SAT 07:00–08:30 \(America\/New_York\) on /.test(m)),
      messages.join("\n"),
    );
  });

  it("suggests removing a recipient zone only when the file lists it", () => {
    const window = { days: ["MON" as const], start: "09:00", end: "21:30" };
    const implicit = check({ timezone: "America/New_York", dialingHours: [window] });
    assert.equal(implicit.length, 1);
    assert.match(implicit[0]?.message ?? "", /To fix: end it by 21:00\./);
    assert.doesNotMatch(implicit[0]?.message ?? "", /spec\.recipients/);
    const listed = check({
      timezone: "America/New_York",
      dialingHours: [window],
      recipients: { timezones: ["America/New_York"] },
    });
    assert.match(
      listed[0]?.message ?? "",
      /To fix: end it by 21:00, or remove America\/New_York from spec\.recipients\.timezones\./,
    );
  });
});
