/**
 * Links inside the watched tree: followed while they stay inside it (as the loader follows
 * them), never into the rest of the machine. A link to / must not make the daemon watch, and
 * list, the whole file system.
 */
import assert from "node:assert/strict";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type DirChange, watchDesiredDir } from "../../src/reconcile/dir-watcher.js";
import { tempDir, writeTree } from "../helpers/fs.js";
import { waitFor } from "./helpers.js";

const DEBOUNCE_MS = 100;

describe("watchDesiredDir and links", () => {
  it("follows a link that stays inside, and ignores one that leaves the directory", async () => {
    const root = await tempDir("dw-watch-links-");
    const dir = join(root, "repo");
    const outside = join(root, "outside");
    await writeTree(dir, {
      "dialwindow.yaml": "kind: Config\n",
      "campaigns/a.yaml": "name: a\n",
      "shared/b.yaml": "name: b\n",
    });
    await writeTree(outside, { "x.yaml": "name: x\n" });
    await symlink(outside, join(dir, "campaigns/out"));
    await symlink("../shared", join(dir, "campaigns/shared"));

    const changes: DirChange[] = [];
    const watcher = await watchDesiredDir({
      dir,
      debounceMs: DEBOUNCE_MS,
      onChange: (change) => changes.push(change),
    });
    try {
      await writeFile(join(outside, "x.yaml"), "name: x2\n");
      await writeFile(join(dir, "shared/b.yaml"), "name: b2\n");
      await waitFor("a report", () => changes.some((c) => c.paths.includes("campaigns/shared/b.yaml")));
      await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
      const paths = changes.flatMap((c) => c.paths);
      assert.deepEqual(paths, ["campaigns/shared/b.yaml"], JSON.stringify(changes));
    } finally {
      await watcher.close();
    }
  });
});
