/**
 * A list endpoint that never ends must not hang plan or import, nor spend the request budget:
 * pages that repeat, a `total` that lies, short pages, pages that go on forever. Each shape is a
 * real node:http server that expects exactly the requests a bounded client makes, so a client
 * that asks for one page more fails the test (the fake answers an unexpected request 599) instead
 * of hanging it.
 */
import { strict as assert } from "node:assert";
import { readdir } from "node:fs/promises";
import { describe, test } from "node:test";
import { DialwindowError } from "../../src/util/errors.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  campaign,
  campaignReply,
  type Handler,
  LIST_PATH,
  StrictServer,
  TOKEN_PATH,
  tokenReply,
  withFake,
} from "./fake-cxone.js";

/** A list page built from what the hostile server decides for (page, pageSize). */
function pages(shape: (page: number, pageSize: number) => { ids: string[]; total: number }): Handler {
  return (req) => {
    const query = new URL(req.path, "http://x").searchParams;
    const { ids, total } = shape(Number(query.get("page")), Number(query.get("pageSize")));
    return {
      status: 200,
      body: { items: ids.map((id) => ({ ...campaign(id), etag: `"L-${id}"` })), total },
    };
  };
}

const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** Ignores `page`: always the first page, with a total that promises many more. */
const repeating = pages((_page, size) => ({ ids: range(1, size), total: 10_000 }));

/** Every page full of new campaigns, and a total that keeps growing ahead of them. */
const endless = pages((page, size) => ({
  ids: range((page - 1) * size + 1, page * size),
  total: page === 1 ? 2 * size : (page + 2) * size,
}));

function pagingError(err: unknown): boolean {
  assert.ok(err instanceof DialwindowError, String(err));
  assert.equal(err.code, "DW_LIST_PAGING");
  assert.match(
    err.message,
    /GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/outbound\/campaigns\?page=\d+&pageSize=2/,
  );
  assert.match(err.message, /import --campaign/);
  return true;
}

describe("a hostile list endpoint", () => {
  test("pages that repeat: two pages, then one GET per campaign still missing", () =>
    withFake(async ({ server, client }) => {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect("GET", LIST_PATH, repeating, 2);
      server.expect("GET", "/api/v2/outbound/campaigns/7", campaignReply());
      server.expect("GET", "/api/v2/outbound/campaigns/9", campaignReply());
      const result = await client({ pageSize: 2 }).readCampaigns(["1", "7", "9"]);
      assert.deepEqual([...result.campaigns.keys()].sort(), ["1", "7", "9"]);
      assert.equal(result.campaigns.get("1")?.version, '"L-1"', "what the listing did show is kept");
      assert.equal(result.campaigns.get("7")?.version, '"v1-7"');
    }));

  test("pages that repeat, when every campaign is wanted (import): a clear error after two pages", () =>
    withFake(async ({ server, client }) => {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect("GET", LIST_PATH, repeating, 2);
      await assert.rejects(client({ pageSize: 2 }).readCampaigns([], { includeUnrequested: true }), (err) => {
        pagingError(err);
        assert.match((err as Error).message, /page 2 .*only campaigns already listed/);
        return true;
      });
    }));

  test("a total that lies upward: the listing ends at the first short page", () =>
    withFake(async ({ server, client }) => {
      const real = range(1, 5);
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect(
        "GET",
        LIST_PATH,
        pages((page, size) => ({ ids: real.slice((page - 1) * size, page * size), total: 100_000 })),
        3,
      );
      const result = await client({ pageSize: 2 }).readCampaigns([], { includeUnrequested: true });
      assert.deepEqual([...result.campaigns.keys()].sort(), real);
    }));

  test("a total that lies upward over a last page served again and again: stops at the repeat", () =>
    withFake(async ({ server, client }) => {
      const real = range(1, 6);
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect(
        "GET",
        LIST_PATH,
        pages((page, size) => {
          const last = Math.ceil(real.length / size);
          const p = Math.min(page, last);
          return { ids: real.slice((p - 1) * size, p * size), total: 100_000 };
        }),
        4,
      );
      server.expect("GET", "/api/v2/outbound/campaigns/77", { status: 404 });
      const result = await client({ pageSize: 2 }).readCampaigns(["2", "6", "77"]);
      assert.deepEqual([...result.campaigns.keys()].sort(), ["2", "6"]);
      assert.equal(result.problems.size, 0);
    }));

  test("short pages end the listing; a campaign it did not show is read by its own GET", () =>
    withFake(async ({ server, client }) => {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      // One item a page whatever pageSize says, with fresh ids and a total that promises more.
      server.expect(
        "GET",
        LIST_PATH,
        pages((page) => ({ ids: [String(page)], total: 4 })),
      );
      server.expect("GET", "/api/v2/outbound/campaigns/3", campaignReply());
      const result = await client({ pageSize: 2 }).readCampaigns(["1", "3"]);
      assert.deepEqual([...result.campaigns.keys()].sort(), ["1", "3"]);
    }));

  test("endless pages: stop at the bound from the first page's total and pageSize, then GET", () =>
    withFake(async ({ server, client }) => {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      // The first page says 4 campaigns at 2 a page: 2 pages, and one more for campaigns added
      // while paging.
      server.expect("GET", LIST_PATH, endless, 3);
      server.expect("GET", "/api/v2/outbound/campaigns/999", { status: 404 });
      const result = await client({ pageSize: 2 }).readCampaigns(["3", "999"]);
      assert.deepEqual([...result.campaigns.keys()], ["3"]);
      assert.equal(result.problems.size, 0);
    }));

  test("endless pages, when every campaign is wanted: a clear error at the bound", () =>
    withFake(async ({ server, client }) => {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect("GET", LIST_PATH, endless, 3);
      await assert.rejects(client({ pageSize: 2 }).readCampaigns([], { includeUnrequested: true }), (err) => {
        pagingError(err);
        assert.match(
          (err as Error).message,
          /ran past the 3 pages that its total of 4 campaigns allows at 2 a page/,
        );
        return true;
      });
    }));

  test("import against a list endpoint that repeats fails clearly and writes nothing", async () => {
    const server = await StrictServer.start();
    try {
      server.expect("POST", TOKEN_PATH, tokenReply("tok-1"));
      server.expect("GET", LIST_PATH, repeating, 2);
      const out = await tempDir("dw-import-paging-");
      const run = await runInProcess(["import", "--dir", out], {
        env: {
          CXONE_API_URL: `${server.url}/api/v2`,
          CXONE_TOKEN_URL: `${server.url}${TOKEN_PATH}`,
          CXONE_CLIENT_ID: CLIENT_ID,
          CXONE_CLIENT_SECRET: CLIENT_SECRET,
        },
      });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /only campaigns already listed/);
      assert.match(run.stderr, /import --campaign/);
      assert.deepEqual(await readdir(out), []);
      server.verify();
    } finally {
      await server.close();
    }
  });
});
