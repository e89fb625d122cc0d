import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { daysFromCivil, formatDate, parseDate, weekdayName } from "../../src/desired/civil-date.js";
import { ZoneClock } from "../../src/desired/zone-clock.js";

const ZONES = [
  "America/Chicago",
  "America/New_York",
  "America/Phoenix",
  "America/Santiago", // DST change at local midnight
  "Australia/Sydney", // southern hemisphere
  "Australia/Lord_Howe", // 30-minute DST shift
  "Europe/London",
  "Asia/Kolkata", // +05:30, no DST
  "Pacific/Chatham", // +12:45/+13:45
  "UTC",
];
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 0, 1);
const clocks = new Map(ZONES.map((z) => [z, new ZoneClock(z, FROM, TO)]));

describe("civil dates", () => {
  it("agree with luxon on every date of a wide range", () => {
    fc.assert(
      fc.property(fc.integer({ min: -30000, max: 60000 }), (day) => {
        const lux = DateTime.fromMillis(day * 86_400_000, { zone: "UTC" });
        assert.equal(formatDate(day), lux.toISODate());
        assert.equal(parseDate(formatDate(day)), day);
        assert.equal(weekdayName(day), lux.toFormat("ccc").toUpperCase());
        assert.equal(daysFromCivil(lux.year, lux.month, lux.day), day);
      }),
    );
  });

  it("refuses dates that do not exist", () => {
    for (const bad of [
      "2026-02-29",
      "2026-02-30",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31",
      "26-01-01",
      "2026-1-1",
    ]) {
      assert.equal(parseDate(bad), undefined, bad);
    }
    assert.equal(formatDate(parseDate("2028-02-29") as number), "2028-02-29");
  });
});

describe("ZoneClock: conversions match luxon", () => {
  it("offsetAt and localOf for any instant", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, ms) => {
        const clock = clocks.get(zone) as ZoneClock;
        const lux = DateTime.fromMillis(ms, { zone });
        assert.equal(clock.offsetAt(ms), lux.offset);
        assert.equal(clock.localOf(ms), ms + lux.offset * 60_000);
      }),
      { numRuns: 2000 },
    );
  });

  it("instantOf round-trips every wall time that exists exactly once", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: FROM / 60_000 + 2880, max: TO / 60_000 - 2880 }),
        (zone, minute) => {
          const clock = clocks.get(zone) as ZoneClock;
          const local = minute * 60_000;
          const t = clock.instantOf(local);
          // Wall times inside a gap have no instant; everything else maps back to itself.
          const inGap = clock.localOf(t) !== local;
          if (!inGap) {
            assert.equal(clock.localOf(t), local);
            const wall = DateTime.fromMillis(local, { zone: "UTC" });
            const lux = DateTime.fromObject(
              { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute },
              { zone },
            );
            // luxon agrees except on repeated wall times, where we pick the earlier instant.
            assert.ok(lux.toMillis() === t || clock.localOf(lux.toMillis()) === local);
          } else {
            assert.ok(clock.localOf(t) > local, "a wall time in a gap moves forward");
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("a repeated wall time (fall back) means its first occurrence", () => {
    const chicago = clocks.get("America/Chicago") as ZoneClock;
    const local = Date.UTC(2026, 10, 1, 1, 30); // 01:30 on 2026-11-01 happens twice in Chicago
    assert.equal(new Date(chicago.instantOf(local)).toISOString(), "2026-11-01T06:30:00.000Z");
  });

  it("a skipped wall time (spring forward) moves forward by the gap", () => {
    const chicago = clocks.get("America/Chicago") as ZoneClock;
    const local = Date.UTC(2026, 2, 8, 2, 30); // 02:30 on 2026-03-08 does not exist in Chicago
    assert.equal(
      new Date(chicago.localOf(chicago.instantOf(local))).toISOString(),
      "2026-03-08T03:30:00.000Z",
    );
  });

  it("finds transitions to the minute in both hemispheres", () => {
    const sydney = clocks.get("Australia/Sydney") as ZoneClock;
    const isoTransitions = sydney.transitions().map((t) => new Date(t).toISOString());
    assert.deepEqual(isoTransitions.slice(0, 2), ["2026-04-04T16:00:00.000Z", "2026-10-03T16:00:00.000Z"]);
    const lordHowe = clocks.get("Australia/Lord_Howe") as ZoneClock;
    assert.equal(lordHowe.offsetAt(Date.UTC(2026, 6, 1)), 630);
    assert.equal(lordHowe.offsetAt(Date.UTC(2026, 11, 1)), 660);
  });
});

describe("ZoneClock.transitions", () => {
  it("holds only the span's changes, though tables are shared by whole UTC days", () => {
    // New York springs forward at 2026-03-08T07:00Z; both spans lie within that UTC day.
    const change = Date.parse("2026-03-08T07:00:00Z");
    const before = new ZoneClock(
      "America/New_York",
      Date.parse("2026-03-08T01:00:00Z"),
      Date.parse("2026-03-09T00:00:00Z"),
    );
    const after = new ZoneClock(
      "America/New_York",
      Date.parse("2026-03-08T08:00:00Z"),
      Date.parse("2026-03-09T00:00:00Z"),
    );
    assert.deepEqual(before.transitions(), [change]);
    assert.deepEqual(after.transitions(), [], "the change is before this span");
    assert.equal(after.offsetAt(Date.parse("2026-03-08T12:00:00Z")), -240);
  });
});
