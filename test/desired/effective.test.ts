import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { formatDate, parseDate, weekdayName } from "../../src/desired/civil-date.js";
import type { CampaignScheduleDocument } from "../../src/desired/documents.js";
import { effectiveSchedule, localDay, upcomingTransitions, windowsOn } from "../../src/desired/effective.js";
import { buildCampaign, type CampaignSchedule, type HolidayCalendar } from "../../src/desired/model.js";
import { normalizeSchedule, WEEKDAYS, type Weekday } from "../../src/desired/schedule.js";

function make(
  spec: Partial<CampaignScheduleDocument["spec"]>,
  calendars: HolidayCalendar[] = [],
): CampaignSchedule {
  const value: CampaignScheduleDocument = {
    apiVersion: "dialwindow/v1",
    kind: "CampaignSchedule",
    metadata: { name: "c", campaignId: "1" },
    spec: {
      timezone: "America/Chicago",
      dialingHours: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "17:00" }],
      ...spec,
    },
  };
  return buildCampaign(
    { value, source: { path: "campaigns/c.yaml", text: "" }, index: 0 },
    new Map(calendars.map((c) => [c.name, c])),
  );
}

const christmas: HolidayCalendar = {
  name: "us",
  holidays: new Map([[parseDate("2026-12-25") as number, "Christmas Day"]]),
};

describe("effective schedule", () => {
  it("a holiday empties its weekday slot from local midnight six days before", () => {
    const c = make({ holidays: { calendars: ["us"] } }, [christmas]);
    const fri = (at: string) =>
      effectiveSchedule(c, DateTime.fromISO(at, { zone: "America/Chicago" })).dialingHours.filter(
        (h) => h.day === "FRI",
      );
    // Friday the 18th still dials (it is "today"); from Saturday 00:00 the FRI slot means the 25th.
    assert.equal(fri("2026-12-18T23:59").length, 1);
    assert.equal(fri("2026-12-19T00:00").length, 0);
    assert.equal(fri("2026-12-25T12:00").length, 0);
    assert.equal(fri("2026-12-26T00:00").length, 1);
  });

  it("an override replaces the hours of its dates and closes the days it does not list", () => {
    const c = make({
      overrides: [
        {
          name: "black-friday",
          from: "2026-11-27",
          to: "2026-11-28",
          dialingHours: [{ days: ["FRI", "SAT"], start: "08:00", end: "20:00" }],
        },
      ],
    });
    const s = effectiveSchedule(c, DateTime.fromISO("2026-11-27T10:00", { zone: "America/Chicago" }));
    assert.deepEqual(
      s.dialingHours.filter((h) => h.day === "FRI" || h.day === "SAT"),
      [
        { day: "FRI", startTime: "08:00", endTime: "20:00" },
        { day: "SAT", startTime: "08:00", endTime: "20:00" },
      ],
    );
    const sunday = DateTime.fromISO("2026-11-29T00:00", { zone: "America/Chicago" });
    assert.deepEqual(
      effectiveSchedule(c, sunday),
      effectiveSchedule(make({}), sunday),
      "the weekly hours again",
    );
  });

  it("lists transitions at local midnight, DST-correct, with the reason", () => {
    const c = make({ holidays: { calendars: ["us"] } }, [christmas]);
    const ts = upcomingTransitions(c, DateTime.fromISO("2026-12-01T00:00:00Z"));
    assert.deepEqual(
      ts.map((t) => [t.at, t.day, t.date, t.reason, t.after.length]),
      [
        ["2026-12-19T00:00:00.000-06:00", "FRI", "2026-12-25", "holiday: Christmas Day", 0],
        [
          "2026-12-26T00:00:00.000-06:00",
          "FRI",
          "2027-01-01",
          "weekly hours again after holiday: Christmas Day",
          1,
        ],
      ],
    );
    // Across the spring-forward change, midnight keeps its local meaning.
    const spring = make({ holidays: { dates: ["2027-03-19"] } });
    const [t] = upcomingTransitions(spring, DateTime.fromISO("2027-03-10T00:00:00Z"));
    assert.equal(t?.at, "2027-03-13T00:00:00.000-06:00");
    const [u] = upcomingTransitions(spring, DateTime.fromISO("2027-03-14T00:00:00Z"));
    assert.equal(u?.at, "2027-03-20T00:00:00.000-05:00");
  });
});

// Arbitrary campaigns for the properties below.
const windowArb = fc
  .tuple(
    fc.integer({ min: 0, max: 22 }),
    fc.integer({ min: 1, max: 8 }),
    fc.subarray([...WEEKDAYS], { minLength: 1 }),
  )
  .map(([h, len, days]) => ({
    days: days as Weekday[],
    start: `${String(h).padStart(2, "0")}:00`,
    end: `${String(Math.min(h + len, 23)).padStart(2, "0")}:${h + len > 23 ? "59" : "00"}`,
  }));
const dayArb = fc.integer({ min: parseDate("2026-11-01") as number, max: parseDate("2027-10-31") as number });
const campaignArb = fc
  .record({
    zone: fc.constantFrom(
      "America/Chicago",
      "Australia/Sydney",
      "Europe/London",
      "America/Santiago",
      "Asia/Kolkata",
    ),
    window: windowArb,
    holidays: fc.uniqueArray(dayArb, { maxLength: 8 }),
    override: fc.option(fc.tuple(dayArb, fc.integer({ min: 0, max: 9 }), windowArb)),
  })
  .map(({ zone, window, holidays, override }) =>
    make({
      timezone: zone,
      dialingHours: [window],
      holidays: { dates: holidays.map(formatDate) },
      ...(override
        ? {
            overrides: [
              {
                name: "o",
                from: formatDate(override[0]),
                to: formatDate(override[0] + override[1]),
                dialingHours: [override[2]],
              },
            ],
          }
        : {}),
    }),
  );
const instantArb = fc
  .integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2027, 9, 1) })
  .map((ms) => DateTime.fromMillis(ms, { zone: "UTC" }));

describe("effective schedule: properties", () => {
  it("is already normalised (normalising again changes nothing)", () => {
    fc.assert(
      fc.property(campaignArb, instantArb, (c, at) => {
        const s = effectiveSchedule(c, at);
        assert.deepEqual(normalizeSchedule(s), s);
      }),
    );
  });

  it("never sends a window on a holiday date: the slot for a holiday is empty whenever it describes that date", () => {
    fc.assert(
      fc.property(campaignArb, instantArb, (c, at) => {
        const today = localDay(c, at);
        const s = effectiveSchedule(c, at);
        for (let i = 0; i < 7; i++) {
          if (c.holidays.has(today + i)) {
            assert.equal(s.dialingHours.filter((h) => h.day === weekdayName(today + i)).length, 0);
          }
        }
      }),
    );
  });

  it("each slot holds exactly the windows of the date it describes", () => {
    fc.assert(
      fc.property(campaignArb, instantArb, (c, at) => {
        const today = localDay(c, at);
        const s = effectiveSchedule(c, at);
        for (let i = 0; i < 7; i++) {
          const day = weekdayName(today + i);
          assert.equal(s.dialingHours.filter((h) => h.day === day).length, windowsOn(c, today + i).length);
        }
      }),
    );
  });

  it("changes only at the listed transitions, each at a local midnight (DST-correct)", () => {
    fc.assert(
      fc.property(campaignArb, instantArb, (c, at) => {
        const transitions = upcomingTransitions(c, at, 21);
        for (const t of transitions) {
          const instant = DateTime.fromISO(t.at, { setZone: true });
          const local = instant.setZone(c.timezone);
          assert.equal(local.toISODate(), local.startOf("day").toISODate());
          assert.equal(+local, +local.startOf("day"), `${t.at} is not local midnight in ${c.timezone}`);
          const before = effectiveSchedule(c, instant.minus({ minutes: 1 }));
          const after = effectiveSchedule(c, instant);
          assert.notDeepEqual(before, after);
        }
        // Between consecutive transitions (sampled at each local noon), nothing changes.
        const marks = [at, ...transitions.map((t) => DateTime.fromISO(t.at, { setZone: true }))];
        for (let i = 0; i + 1 < marks.length; i++) {
          const a = marks[i] as DateTime;
          const b = marks[i + 1] as DateTime;
          const base = effectiveSchedule(c, a);
          for (let probe = a.plus({ hours: 12 }); probe < b; probe = probe.plus({ days: 1 })) {
            assert.deepEqual(effectiveSchedule(c, probe), base);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("effective schedule: every day of a year", () => {
  it("every date's windows land on the wire before that date starts", () => {
    const c = make({ holidays: { calendars: ["us"], dates: ["2027-07-05"] } }, [christmas]);
    const start = parseDate("2026-12-01") as number;
    for (let d = start; d < start + 365; d++) {
      const midnight = DateTime.fromISO(formatDate(d), { zone: c.timezone }).startOf("day");
      const s = effectiveSchedule(c, midnight);
      const slot = s.dialingHours.filter((h) => h.day === weekdayName(d));
      assert.equal(slot.length, windowsOn(c, d).length, formatDate(d));
    }
  });
});
