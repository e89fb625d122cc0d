/**
 * The directory watcher with real chokidar on real temporary directories. Waits poll for the
 * expected report instead of sleeping a fixed time; "nothing more happens" is checked by
 * waiting a few debounce periods after a later change has come through.
 */
import assert from "node:assert/strict";
import { mkdir, realpath, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type DirChange, type DirWatcher, watchDesiredDir } from "../../src/reconcile/dir-watcher.js";
import { tempDir, writeTree } from "../helpers/fs.js";
import { waitFor } from "./helpers.js";

const DEBOUNCE_MS = 100;

const SEED = {
  "dialwindow.yaml": "kind: Config\n",
  "campaigns/a.yaml": "name: a\n",
  "calendars/us.yaml": "name: us\n",
};

async function watching(dir: string, options: { ignore?: string[]; realpathPollMs?: number } = {}) {
  const changes: DirChange[] = [];
  const watcher = await watchDesiredDir({
    dir,
    debounceMs: DEBOUNCE_MS,
    onChange: (change) => changes.push(change),
    ...options,
  });
  return { watcher, changes };
}

/** Gives the watcher time to report anything else it was going to. */
function quiet(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
}

async function closeAfter(watcher: DirWatcher, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await watcher.close();
  }
}

describe("watchDesiredDir", () => {
  it("reports a burst of changes once, with every path in it", async () => {
    const dir = await tempDir("dw-watch-");
    await writeTree(dir, SEED);
    const { watcher, changes } = await watching(dir);
    await closeAfter(watcher, async () => {
      await writeFile(join(dir, "campaigns/a.yaml"), "name: a2\n");
      await writeTree(dir, { "campaigns/team/b.yaml": "name: b\n", "policies/p.yaml": "name: p\n" });
      await writeFile(join(dir, "dialwindow.yaml"), "kind: Config # edited\n");
      await waitFor("a report", () => changes.length > 0);
      await waitFor("every path", () =>
        ["campaigns/a.yaml", "campaigns/team/b.yaml", "dialwindow.yaml", "policies/p.yaml"].every((p) =>
          changes.some((c) => c.paths.includes(p)),
        ),
      );
      await quiet();
      assert.equal(changes.length, 1, JSON.stringify(changes));
      assert.equal(changes[0]?.swapped, false);
    });
  });

  it("ignores the state directory, hidden files and anything the loader does not read", async () => {
    const dir = await tempDir("dw-watch-");
    await writeTree(dir, { ...SEED, ".dialwindow/journal.jsonl": "", "state/journal.jsonl": "" });
    const { watcher, changes } = await watching(dir, { ignore: [join(dir, "campaigns/state")] });
    await closeAfter(watcher, async () => {
      await writeTree(dir, {
        ".dialwindow/journal.jsonl": "{}\n",
        ".dialwindow/outbox/x.json": "{}\n",
        "campaigns/.a.yaml.swp": "x",
        ".git/HEAD": "ref: refs/heads/main\n",
        "README.md": "# notes\n",
        "node_modules/x/index.js": "",
        "campaigns/state/journal.jsonl": "{}\n",
      });
      // Then one change that counts: its report must carry nothing of the above.
      await writeFile(join(dir, "calendars/us.yaml"), "name: us2\n");
      await waitFor("a report", () => changes.length > 0);
      await quiet();
      assert.deepEqual(changes, [{ paths: ["calendars/us.yaml"], swapped: false }]);
    });
  });

  it("follows a symlink swap to the new tree, and stops reporting the old one", async () => {
    const root = await tempDir("dw-watch-");
    const treeA = join(root, "rev-a");
    const treeB = join(root, "rev-b");
    await writeTree(treeA, SEED);
    await writeTree(treeB, { ...SEED, "campaigns/a.yaml": "name: a-from-b\n" });
    const link = join(root, "current");
    await symlink(treeA, link);

    const { watcher, changes } = await watching(link, { realpathPollMs: 50 });
    await closeAfter(watcher, async () => {
      assert.equal(watcher.root, await realpath(treeA));
      // What git-sync does: a new link next to the old one, renamed over it in one step.
      await symlink(treeB, join(root, "current.tmp"));
      await rename(join(root, "current.tmp"), link);
      await waitFor("the swap report", () => changes.some((c) => c.swapped));
      assert.equal(watcher.root, await realpath(treeB));

      const before = changes.length;
      await writeFile(join(treeA, "campaigns/a.yaml"), "name: old tree edit\n");
      await writeFile(join(treeB, "campaigns/a.yaml"), "name: new tree edit\n");
      await waitFor("a report from the new tree", () => changes.length > before);
      await quiet();
      assert.deepEqual(changes.slice(before), [{ paths: ["campaigns/a.yaml"], swapped: false }]);
      // The write to the old tree is under the same relative path; prove it was not what we saw
      // by writing only to the old tree once more.
      const after = changes.length;
      await writeFile(join(treeA, "campaigns/a.yaml"), "name: old tree again\n");
      await mkdir(join(treeA, "policies"), { recursive: true });
      await writeFile(join(treeB, "calendars/us.yaml"), "name: us-new\n");
      await waitFor("the marker change", () => changes.length > after);
      await quiet();
      assert.deepEqual(changes.slice(after), [{ paths: ["calendars/us.yaml"], swapped: false }]);
    });
  });

  it("reports nothing after close()", async () => {
    const dir = await tempDir("dw-watch-");
    await writeTree(dir, SEED);
    const { watcher, changes } = await watching(dir);
    await writeFile(join(dir, "campaigns/a.yaml"), "name: a2\n");
    await watcher.close();
    await writeFile(join(dir, "campaigns/a.yaml"), "name: a3\n");
    await quiet();
    assert.deepEqual(changes, []);
  });

  it("fails to start on a directory that does not exist", async () => {
    const dir = await tempDir("dw-watch-");
    await assert.rejects(watching(join(dir, "missing")), { code: "ENOENT" });
  });
});
