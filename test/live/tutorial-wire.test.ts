import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ProtocolError } from "../../src/live/errors.js";
import { apiReason, redactRequest, redactUrl, scrub } from "../../src/live/http.js";
import { fullJitterDelay, isRetryableStatus, parseRetryAfter } from "../../src/live/retry.js";
import {
  parseCampaign,
  parseCampaignId,
  parseWireSchedule,
  scheduleBody,
} from "../../src/live/tutorial-wire.js";
import { schedule } from "./fake-cxone.js";

const bad = (patch: Record<string, unknown>) => ({ ...schedule(), ...patch });

test("schedules that break the wire contract are ProtocolErrors that say where", () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /schedule is null, expected an object/],
    [bad({ timezone: "" }), /schedule\.timezone is "", expected an IANA zone/],
    [bad({ timezone: undefined }), /schedule\.timezone is missing/],
    [bad({ dialingHours: {} }), /schedule\.dialingHours is \{\}, expected an array/],
    [
      bad({ dialingHours: [{ day: "MON", startTime: "8:00", endTime: "16:00" }] }),
      /dialingHours\[0\]\.startTime is "8:00"/,
    ],
    [
      bad({ dialingHours: [{ day: "MON", startTime: "08:00", endTime: "24:30" }] }),
      /dialingHours\[0\]\.endTime/,
    ],
    [
      bad({ dialingHours: [{ day: "Mon", startTime: "08:00", endTime: "16:00" }] }),
      /dialingHours\[0\]\.day is "Mon"/,
    ],
    [bad({ dialingHours: ["MON 08-16"] }), /dialingHours\[0\] is "MON 08-16"/],
    [bad({ pauseConditions: "BUSY" }), /pauseConditions is "BUSY", expected an array/],
    [bad({ pauseConditions: ["BUSY", "LUNCH"] }), /pauseConditions\[1\] is "LUNCH"/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => parseWireSchedule(value, "GET /x"),
      (err: unknown) => {
        assert.ok(err instanceof ProtocolError, String(value));
        assert.match(err.message, /^GET \/x: /);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});

test("a valid schedule is returned with only the wire fields", () => {
  const parsed = parseWireSchedule(
    { ...schedule(), extra: 1, dialingHours: [{ day: "SUN", startTime: "00:00", endTime: "23:59", x: 1 }] },
    "w",
  );
  assert.deepEqual(parsed, {
    ...schedule(),
    dialingHours: [{ day: "SUN", startTime: "00:00", endTime: "23:59" }],
  });
});

test("campaign ids are strings; numbers only while they are exact", () => {
  assert.equal(parseCampaignId("123456789012345678"), "123456789012345678");
  assert.equal(parseCampaignId(42), "42");
  assert.equal(parseCampaignId(JSON.parse("123456789012345678")), undefined);
  assert.equal(parseCampaignId(""), undefined);
  assert.throws(
    () => parseCampaign({ id: JSON.parse("123456789012345678"), schedule: schedule() }, "w"),
    /expected a string/,
  );
  assert.throws(() => parseCampaign({ schedule: schedule() }, "w"), /has no id/);
  assert.deepEqual(parseCampaign({ schedule: schedule() }, "w", "7"), { id: "7", schedule: schedule() });
});

test("scheduleBody copies exactly the wire fields", () => {
  const input = { ...schedule(), id: "x", etag: "y" };
  assert.deepEqual(Object.keys(JSON.parse(scheduleBody(input))), ["schedule"]);
  assert.deepEqual(Object.keys(JSON.parse(scheduleBody(input)).schedule), [
    "timezone",
    "dialingHours",
    "pauseConditions",
  ]);
});

test("Retry-After reads seconds and HTTP-dates, and ignores nonsense", () => {
  const now = Date.parse("2026-03-02T12:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120_000);
  assert.equal(parseRetryAfter(" 0 ", now), 0);
  assert.equal(parseRetryAfter("Mon, 02 Mar 2026 12:00:09 GMT", now), 9000);
  assert.equal(parseRetryAfter("Mon, 02 Mar 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(["5", "9"], now), 5000);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter("-3", now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test("full jitter draws below min(cap, base * 2^attempt)", () => {
  const policy = { baseMs: 200, capMs: 5000 };
  assert.equal(
    fullJitterDelay(0, policy, () => 0),
    0,
  );
  assert.equal(
    fullJitterDelay(0, policy, () => 0.5),
    100,
  );
  assert.equal(
    fullJitterDelay(3, policy, () => 0.5),
    800,
  );
  assert.equal(
    fullJitterDelay(10, policy, () => 0.5),
    2500,
  );
  assert.ok(fullJitterDelay(10, policy, () => 0.99999) < 5000);
});

test("retryable statuses: 408, 429 and 5xx except 501", () => {
  assert.deepEqual(
    [400, 401, 404, 408, 409, 412, 422, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus),
    [408, 429, 500, 502, 503, 504],
  );
});

test("redaction helpers drop credentials from headers, URLs and server text", () => {
  const req = redactRequest({
    method: "GET",
    url: "https://user:pw@acme.example/api?access_token=abc&page=2",
    headers: { authorization: "Bearer abc", accept: "application/json", "x-api-key": "k", "if-match": '"e"' },
  });
  assert.deepEqual(req.headers, { accept: "application/json", "if-match": '"e"' });
  assert.equal(req.url, "https://acme.example/api?access_token=%5Bredacted%5D&page=2");
  assert.equal(redactUrl("not a url"), "not a url");
  assert.equal(
    scrub('{"access_token":"abc","note":"Bearer xyz and hunter2"}', ["hunter2"]),
    '{"access_token":"[redacted]","note":"Bearer [redacted] and [redacted]"}',
  );
});

test("apiReason finds the human reason in common error shapes", () => {
  assert.equal(apiReason('{"message":"too many blocks"}'), "too many blocks");
  assert.equal(apiReason('{"errors":[{"field":"dialingHours","message":"max 5"}]}'), "dialingHours: max 5");
  assert.equal(apiReason("plain text reason"), "plain text reason");
  assert.equal(apiReason(""), undefined);
  // The tutorial API's 422: a code, a message that repeats the details, and the details.
  assert.equal(
    apiReason('{"error":"invalid_schedule","message":"a: x; b: y","details":["a: x","b: y"]}'),
    "invalid_schedule: a: x; b: y",
  );
  assert.equal(apiReason('{"error":"invalid_schedule","details":["a: x"]}'), "invalid_schedule: a: x");
});
