/**
 * The snapshot helper itself: a snapshot is only ever written when asked (UPDATE_SNAPSHOTS=1),
 * so a missing or misnamed snapshot file fails instead of passing on a file it just wrote.
 */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { packageRoot } from "../../src/util/paths.js";
import { matchSnapshot } from "./snapshot.js";

const name = `missing-${process.pid}-${Date.now()}.txt`;
const file = join(packageRoot(), "test", "snapshots", name);
after(() => rmSync(file, { force: true }));

describe("snapshots", () => {
  it("a missing snapshot fails and is not written, unless UPDATE_SNAPSHOTS=1 is given", () => {
    const saved = process.env.UPDATE_SNAPSHOTS;
    delete process.env.UPDATE_SNAPSHOTS;
    try {
      assert.throws(
        () => matchSnapshot(name, "text"),
        (err: Error) =>
          err.message.includes(`snapshot ${name} is missing`) && /UPDATE_SNAPSHOTS=1/.test(err.message),
      );
      assert.equal(existsSync(file), false, "nothing was written");
      process.env.UPDATE_SNAPSHOTS = "1";
      matchSnapshot(name, "text");
      assert.equal(existsSync(file), true);
      delete process.env.UPDATE_SNAPSHOTS;
      matchSnapshot(name, "text");
      assert.throws(() => matchSnapshot(name, "other text"), /differs/);
    } finally {
      if (saved === undefined) delete process.env.UPDATE_SNAPSHOTS;
      else process.env.UPDATE_SNAPSHOTS = saved;
    }
  });
});
