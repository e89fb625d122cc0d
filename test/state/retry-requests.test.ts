import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mergeRetryRequests, requestRetry, takeRetryRequests } from "../../src/state/retry-requests.js";
import { openStateDir, statePath } from "../../src/state/state-dir.js";
import { silentLogger } from "../../src/util/log.js";
import { captureLog, tempDir } from "./fixtures.js";

function clock(): () => Date {
  let t = Date.parse("2026-03-01T12:00:00.000Z");
  return () => {
    t += 1000;
    return new Date(t);
  };
}

describe("retry requests", () => {
  it("reach a state directory another process holds, and are taken once, in the order made", async (t) => {
    const dir = await tempDir(t);
    const held = await openStateDir(dir, { logger: silentLogger(), command: "dialwindow reconcile" });
    t.after(() => held.close());
    const now = clock();
    const first = await requestRetry(dir, ["chg_0001", "chg_0002"], { now });
    const second = await requestRetry(dir, "all", { now });
    assert.deepEqual((await readdir(statePath(dir, "requests"))).sort(), [first.id, second.id]);
    assert.deepEqual(
      JSON.parse(await readFile(join(statePath(dir, "requests"), first.id), "utf8")).changeIds,
      ["chg_0001", "chg_0002"],
    );

    const log = captureLog();
    const taken = await takeRetryRequests(dir, { logger: log.logger });
    assert.deepEqual(
      taken.map((r) => [r.changeIds, r.requestedAt]),
      [
        [["chg_0001", "chg_0002"], "2026-03-01T12:00:01.000Z"],
        ["all", "2026-03-01T12:00:02.000Z"],
      ],
    );
    assert.deepEqual(taken, [first, second]);
    assert.deepEqual(await readdir(statePath(dir, "requests")), [], "taken means removed");
    assert.deepEqual(await takeRetryRequests(dir, { logger: log.logger }), []);
    assert.ok(!log.records().some((r) => r.level === "warn" || r.level === "error" || r.level === "fatal"));
  });

  it("hands each request to exactly one of two readers racing for them", async (t) => {
    const dir = await tempDir(t);
    for (let i = 0; i < 40; i++) await requestRetry(dir, [`chg_${i}`]);
    const logger = silentLogger();
    const [a, b] = await Promise.all([
      takeRetryRequests(dir, { logger }),
      takeRetryRequests(dir, { logger }),
    ]);
    const ids = [...a, ...b].flatMap((r) => r.changeIds);
    assert.equal(ids.length, 40, "none lost, none twice");
    assert.equal(new Set(ids).size, 40);
  });

  it("drops a torn or foreign request file with a warning, and leaves a write in progress alone", async (t) => {
    const dir = await tempDir(t);
    const requests = statePath(dir, "requests");
    const good = await requestRetry(dir, ["chg_0001"]);
    await writeFile(join(requests, "retry-00000000T000000000Z-1-aa.json"), '{"v":1,"changeIds":["chg_');
    await writeFile(
      join(requests, "retry-00000000T000000001Z-1-bb.json"),
      JSON.stringify({ v: 1, changeIds: [] }),
    );
    await writeFile(join(requests, ".retry-20990101T000000000Z-1-cc.json.tmp"), "{");
    const log = captureLog();
    const taken = await takeRetryRequests(dir, { logger: log.logger });
    assert.deepEqual(taken, [good]);
    const warnings = log.records().filter((r) => r.level === "warn");
    assert.deepEqual(
      warnings.map((w) => w.file),
      ["retry-00000000T000000000Z-1-aa.json", "retry-00000000T000000001Z-1-bb.json"],
    );
    assert.deepEqual(await readdir(requests), [".retry-20990101T000000000Z-1-cc.json.tmp"]);
  });

  it("finds nothing where no request was ever made", async (t) => {
    const dir = await tempDir(t);
    assert.deepEqual(await takeRetryRequests(dir, { logger: silentLogger() }), []);
  });

  it("refuses a request naming no change, and a state directory that does not exist", async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(requestRetry(dir, []), { code: "DW_USAGE" });
    await assert.rejects(requestRetry(join(dir, "nope"), "all"), { code: "DW_USAGE", message: /nope/ });
    await assert.rejects(readdir(join(dir, "nope")), { code: "ENOENT" }, "no state directory is made up");
  });

  it("merges requests into what to retry: all when any says all, else every change named once", async (t) => {
    const dir = await tempDir(t);
    const a = await requestRetry(dir, ["chg_0001", "chg_0002"]);
    const b = await requestRetry(dir, ["chg_0002", "chg_0003"]);
    const all = await requestRetry(dir, "all");
    assert.equal(mergeRetryRequests([]), undefined);
    assert.deepEqual(mergeRetryRequests([a, b]), ["chg_0001", "chg_0002", "chg_0003"]);
    assert.equal(mergeRetryRequests([a, all, b]), "all");
  });
});
