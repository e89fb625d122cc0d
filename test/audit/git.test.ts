/** The audit repository's tree writing: a file added beside what is there, and a file in the way. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { AuditError } from "../../src/audit/errors.js";
import { openAuditRepo } from "../../src/audit/git.js";
import { GitError } from "../../src/util/git.js";
import { tempDir } from "../helpers/fs.js";

async function repoWithBlob() {
  const repo = await openAuditRepo(join(await tempDir("dw-audit-git-"), "audit.git"));
  const blob = (await repo.run(["hash-object", "-w", "--stdin"], { input: "{}\n" })).trim();
  return { repo, blob };
}

describe("BareRepo.writeTree", () => {
  it("adds files at any depth and keeps every other entry of the base tree as it was", async () => {
    const { repo, blob } = await repoWithBlob();
    const base = await repo.writeTree(
      null,
      new Map([
        ["dialwindow.yaml", blob],
        ["campaigns/q4.yaml", blob],
        ["audit/2026/11/30.jsonl", blob],
      ]),
    );
    const tree = await repo.writeTree(base, new Map([["audit/2026/12/01.jsonl", blob]]));
    const listed = (await repo.run(["ls-tree", "-r", "--name-only", tree])).trim().split("\n");
    assert.deepEqual(listed, [
      "audit/2026/11/30.jsonl",
      "audit/2026/12/01.jsonl",
      "campaigns/q4.yaml",
      "dialwindow.yaml",
    ]);
    const unchanged = await repo.writeTree(base, new Map());
    assert.equal(unchanged, base, "nothing added: the same tree");
  });

  it("a file where the trail's folder goes is an error naming the folder, and no tree is written", async () => {
    const { repo, blob } = await repoWithBlob();
    const base = await repo.writeTree(null, new Map([["audit", blob]]));
    await assert.rejects(
      repo.writeTree(base, new Map([["audit/2026/12/01.jsonl", blob]])),
      (err: unknown) =>
        err instanceof AuditError &&
        err.code === "DW_AUDIT_GIT" &&
        /under audit\/: a file of that name is in the way/.test(err.message),
    );
  });

  it("any other git failure is reported as git said it, not as a file in the way", async () => {
    const { repo } = await repoWithBlob();
    const missing = "0123456789abcdef0123456789abcdef01234567";
    await assert.rejects(
      repo.writeTree(null, new Map([["audit/2026/12/01.jsonl", missing]])),
      (err: unknown) =>
        err instanceof GitError && !/in the way/.test(err.message) && /invalid object/.test(err.message),
    );
  });
});
