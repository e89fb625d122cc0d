/**
 * The audit repository's commit writing (one fast-import run): files added beside what the
 * parent has, the ref moved only when nothing of someone else's would be lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type FilesCommit, openAuditRepo } from "../../src/audit/git.js";
import { GitError } from "../../src/util/git.js";
import { tempDir } from "../helpers/fs.js";

const REF = "refs/heads/dialwindow-audit";
const WHO = { name: "dialwindow", email: "dw@example.test", seconds: 1_764_600_000 };

async function newRepo() {
  return openAuditRepo(join(await tempDir("dw-audit-git-"), "audit.git"));
}

function spec(parent: string | null, files: Record<string, string>, ref = REF): FilesCommit {
  return { ref, parent, files: new Map(Object.entries(files)), message: "audit: test\n", who: WHO };
}

describe("BareRepo.commitFiles", () => {
  it("adds files at any depth, keeps every other entry of the parent's tree, and moves the ref", async () => {
    const repo = await newRepo();
    const first = await repo.commitFiles(
      spec(null, {
        "dialwindow.yaml": "kind: Config\n",
        "campaigns/q4.yaml": "kind: CampaignSchedule\n",
        "audit/2026/11/30.jsonl": '{"a":1}\n',
      }),
    );
    assert.equal(await repo.resolveRef(REF), first);
    const second = await repo.commitFiles(spec(first, { "audit/2026/12/01.jsonl": '{"é":2}\n' }));
    assert.equal(await repo.resolveRef(REF), second);
    const listed = (await repo.run(["ls-tree", "-r", "--name-only", second])).trim().split("\n");
    assert.deepEqual(listed, [
      "audit/2026/11/30.jsonl",
      "audit/2026/12/01.jsonl",
      "campaigns/q4.yaml",
      "dialwindow.yaml",
    ]);
    assert.equal(await repo.run(["show", `${second}:audit/2026/12/01.jsonl`]), '{"é":2}\n');
    assert.equal(
      (await repo.run(["log", "-1", "--format=%P|%an <%ae> %at|%cn <%ce> %ct|%B", second])).trim(),
      `${first}|dialwindow <dw@example.test> 1764600000|dialwindow <dw@example.test> 1764600000|audit: test`,
    );
  });

  it("never moves the ref past a commit someone else put there: git refuses and the ref stays", async () => {
    const repo = await newRepo();
    const base = await repo.commitFiles(spec(null, { "audit/2026/12/01.jsonl": "1\n" }));
    const theirs = await repo.commitFiles(spec(base, { "audit/2026/12/01.jsonl": "1\n2\n" }));
    await assert.rejects(
      repo.commitFiles(spec(base, { "audit/2026/12/01.jsonl": "1\nmine\n" })),
      (err: unknown) => err instanceof GitError && /fast-import/.test(err.message),
    );
    assert.equal(await repo.resolveRef(REF), theirs);
    // A root commit onto a branch that exists is refused the same way.
    await assert.rejects(repo.commitFiles(spec(null, { "audit/x": "x\n" })), GitError);
    assert.equal(await repo.resolveRef(REF), theirs);
    // force (a scratch ref) moves it regardless.
    const scratch = "refs/dialwindow/replay";
    await repo.commitFiles(spec(null, { "a.txt": "a\n" }, scratch));
    const forced = await repo.commitFiles({ ...spec(theirs, { "b.txt": "b\n" }, scratch), force: true });
    assert.equal(await repo.resolveRef(scratch), forced);
  });
});
