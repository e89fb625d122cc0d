/**
 * File snapshots for Node 20 (node:test snapshots need 22): the expected text is committed
 * under test/snapshots/, so a change to it is a visible diff in review. A snapshot is written
 * only when asked, with UPDATE_SNAPSHOTS=1 after an intended change: a missing file fails,
 * so a renamed or misspelt snapshot can never pass by writing what it was meant to check.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";

export function matchSnapshot(name: string, actual: string): void {
  const file = join(packageRoot(), "test", "snapshots", name);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    assert.fail(
      `snapshot ${name} is missing; if this is a new snapshot, run UPDATE_SNAPSHOTS=1 npm test and commit test/snapshots/${name}`,
    );
  }
  const expected = readFileSync(file, "utf8");
  assert.equal(
    actual,
    expected,
    `snapshot ${name} differs; if the change is intended, run UPDATE_SNAPSHOTS=1 npm test and commit test/snapshots/${name}`,
  );
}
