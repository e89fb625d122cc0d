import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import type { CampaignScheduleDocument } from "../../src/desired/documents.js";
import { effectiveSchedule } from "../../src/desired/effective.js";
import { buildCampaign, type CampaignSchedule } from "../../src/desired/model.js";
import { normalizeSchedule, PAUSE_CONDITIONS, type Schedule, WEEKDAYS } from "../../src/desired/schedule.js";
import type { LiveCampaign } from "../../src/live/port.js";
import { diffSchedules } from "../../src/plan/diff.js";
import { buildPlan, planCampaign, planExitCode } from "../../src/plan/plan.js";
import { renderMarkdown, renderText } from "../../src/plan/render.js";
import { matchSnapshot } from "../helpers/snapshot.js";

const AT = DateTime.fromISO("2026-12-01T15:00:00Z");

const hourArb = fc
  .record({
    day: fc.constantFrom(...WEEKDAYS),
    h: fc.integer({ min: 0, max: 22 }),
    len: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ day, h, len }) => ({
    day,
    startTime: `${String(h).padStart(2, "0")}:00`,
    endTime: `${String(Math.min(h + len, 23)).padStart(2, "0")}:30`,
  }));
const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  timezone: fc.constantFrom("America/Chicago", "Europe/London"),
  dialingHours: fc.array(hourArb, { maxLength: 10 }),
  pauseConditions: fc.subarray([...PAUSE_CONDITIONS]),
});
const shuffled = (s: Schedule, seed: number): Schedule => {
  const rotate = <T>(xs: T[]) =>
    xs.length === 0 ? xs : [...xs.slice(seed % xs.length), ...xs.slice(0, seed % xs.length)];
  return {
    timezone: s.timezone,
    dialingHours: rotate([...s.dialingHours]).reverse(),
    pauseConditions: rotate([...s.pauseConditions]),
  };
};

function campaign(
  spec: Partial<CampaignScheduleDocument["spec"]> = {},
  name = "c",
  id = "1",
): CampaignSchedule {
  const value: CampaignScheduleDocument = {
    apiVersion: "dialwindow/v1",
    kind: "CampaignSchedule",
    metadata: { name, campaignId: id },
    spec: {
      timezone: "America/Chicago",
      dialingHours: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "17:00" }],
      ...spec,
    },
  };
  return buildCampaign({ value, source: { path: `campaigns/${name}.yaml`, text: "" }, index: 0 }, new Map());
}

describe("planner properties", () => {
  it("the diff of a schedule against itself, in any order, is empty", () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat(), (s, seed) => {
        assert.deepEqual(diffSchedules(s, s), []);
        assert.deepEqual(diffSchedules(s, shuffled(s, seed)), []);
      }),
    );
  });

  it("normalisation is idempotent and order-insensitive", () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat(), (s, seed) => {
        assert.deepEqual(normalizeSchedule(normalizeSchedule(s)), normalizeSchedule(s));
        assert.deepEqual(normalizeSchedule(shuffled(s, seed)), normalizeSchedule(s));
      }),
    );
  });

  it("a plan applied to live yields no further plan", () => {
    fc.assert(
      fc.property(scheduleArb, (live) => {
        const c = campaign();
        const first = planCampaign(c, { id: "1", version: '"a"', schedule: live }, undefined, AT);
        if (first.action === "noop") return;
        assert.equal(first.action, "update");
        const afterApply: LiveCampaign = { id: "1", version: '"b"', schedule: first.after };
        assert.equal(planCampaign(c, afterApply, undefined, AT).action, "noop");
      }),
    );
  });

  it("the diff lists exactly the windows to remove and add", () => {
    fc.assert(
      fc.property(scheduleArb, scheduleArb, (a, b) => {
        const d = diffSchedules(a, b);
        const key = (h: { day: string; startTime: string; endTime: string }) =>
          `${h.day}${h.startTime}${h.endTime}`;
        const after = new Set(normalizeSchedule(a).dialingHours.map(key));
        for (const e of d) if (e.path === "dialingHours" && e.op === "remove") after.delete(key(e.value));
        for (const e of d) if (e.path === "dialingHours" && e.op === "add") after.add(key(e.value));
        assert.deepEqual([...after].sort(), normalizeSchedule(b).dialingHours.map(key).sort());
      }),
    );
  });
});

describe("plan output (snapshots: a change to the wording shows in review)", () => {
  const live = (schedule: Schedule, version = '"e1"'): LiveCampaign => ({ id: "x", version, schedule });
  const q4 = campaign(
    {
      pauseConditions: ["NO_ANSWER", "BUSY"],
      holidays: { dates: ["2026-12-25"] },
    },
    "q4-outreach",
    "123456789012345678",
  );
  const east = campaign({ timezone: "America/New_York" }, "collections-east", "223456789012345678");
  const gone = campaign({}, "renewals-west", "323456789012345678");
  // Mon 2026-12-07 is a holiday: since local midnight the MON slot describes it, and CXone
  // still holds the ordinary Monday of the week before.
  const reminders = campaign(
    { holidays: { dates: ["2026-12-07"] } },
    "appointment-reminders",
    "523456789012345678",
  );
  const baseline = new Map([
    // The base branch's q4-outreach ended at 16:00: this revision changes it.
    [
      q4.campaignId,
      campaign(
        {
          ...q4.document.value.spec,
          dialingHours: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "16:00" }],
        },
        q4.name,
        q4.campaignId,
      ),
    ],
    [east.campaignId, east],
    [reminders.campaignId, reminders],
  ]);
  const plan = buildPlan({
    baseline,
    campaigns: [q4, east, gone, reminders],
    live: new Map([
      [
        "123456789012345678",
        live({
          timezone: "America/Chicago",
          dialingHours: [
            { day: "MON", startTime: "08:00", endTime: "16:00" },
            { day: "WED", startTime: "09:00", endTime: "17:00" },
          ],
          pauseConditions: ["BUSY"],
        }),
      ],
      [
        "223456789012345678",
        live({
          ...normalizeSchedule({ timezone: "America/New_York", dialingHours: [], pauseConditions: [] }),
        }),
      ],
      ["523456789012345678", live(effectiveSchedule(reminders, AT.minus({ days: 1 })))],
    ]),
    problems: new Map(),
    at: AT,
    revision: "0123456789abcdef0123456789abcdef01234567",
    transitionDays: 30,
  });

  it("text", () => {
    assert.equal(planExitCode(plan), 1);
    matchSnapshot("plan.txt", renderText(plan, { target: "https://acme.mycxone.com/api/v2" }));
  });

  it("markdown", () => {
    matchSnapshot("plan.md", renderMarkdown(plan));
  });

  it("says why each update is there: this revision, a hand edit, or a transition", () => {
    const why = Object.fromEntries(plan.changes.map((c) => [c.name, [c.cause, c.because]]));
    assert.deepEqual(why["q4-outreach"], ["desired", "changed in this revision"]);
    assert.deepEqual(why["collections-east"], ["drift", "changed in CXone since it was last written"]);
    assert.deepEqual(why["appointment-reminders"], ["transition", "holiday: spec.holidays.dates"]);
    const md = renderMarkdown(plan);
    const order = [
      "#### Changed in this revision",
      "#### Changed by hand in CXone",
      "#### Moved by a holiday",
      "#### Errors",
    ].map((h) => md.indexOf(h));
    assert.ok(
      order.every((x, i) => x > 0 && (i === 0 || x > (order[i - 1] as number))),
      md,
    );
    const noBase = buildPlan({
      campaigns: [q4],
      live: new Map([[q4.campaignId, live(effectiveSchedule(east, AT))]]),
      problems: new Map(),
      at: AT,
      revision: null,
    });
    assert.equal(noBase.changes[0]?.cause, "unattributed");
  });

  it("markdown cuts long plans with a count", () => {
    const many = Array.from({ length: 80 }, (_, i) => campaign({}, `c-${i}`, String(1000 + i)));
    const big = buildPlan({
      campaigns: many,
      live: new Map(
        many.map((c) => [
          c.campaignId,
          {
            id: c.campaignId,
            version: '"e"',
            schedule: { timezone: "America/Chicago", dialingHours: [], pauseConditions: [] },
          },
        ]),
      ),
      problems: new Map(),
      at: AT,
      revision: null,
    });
    const md = renderMarkdown(big);
    assert.match(md, /…and 30 more not shown; the job log has the full plan\./);
    assert.match(md, /…and 55 more campaigns' details not shown\./);
    assert.ok(md.length < 65_536, "fits in a GitHub comment");
  });
});
