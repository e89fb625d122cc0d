import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Schedule } from "../../src/desired/schedule.js";
import { ProtocolError } from "../../src/live/errors.js";
import { OutcomeUnknownError } from "../../src/live/port.js";
import { DialwindowError } from "../../src/util/errors.js";
import { CAMPAIGN_PATH, schedule, TOKEN_PATH, tokenReply, withFake } from "./fake-cxone.js";

test("the PATCH body is exactly {schedule:{timezone,dialingHours,pauseConditions}}, extras are not sent", () =>
  withFake(async ({ server, client }) => {
    const input = {
      ...schedule(),
      holidays: ["2026-12-25"],
      dialingHours: [{ day: "MON", startTime: "08:00", endTime: "16:00", note: "from yaml" }],
      metadata: { name: "q4" },
    } as unknown as Schedule;
    const stored = {
      timezone: "America/Chicago",
      dialingHours: [{ day: "MON", startTime: "08:00", endTime: "16:00" }],
      pauseConditions: ["NO_ANSWER", "BUSY"],
    };
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", "/api/v2/outbound/campaigns/123456789012345678", (req) => {
      assert.equal(
        req.body,
        '{"schedule":{"timezone":"America/Chicago","dialingHours":[{"day":"MON","startTime":"08:00","endTime":"16:00"}],"pauseConditions":["NO_ANSWER","BUSY"]}}',
      );
      assert.equal(req.headers["content-type"], "application/json");
      assert.equal(req.headers["if-match"], 'W/"etag-7"');
      assert.equal(req.headers.authorization, "Bearer tok-1");
      return {
        status: 200,
        headers: { etag: '"etag-8"' },
        body: { id: "123456789012345678", schedule: stored },
      };
    });
    const result = await client().writeSchedule("123456789012345678", input, 'W/"etag-7"');
    assert.equal(result.version, '"etag-8"');
    assert.deepEqual(result.schedule, stored);
  }));

test("an empty If-Match is refused with DW_NO_ETAG before any request (not even a token)", () =>
  withFake(async ({ server, client }) => {
    const c = client();
    for (const empty of ["", "  "]) {
      await assert.rejects(c.writeSchedule("1", schedule(), empty), (err: unknown) => {
        assert.ok(err instanceof DialwindowError);
        assert.equal(err.code, "DW_NO_ETAG");
        return true;
      });
    }
    assert.equal(server.requests.length, 0);
  }));

test("a PATCH response without an ETag is an OutcomeUnknownError caused by a ProtocolError", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, { status: 200, body: { id: "1", schedule: schedule() } });
    await assert.rejects(client().writeSchedule("1", schedule(), '"v1"'), (err: unknown) => {
      assert.ok(err instanceof OutcomeUnknownError);
      assert.ok(err.cause instanceof ProtocolError);
      assert.match(err.message, /no ETag/);
      return true;
    });
  }));

test("a 204 with an ETag means stored as sent", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, { status: 204, headers: { etag: '"v2"' } });
    const result = await client().writeSchedule("1", schedule(), '"v1"');
    assert.deepEqual(result, { version: '"v2"', schedule: schedule() });
  }));

test("a PATCH response with a malformed stored schedule is a ProtocolError", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("PATCH", CAMPAIGN_PATH, {
      status: 200,
      headers: { etag: '"v2"' },
      body: { id: "1", schedule: { ...schedule(), pauseConditions: ["SOMETIMES"] } },
    });
    await assert.rejects(
      client().writeSchedule("1", schedule(), '"v1"'),
      /pauseConditions\[0\] is "SOMETIMES"/,
    );
  }));
