import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import type { SyncWindowDocument } from "../../src/desired/documents.js";
import { WEEKDAYS, type Weekday } from "../../src/desired/schedule.js";
import { SyncWindows } from "../../src/reconcile/sync-windows.js";

const CHICAGO = "America/Chicago";
const WEEKDAYS_MON_FRI: Weekday[] = ["MON", "TUE", "WED", "THU", "FRI"];

function deny(timezone: string, days: Weekday[], start: string, end: string): SyncWindowDocument {
  return { kind: "deny", timezone, days, start, end };
}

const utc = (iso: string) => DateTime.fromISO(iso, { zone: "utc" });
const iso = (dt: DateTime | undefined) => dt?.toUTC().toISO({ suppressMilliseconds: true });

describe("SyncWindows", () => {
  const lunch = deny(CHICAGO, WEEKDAYS_MON_FRI, "12:00", "13:00");

  it("denies writes inside a window, on local wall-clock time in both winter and summer", () => {
    const w = new SyncWindows([lunch]);
    // 12:30 CST (UTC-6) on Wednesday 2026-01-14.
    const winter = w.check(utc("2026-01-14T18:30:00Z"));
    assert.equal(winter.denied, true);
    assert.deepEqual(winter.window, lunch);
    assert.equal(iso(winter.until), "2026-01-14T19:00:00Z");
    // 12:30 CDT (UTC-5) on Wednesday 2026-07-15.
    const summer = w.check(utc("2026-07-15T17:30:00Z"));
    assert.equal(summer.denied, true);
    assert.equal(iso(summer.until), "2026-07-15T18:00:00Z");
    // 13:00 local is already outside: end is exclusive.
    assert.deepEqual(w.check(utc("2026-07-15T18:00:00Z")), { denied: false });
    // 11:59 local is outside, and the change is one minute away.
    assert.equal(w.check(utc("2026-07-15T16:59:00Z")).denied, false);
    assert.equal(iso(w.nextChange(utc("2026-07-15T16:59:00Z"))), "2026-07-15T17:00:00Z");
  });

  it("applies only on the listed days, and finds the next window across a weekend", () => {
    const w = new SyncWindows([lunch]);
    // Saturday 12:30 CDT.
    assert.equal(w.check(utc("2026-07-18T17:30:00Z")).denied, false);
    // From Friday 13:00 CDT the next change is Monday 12:00 CDT.
    assert.equal(iso(w.nextChange(utc("2026-07-17T18:00:00Z"))), "2026-07-20T17:00:00Z");
  });

  it("answers in the zone of the instant it was asked about", () => {
    const w = new SyncWindows([lunch]);
    const at = DateTime.fromISO("2026-07-15T19:30:00", { zone: "Europe/Berlin" });
    const state = w.check(at);
    assert.equal(state.denied, true);
    assert.equal(state.until?.zoneName, "Europe/Berlin");
    assert.equal(state.until?.toISO({ suppressMilliseconds: true }), "2026-07-15T20:00:00+02:00");
  });

  it("lasts three real hours on the night the clocks fall back (01:00 happens twice)", () => {
    const w = new SyncWindows([deny(CHICAGO, ["SUN"], "01:00", "03:00")]);
    // Sunday 2026-11-01: 01:00 CDT = 06:00Z; 02:00 CDT becomes 01:00 CST = 07:00Z; 03:00 CST = 09:00Z.
    assert.equal(iso(w.nextChange(utc("2026-11-01T05:00:00Z"))), "2026-11-01T06:00:00Z");
    const first = w.check(utc("2026-11-01T06:30:00Z")); // 01:30 CDT
    const second = w.check(utc("2026-11-01T07:30:00Z")); // 01:30 CST, the second time round
    const third = w.check(utc("2026-11-01T08:30:00Z")); // 02:30 CST
    for (const state of [first, second, third]) {
      assert.equal(state.denied, true);
      assert.equal(iso(state.until), "2026-11-01T09:00:00Z");
    }
    assert.equal(w.check(utc("2026-11-01T09:00:00Z")).denied, false);
  });

  it("lasts one real hour on the night the clocks spring forward (02:00–03:00 never happens)", () => {
    const w = new SyncWindows([deny(CHICAGO, ["SUN"], "01:00", "03:00")]);
    // Sunday 2026-03-08: 01:00 CST = 07:00Z; at 08:00Z the clock jumps from 02:00 CST to 03:00 CDT.
    const state = w.check(utc("2026-03-08T07:30:00Z"));
    assert.equal(state.denied, true);
    assert.equal(iso(state.until), "2026-03-08T08:00:00Z");
    assert.equal(w.check(utc("2026-03-08T08:00:00Z")).denied, false);
  });

  it("starts a window that begins inside the skipped hour when the clock jumps past its start", () => {
    const w = new SyncWindows([deny(CHICAGO, ["SUN"], "02:30", "04:00")]);
    assert.equal(iso(w.nextChange(utc("2026-03-08T07:00:00Z"))), "2026-03-08T08:00:00Z");
    const state = w.check(utc("2026-03-08T08:00:00Z")); // 03:00 CDT
    assert.equal(state.denied, true);
    assert.equal(iso(state.until), "2026-03-08T09:00:00Z"); // 04:00 CDT
  });

  it("reports the end of touching and overlapping windows as one stretch, across zones", () => {
    const w = new SyncWindows([
      deny(CHICAGO, WEEKDAYS_MON_FRI, "12:00", "13:00"),
      deny(CHICAGO, WEEKDAYS_MON_FRI, "13:00", "14:00"),
      // 14:30–15:30 CDT, written in New York time.
      deny("America/New_York", WEEKDAYS_MON_FRI, "15:30", "16:30"),
      deny("UTC", WEEKDAYS_MON_FRI, "19:45", "20:00"),
    ]);
    const state = w.check(utc("2026-07-15T17:10:00Z"));
    assert.equal(state.window?.start, "12:00");
    assert.equal(iso(state.until), "2026-07-15T19:00:00Z", "13:00 and 14:00 touch; 14:00–14:30 CDT is open");
    assert.equal(iso(w.nextChange(utc("2026-07-15T19:00:00Z"))), "2026-07-15T19:30:00Z");
    const ny = w.check(utc("2026-07-15T19:30:00Z"));
    assert.equal(ny.window?.timezone, "America/New_York");
    assert.equal(iso(ny.until), "2026-07-15T20:30:00Z");
    // The UTC window sits inside the New York one: its own end (20:00Z) does not end the stretch.
    assert.equal(w.check(utc("2026-07-15T19:50:00Z")).window?.timezone, "America/New_York");
  });

  it("never denies without windows", () => {
    const w = new SyncWindows([]);
    assert.deepEqual(w.check(utc("2026-07-15T17:30:00Z")), { denied: false });
    assert.equal(w.nextChange(utc("2026-07-15T17:30:00Z")), undefined);
  });

  it("refuses windows validation would have refused", () => {
    assert.throws(() => new SyncWindows([deny("Mars/Olympus", ["MON"], "01:00", "02:00")]), RangeError);
    assert.throws(() => new SyncWindows([deny(CHICAGO, ["MON"], "03:00", "02:00")]), RangeError);
    assert.throws(() => new SyncWindows([deny(CHICAGO, ["MON"], "24:00", "24:30")]), RangeError);
    assert.throws(() => new SyncWindows([deny(CHICAGO, ["XYZ" as Weekday], "01:00", "02:00")]), RangeError);
    assert.throws(() => new SyncWindows([lunch]).check(DateTime.invalid("test")), RangeError);
  });

  it("agrees with a minute-by-minute walk of the wall clock, around DST changes in odd zones", () => {
    // Lord Howe moves its clocks by 30 minutes; Kolkata never moves them; London and Chicago
    // change on different dates. Instants cluster around each zone's changes.
    const zones = ["America/Chicago", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"];
    const anchors = [
      "2026-03-08T08:00:00Z",
      "2026-03-29T01:00:00Z",
      "2026-04-04T15:00:00Z",
      "2026-10-03T15:30:00Z",
      "2026-10-25T01:00:00Z",
      "2026-11-01T07:00:00Z",
    ].map((s) => Date.parse(s));
    const time = fc
      .integer({ min: 0, max: 23 * 60 })
      .chain((start) =>
        fc.integer({ min: start + 1, max: 23 * 60 + 59 }).map((end) => [start, end] as const),
      );
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    const windowArb = fc
      .record({
        zone: fc.constantFrom(...zones),
        days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
        time,
      })
      .map(({ zone, days, time: [s, e] }) => deny(zone, days, hhmm(s), hhmm(e)));

    const deniedByWalk = (windows: SyncWindowDocument[], ms: number) =>
      windows.some((w) => {
        const local = DateTime.fromMillis(ms, { zone: w.timezone });
        const minute = local.hour * 60 + local.minute;
        return (
          w.days.includes(WEEKDAYS[local.weekday - 1] as Weekday) &&
          minute >= Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3)) &&
          minute < Number(w.end.slice(0, 2)) * 60 + Number(w.end.slice(3))
        );
      });

    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...anchors),
        fc.integer({ min: -36 * 60, max: 36 * 60 }),
        (windows, anchor, offsetMinutes) => {
          const sw = new SyncWindows(windows);
          const start = anchor + offsetMinutes * 60_000;
          const at = DateTime.fromMillis(start, { zone: "utc" });
          const now = deniedByWalk(windows, start);
          assert.equal(sw.check(at).denied, now);
          let expected: number | undefined;
          for (let t = start + 60_000; t <= start + 8 * 86_400_000; t += 60_000) {
            if (deniedByWalk(windows, t) !== now) {
              expected = t;
              break;
            }
          }
          assert.equal(sw.nextChange(at)?.toMillis(), expected);
          if (now) assert.equal(sw.check(at).until?.toMillis(), expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
