import { strict as assert } from "node:assert";
import { test } from "node:test";
import { AuthenticationError, HttpError, ProtocolError } from "../../src/live/errors.js";
import type { TutorialClient } from "../../src/live/tutorial-client.js";
import { DialwindowError } from "../../src/util/errors.js";
import {
  CAMPAIGN_PATH,
  campaign,
  campaignReply,
  idOf,
  LIST_PATH,
  type Reply,
  type SeenRequest,
  schedule,
  TOKEN_PATH,
  tokenReply,
  withFake,
} from "./fake-cxone.js";

/** A list endpoint over `ids`, 1-based pages, checking the query and the token. */
function listOf(ids: readonly string[], overrides: Record<string, unknown> = {}) {
  return (req: SeenRequest): Reply => {
    assert.equal(req.headers.authorization, "Bearer tok-1");
    const query = new URL(req.path, "http://x").searchParams;
    const page = Number(query.get("page"));
    const pageSize = Number(query.get("pageSize"));
    assert.ok(page >= 1, "pages are 1-based");
    const slice = ids.slice((page - 1) * pageSize, page * pageSize);
    return {
      status: 200,
      body: {
        items: slice.map((id) => ({ ...campaign(id), etag: `"L-${id}"`, ...(overrides[id] as object) })),
        total: ids.length,
        page,
        pageSize,
      },
    };
  };
}

test("a GET without an ETag header reads as version null, never an invented one", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", CAMPAIGN_PATH, { status: 200, body: campaign("1") });
    const found = await client().readCampaign("1");
    assert.equal(found?.version, null);
    assert.deepEqual(found?.schedule, schedule());
    assert.equal(found?.name, "campaign 1");
  }));

test("the list endpoint is paged from page 1 until the requested campaigns are found", () =>
  withFake(async ({ server, client }) => {
    const ids = ["1", "2", "3", "4", "5"];
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", "/api/v2/outbound/campaigns?page=1&pageSize=2", listOf(ids));
    server.expect("GET", "/api/v2/outbound/campaigns?page=2&pageSize=2", listOf(ids));
    server.expect("GET", "/api/v2/outbound/campaigns?page=3&pageSize=2", listOf(ids));
    const c = client({ pageSize: 2 });
    const result = await c.readCampaigns(["1", "5"]);
    assert.deepEqual([...result.campaigns.keys()].sort(), ["1", "5"]);
    assert.equal(result.campaigns.get("5")?.version, '"L-5"');
    assert.deepEqual(result.campaigns.get("5")?.schedule, schedule());
    assert.equal(result.problems.size, 0);
    assert.equal(c.listEndpoint, "available");

    // Once every requested campaign is found, paging stops.
    server.expect("GET", "/api/v2/outbound/campaigns?page=1&pageSize=2", listOf(ids));
    const early = await c.readCampaigns(["2"]);
    assert.deepEqual([...early.campaigns.keys()], ["2"]);
  }));

test("includeUnrequested reads every page and returns every campaign", () =>
  withFake(async ({ server, client }) => {
    const ids = ["1", "2", "3", "4", "5"];
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, listOf(ids), 3);
    const result = await client({ pageSize: 2 }).readCampaigns(["3"], { includeUnrequested: true });
    assert.deepEqual([...result.campaigns.keys()].sort(), ids);
  }));

test("a requested campaign the listing does not show is confirmed with its own GET", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, listOf(["1", "2"]));
    server.expect("GET", "/api/v2/outbound/campaigns/99", { status: 404 });
    const result = await client().readCampaigns(["1", "99"]);
    assert.deepEqual([...result.campaigns.keys()], ["1"]);
    assert.equal(result.problems.size, 0);
  }));

test("a malformed list item is a per-campaign ProtocolError; the others are read", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect(
      "GET",
      LIST_PATH,
      listOf(["1", "2", "3"], {
        "2": {
          schedule: {
            timezone: "UTC",
            dialingHours: [{ day: "MONDAY", startTime: "8:00" }],
            pauseConditions: [],
          },
        },
      }),
    );
    const result = await client().readCampaigns(["1", "2", "3"]);
    assert.deepEqual([...result.campaigns.keys()].sort(), ["1", "3"]);
    const problem = result.problems.get("2");
    assert.ok(problem instanceof ProtocolError);
    assert.match(problem.message, /campaign 2/);
    assert.match(problem.message, /dialingHours\[0\]\.day is "MONDAY"/);
  }));

test("a list page that is not JSON fails the whole call", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, { status: 200, body: "<html>gateway</html>" });
    await assert.rejects(client().readCampaigns(["1"]), ProtocolError);
  }));

test("a list endpoint failing with 5xx after retries fails the whole call", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, { status: 500 }, 3);
    await assert.rejects(client({ maxRetries: 2 }).readCampaigns(["1"]), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 500);
      return true;
    });
  }));

test("a list endpoint answering 404 falls back to one GET per campaign, and that is remembered", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", "/api/v2/outbound/campaigns?page=1&pageSize=100", { status: 404 });
    server.expect("GET", CAMPAIGN_PATH, campaignReply(), 3);
    const c = client();
    const first = await c.readCampaigns(["1", "2", "3"]);
    assert.deepEqual([...first.campaigns.keys()].sort(), ["1", "2", "3"]);
    assert.equal(first.campaigns.get("2")?.version, '"v1-2"');
    assert.equal(c.listEndpoint, "missing");

    // The second read goes straight to GETs: no list request is expected by the fake.
    server.expect("GET", CAMPAIGN_PATH, campaignReply(), 2);
    const second = await c.readCampaigns(["4", "5"]);
    assert.deepEqual([...second.campaigns.keys()].sort(), ["4", "5"]);
    assert.equal(server.count("GET", "/api/v2/outbound/campaigns?"), 1);
  }));

test("includeUnrequested without a list endpoint is DW_NO_LIST_ENDPOINT, telling to name campaigns", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, { status: 404 });
    const c = client();
    const check = (err: unknown): boolean => {
      assert.ok(err instanceof DialwindowError);
      assert.equal(err.code, "DW_NO_LIST_ENDPOINT");
      assert.match(err.message, /name the campaigns explicitly/);
      return true;
    };
    await assert.rejects(c.readCampaigns([], { includeUnrequested: true }), check);
    // Known missing now: refused again without any request.
    await assert.rejects(c.readCampaigns(["1"], { includeUnrequested: true }), check);
  }));

test("in the fallback, a campaign whose GET keeps failing is a problem; the rest are read", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, { status: 404 });
    server.expect("GET", "/api/v2/outbound/campaigns/404", { status: 404 });
    server.expect(
      "GET",
      CAMPAIGN_PATH,
      (req) => (idOf(req) === "2" ? { status: 500, body: "db down" } : campaignReply()(req)),
      2 + 3,
    );
    const result = await client({ maxRetries: 2 }).readCampaigns(["1", "2", "3", "404"]);
    assert.deepEqual([...result.campaigns.keys()].sort(), ["1", "3"]);
    const problem = result.problems.get("2");
    assert.ok(problem instanceof HttpError);
    assert.equal(problem.status, 500);
    assert.equal(result.problems.size, 1);
  }));

test("in the fallback, refused credentials fail the whole call", () =>
  withFake(async ({ server, client }) => {
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    server.expect("GET", LIST_PATH, { status: 404 });
    server.expect("POST", TOKEN_PATH, tokenReply("tok-2"));
    server.expect("GET", CAMPAIGN_PATH, { status: 401 }, 2);
    await assert.rejects(client({ concurrency: 1 }).readCampaigns(["1", "2", "3"]), AuthenticationError);
  }));

/**
 * The most GETs the fake saw in flight at once while `run` read six campaigns with
 * concurrency 2. Each answer waits for a partner, then lingers briefly: without a bound the
 * other requests would arrive meanwhile and the peak would exceed 2.
 */
function peakInFlight(
  listAnswers404: boolean,
  run: (c: TutorialClient, ids: string[]) => Promise<unknown>,
): Promise<number> {
  let peak = 0;
  return withFake(async ({ server, client }) => {
    let inFlight = 0;
    const waiting: Array<() => void> = [];
    server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
    if (listAnswers404) server.expect("GET", LIST_PATH, { status: 404 });
    server.expect(
      "GET",
      CAMPAIGN_PATH,
      async (req) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        if (inFlight < 2) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 1000);
            waiting.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        } else {
          for (const wake of waiting.splice(0)) wake();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return campaignReply()(req);
      },
      6,
    );
    const c = client({ concurrency: 2 });
    await run(c, ["1", "2", "3", "4", "5", "6"]);
  }).then(() => peak);
}

test("the list fallback keeps at most `concurrency` GETs in flight", async () => {
  const peak = await peakInFlight(true, async (c, ids) => {
    const result = await c.readCampaigns(ids);
    assert.equal(result.campaigns.size, 6);
  });
  assert.equal(peak, 2);
});

test("concurrency bounds all of a client's requests, across separate calls", async () => {
  const peak = await peakInFlight(false, (c, ids) => Promise.all(ids.map((id) => c.readCampaign(id))));
  assert.equal(peak, 2);
});

test("no ids and no includeUnrequested sends nothing", () =>
  withFake(async ({ client }) => {
    const result = await client().readCampaigns([]);
    assert.equal(result.campaigns.size, 0);
  }));
