/**
 * The default state directory sits inside the desired-state checkout, so a pull request can
 * commit files there: links pointing anywhere, or a journal of its own making. dialwindow must
 * write through none of them and refuse a state directory git tracks.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openStateDir } from "../../src/state/state-dir.js";
import { silentLogger } from "../../src/util/log.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { driftByHand, gitIn, makeWorld } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const VICTIM = "the victim's own bytes; dialwindow must never write here\n";

/** A file outside the repository that a planted link points at. */
async function victimFile(): Promise<string> {
  const path = join(await tempDir("dw-victim-"), "victim.txt");
  await writeFile(path, VICTIM);
  return path;
}

async function apply(world: Awaited<ReturnType<typeof makeWorld>>) {
  return runInProcess(["apply", "--dir", world.dir, "--at", AT, "--webhook-wait", "5"], {
    env: world.env,
    now: AT,
  });
}

describe("state directory: links planted in it are never written through", () => {
  for (const name of ["journal.jsonl", ".gitignore", "lock"]) {
    it(`apply refuses when ${name} is a link to a file outside, and the file keeps its bytes`, async () => {
      const world = await makeWorld({ noWebhooks: true });
      driftByHand(world, Q4);
      const victim = await victimFile();
      await mkdir(join(world.dir, ".dialwindow"));
      await symlink(victim, join(world.dir, ".dialwindow", name));

      const r = await apply(world);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`\\.dialwindow/${name.replace(".", "\\.")} is a symbolic link`));
      assert.match(r.stderr, /remove the link/i);
      assert.equal(await readFile(victim, "utf8"), VICTIM);
      assert.equal(world.sim.countRequests("patch"), 0, "nothing written to CXone either");
    });
  }

  it("apply refuses a state directory that is itself a link, and writes nothing where it points", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    const elsewhere = await tempDir("dw-elsewhere-");
    await writeFile(join(elsewhere, "victim.txt"), VICTIM);
    await symlink(elsewhere, join(world.dir, ".dialwindow"));

    const r = await apply(world);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /state directory .*\.dialwindow is a symbolic link/);
    assert.deepEqual(await readdir(elsewhere), ["victim.txt"]);
    assert.equal(await readFile(join(elsewhere, "victim.txt"), "utf8"), VICTIM);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("apply refuses an audit-repo link to a folder outside, and creates no repository there", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    const elsewhere = await tempDir("dw-elsewhere-");
    await mkdir(join(world.dir, ".dialwindow"));
    await symlink(elsewhere, join(world.dir, ".dialwindow", "audit-repo"));

    const r = await apply(world);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\.dialwindow\/audit-repo is a symbolic link/);
    assert.deepEqual(await readdir(elsewhere), []);
  });

  it("webhooks list refuses a journal link instead of reading the file it points at", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const victim = await victimFile();
    await mkdir(join(world.dir, ".dialwindow"));
    await symlink(victim, join(world.dir, ".dialwindow", "journal.jsonl"));
    const r = await runInProcess(["webhooks", "list", "--dir", world.dir], { env: world.env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /journal\.jsonl is a symbolic link/);
    assert.doesNotMatch(r.stdout + r.stderr, /victim's own bytes/);
  });

  it("a retry request is not written through a requests link planted while a daemon holds the lock", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const state = join(world.dir, ".dialwindow");
    const held = await openStateDir(state, { logger: silentLogger(), command: "dialwindow reconcile" });
    try {
      const elsewhere = await tempDir("dw-elsewhere-");
      await symlink(elsewhere, join(state, "requests"));
      const r = await runInProcess(["webhooks", "retry", "--dir", world.dir], { env: world.env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /requests is a symbolic link/);
      assert.deepEqual(await readdir(elsewhere), []);
    } finally {
      await held.close();
    }
  });
});

describe("state directory: tracked by git", () => {
  it("apply refuses a .dialwindow/ whose files a commit added, naming the file", async () => {
    const world = await makeWorld({ git: true, noWebhooks: true });
    driftByHand(world, Q4);
    // A pull request commits a journal of its own making (forced past any ignore rule).
    await mkdir(join(world.dir, ".dialwindow"));
    await writeFile(join(world.dir, ".dialwindow", "journal.jsonl"), "");
    await gitIn(world.dir, "add", "-f", ".dialwindow/journal.jsonl");
    await gitIn(world.dir, "commit", "-qm", "state dir in git");

    const r = await apply(world);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\.dialwindow\/journal\.jsonl is tracked by git/);
    assert.match(r.stderr, /git rm -r --cached/);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("an untracked .dialwindow/ in a git checkout is fine (the normal case)", async () => {
    const world = await makeWorld({ git: true, noWebhooks: true });
    driftByHand(world, Q4);
    const r = await apply(world);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const again = await apply(world);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });
});
