/**
 * The one git runner, through the code that reads the user's checkout: a GIT_DIR or
 * GIT_WORK_TREE left in the caller's environment never points it at another repository.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { originOf } from "../../src/apply/pipeline.js";
import { desiredRevision, readDesiredRevision } from "../../src/desired/revision.js";
import { tempDir } from "../helpers/fs.js";
import { git } from "../helpers/git.js";

async function repoWithCommit(name: string): Promise<{ dir: string; head: string }> {
  const dir = await tempDir(`dw-${name}-`);
  git(dir, "init", "-q");
  await writeFile(join(dir, "dialwindow.yaml"), `# ${name}\n`);
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", name);
  git(dir, "remote", "add", "origin", `https://example.test/${name}.git`);
  return { dir, head: git(dir, "rev-parse", "HEAD").trim() };
}

describe("git runs against the directory it is given", () => {
  it("a GIT_DIR in the environment does not make the revision or the origin another repository's", async () => {
    const mine = await repoWithCommit("mine");
    const other = await repoWithCommit("other");
    const saved = { dir: process.env.GIT_DIR, tree: process.env.GIT_WORK_TREE };
    process.env.GIT_DIR = join(other.dir, ".git");
    process.env.GIT_WORK_TREE = other.dir;
    try {
      assert.equal(await desiredRevision(mine.dir), mine.head);
      assert.equal(await originOf(mine.dir), "https://example.test/mine.git");
    } finally {
      for (const [key, value] of [
        ["GIT_DIR", saved.dir],
        ["GIT_WORK_TREE", saved.tree],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

describe("the desired state's revision, from one git status", () => {
  it("says why there is none outside git and before the first commit", async () => {
    const dir = await tempDir("dw-plain-");
    assert.deepEqual(await readDesiredRevision(dir), { revision: null, note: "not a git checkout" });
    git(dir, "init", "-q");
    assert.deepEqual(await readDesiredRevision(dir), {
      revision: null,
      note: "git repository with no commit yet",
    });
  });

  it("is HEAD, marked -dirty by an uncommitted edit but not by dialwindow's own state directory", async () => {
    const { dir, head } = await repoWithCommit("edits");
    await mkdir(join(dir, ".dialwindow"));
    await writeFile(join(dir, ".dialwindow", "journal.jsonl"), "{}\n");
    assert.deepEqual(await readDesiredRevision(dir), { revision: head });
    // A folder below the checkout's root: the .git is looked for upwards, as git does.
    await mkdir(join(dir, "schedules", "campaigns"), { recursive: true });
    assert.deepEqual(await readDesiredRevision(join(dir, "schedules", "campaigns")), { revision: head });
    await writeFile(join(dir, "dialwindow.yaml"), "# edited\n");
    assert.equal(await desiredRevision(dir), `${head}-dirty`);
    git(dir, "checkout", "-q", "--", "dialwindow.yaml");
    await writeFile(join(dir, "new.yaml"), "# untracked\n");
    assert.equal(await desiredRevision(dir), `${head}-dirty`);
  });
});
