/**
 * The git source against real repositories: a bare repository is the remote, and a plain
 * clone plays the people (and the audit trail) pushing to it.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GitSource } from "../../src/reconcile/git-source.js";
import { tempDir } from "../helpers/fs.js";
import { git, gitScript } from "../helpers/git.js";
import { capturingLogger } from "./helpers.js";

const AUDIT_MESSAGE = [
  "audit: 1 schedule change (q4-outreach)",
  "",
  "- q4-outreach (campaign 1, campaigns/q4.yaml): etag a -> b at 2026-07-15T17:30:00Z",
  "",
  "Desired-State-Revision: 0123456789abcdef0123456789abcdef01234567",
  "Change-Ids: chg_1",
  "Dialwindow-Actor: dialwindow reconcile (test)",
  "Dialwindow-Audit-Head: abc",
  "Dialwindow-Audit: true",
  "",
].join("\n");

/** A remote with one branch `main` (its default), and a working clone to push from. */
async function remoteWithHistory() {
  const root = await tempDir("dw-gitsrc-");
  const remote = join(root, "remote.git");
  const work = join(root, "work");
  git(root, "init", "-q", "--bare", "--initial-branch=main", remote);
  git(root, "clone", "-q", remote, work);
  git(work, "symbolic-ref", "HEAD", "refs/heads/main");
  const person = {
    root,
    remote,
    work,
    async commit(
      files: Record<string, string | null>,
      message = "edit schedules",
      branch = "main",
    ): Promise<string> {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) await rm(full);
        else {
          await mkdir(join(full, ".."), { recursive: true });
          await writeFile(full, content);
        }
      }
      // One shell for the four git runs: forking the test process is the costly part of each.
      return gitScript(
        work,
        'git add -A; git commit -q -m "$1"; git push -q origin "HEAD:$2"; git rev-parse HEAD',
        message,
        branch,
      ).trim();
    },
  };
  const first = await person.commit(
    {
      "dialwindow.yaml": "kind: Config\n",
      "campaigns/q4.yaml": "name: q4\n",
      "campaigns/old.yaml": "name: old\n",
    },
    "initial desired state",
  );
  return { ...person, first };
}

describe("GitSource", { concurrency: 4 }, () => {
  it("checks out the remote's default branch on the first fetch, then reports nothing new", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    assert.equal(source.revision(), null);

    const first = await source.fetch();
    assert.deepEqual(first, { status: "changed", revision: r.first, previous: null });
    assert.equal(source.revision(), r.first);
    assert.equal(source.branch(), "main");
    assert.equal(await readFile(join(dir, "campaigns/q4.yaml"), "utf8"), "name: q4\n");

    assert.deepEqual(await source.fetch(), {
      status: "unchanged",
      revision: r.first,
      skippedAuditCommits: 0,
    });
  });

  it("moves to a new commit: changed files, deleted files and stray files all follow the remote", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    await writeFile(join(dir, "campaigns/stray.yaml"), "name: stray\n");

    const second = await r.commit({ "campaigns/q4.yaml": "name: q4-v2\n", "campaigns/old.yaml": null });
    assert.deepEqual(await source.fetch(), { status: "changed", revision: second, previous: r.first });
    assert.equal(await readFile(join(dir, "campaigns/q4.yaml"), "utf8"), "name: q4-v2\n");
    assert.equal(existsSync(join(dir, "campaigns/old.yaml")), false);
    assert.equal(existsSync(join(dir, "campaigns/stray.yaml")), false);
  });

  it("does not count audit-only commits as new work, and keeps the last desired-state revision", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();

    // Two commits by the audit trail (trailer), one hand edit of the trail (audit/ only).
    await r.commit({ "audit/2026/07/15.jsonl": '{"n":1}\n' }, AUDIT_MESSAGE);
    await r.commit({ "audit/2026/07/15.jsonl": '{"n":1}\n{"n":2}\n' }, AUDIT_MESSAGE);
    assert.deepEqual(await source.fetch(), {
      status: "unchanged",
      revision: r.first,
      skippedAuditCommits: 2,
    });
    await r.commit({ "audit/2026/07/15.jsonl": '{"n":1}\n{"n":2}\n\n' }, "fix a blank line in the trail");
    assert.deepEqual(await source.fetch(), {
      status: "unchanged",
      revision: r.first,
      skippedAuditCommits: 1,
    });
    assert.equal(source.revision(), r.first);
    assert.equal(existsSync(join(dir, "audit")), false, "the checkout did not move");
    assert.deepEqual(await source.fetch(), {
      status: "unchanged",
      revision: r.first,
      skippedAuditCommits: 0,
    });

    // A custom audit.path is honoured for hand edits.
    await r.commit({ "trail/x.jsonl": "{}\n" }, "hand edit under a custom audit path");
    assert.deepEqual(await source.fetch({ auditPath: "trail" }), {
      status: "unchanged",
      revision: r.first,
      skippedAuditCommits: 1,
    });

    // A real change after audit commits moves the checkout to the newest head.
    const real = await r.commit({ "campaigns/q4.yaml": "name: q4-v3\n" });
    assert.deepEqual(await source.fetch(), { status: "changed", revision: real, previous: r.first });
    assert.equal(await readFile(join(dir, "campaigns/q4.yaml"), "utf8"), "name: q4-v3\n");
  });

  it("counts a commit touching the trail and a schedule as a change", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    const mixed = await r.commit(
      { "audit/x.jsonl": "{}\n", "campaigns/q4.yaml": "name: q4-mixed\n" },
      "both",
    );
    assert.deepEqual(await source.fetch(), { status: "changed", revision: mixed, previous: r.first });
  });

  it("counts a schedule change carrying audit trailers (a squash merge) as a change", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    const squashed = await r.commit(
      { "campaigns/q4.yaml": "name: q4-squashed\n" },
      `Widen q4 hours (#12)\n\n* widen hours\n\n${AUDIT_MESSAGE}`,
    );
    assert.deepEqual(await source.fetch(), { status: "changed", revision: squashed, previous: r.first });
  });

  it("keeps the last good checkout while the remote is unreachable, and recovers", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    const moved = `${r.remote}.away`;
    await rename(r.remote, moved);

    const failed = await source.fetch();
    assert.equal(failed.status, "error");
    assert.equal(failed.status === "error" && failed.error.code, "DW_GIT_REMOTE");
    assert.equal(failed.revision, r.first);
    assert.equal(source.revision(), r.first);
    assert.equal(await readFile(join(dir, "campaigns/q4.yaml"), "utf8"), "name: q4\n");

    await rename(moved, r.remote);
    const second = await r.commit({ "campaigns/q4.yaml": "name: q4-v2\n" });
    assert.deepEqual(await source.fetch(), { status: "changed", revision: second, previous: r.first });
  });

  it("reports an unreachable remote on the very first fetch with no revision", async () => {
    const root = await tempDir("dw-state-");
    const source = await GitSource.open({ url: join(root, "missing.git"), dir: join(root, "checkout") });
    const result = await source.fetch();
    assert.equal(result.status, "error");
    assert.equal(result.revision, null);
    assert.equal(source.revision(), null);
  });

  it("keeps credentials in the remote URL out of errors and logs", async () => {
    const root = await tempDir("dw-state-");
    const log = capturingLogger();
    const source = await GitSource.open({
      url: "http://x-access-token:tok3n-value@127.0.0.1:1/acme/desired.git",
      dir: join(root, "checkout"),
      logger: log.logger,
      timeoutMs: 10_000,
    });
    const result = await source.fetch();
    assert.equal(result.status, "error");
    assert.equal(result.status === "error" && result.error.code, "DW_GIT_REMOTE");
    assert.ok(result.status === "error" && !result.error.message.includes("tok3n-value"), "error redacted");
    assert.ok(!log.text().includes("tok3n-value"), "log redacted");
  });

  it("follows the branch it is given, and says so when the branch does not exist", async () => {
    const r = await remoteWithHistory();
    git(r.work, "checkout", "-q", "-b", "staging");
    const staging = await r.commit({ "campaigns/q4.yaml": "name: staging\n" }, "staging only", "staging");

    const source = await GitSource.open({
      url: r.remote,
      branch: "staging",
      dir: join(r.root, "co-staging"),
    });
    assert.equal((await source.fetch()).revision, staging);
    assert.equal(await readFile(join(r.root, "co-staging/campaigns/q4.yaml"), "utf8"), "name: staging\n");

    const missing = await GitSource.open({ url: r.remote, branch: "nope", dir: join(r.root, "co-nope") });
    const result = await missing.fetch();
    assert.equal(result.status === "error" && result.error.code, "DW_GIT_BRANCH");
  });

  it("follows a force-pushed (rewritten) history", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    // Rewrite main as an audit-looking commit on a new root: still a change, history moved.
    git(r.work, "checkout", "-q", "--orphan", "rewrite");
    git(r.work, "rm", "-q", "-rf", ".");
    await writeFile(join(r.work, "dialwindow.yaml"), "kind: Config\n");
    git(r.work, "add", "-A");
    git(r.work, "commit", "-q", "-m", "start over");
    git(r.work, "push", "-q", "--force", "origin", "HEAD:main");
    const rewritten = git(r.work, "rev-parse", "HEAD").trim();
    assert.deepEqual(await source.fetch(), { status: "changed", revision: rewritten, previous: r.first });
    assert.equal(existsSync(join(dir, "campaigns")), false);
  });

  it("adopts its own checkout after a restart without asking the remote", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    await (await GitSource.open({ url: r.remote, dir })).fetch();
    await rename(r.remote, `${r.remote}.away`);
    const reopened = await GitSource.open({ url: r.remote, dir });
    assert.equal(reopened.revision(), r.first);
    assert.equal((await reopened.fetch()).status, "error");
    assert.equal(reopened.revision(), r.first);
  });

  it("refuses a directory that is not its own checkout, and leaves it alone", async () => {
    const r = await remoteWithHistory();
    // The person's own clone: it must never be reset or fetched into.
    await writeFile(join(r.work, "campaigns/q4.yaml"), "uncommitted work\n");
    await assert.rejects(GitSource.open({ url: r.remote, dir: r.work }), { code: "DW_GIT_WORKDIR" });
    assert.equal(await readFile(join(r.work, "campaigns/q4.yaml"), "utf8"), "uncommitted work\n");

    const plain = await tempDir("dw-plain-");
    await writeFile(join(plain, "notes.txt"), "mine\n");
    await assert.rejects(GitSource.open({ url: r.remote, dir: plain }), { code: "DW_GIT_WORKDIR" });
  });

  it("never lets git walk up into a repository around a broken checkout", async () => {
    const r = await remoteWithHistory();
    // The state directory sits inside the person's clone (the default .dialwindow/ layout).
    const dir = join(r.work, ".dialwindow", "checkout");
    const source = await GitSource.open({ url: r.remote, dir });
    await source.fetch();
    await rm(join(dir, ".git"), { recursive: true });
    await writeFile(join(r.work, "campaigns/q4.yaml"), "name: q4-v2\n");
    git(r.work, "commit", "-q", "-am", "new schedule");
    git(r.work, "push", "-q", "origin", "HEAD:main");
    await writeFile(join(r.work, "campaigns/q4.yaml"), "uncommitted work\n");
    const head = git(r.work, "rev-parse", "HEAD").trim();

    const result = await source.fetch();
    assert.equal(result.status, "error", "the broken checkout cannot fetch");
    assert.equal(await readFile(join(r.work, "campaigns/q4.yaml"), "utf8"), "uncommitted work\n");
    assert.equal(git(r.work, "rev-parse", "HEAD").trim(), head);
    assert.equal(git(r.work, "status", "--porcelain", "--untracked-files=no").trim(), "M campaigns/q4.yaml");
  });

  it("serialises concurrent fetches", async () => {
    const r = await remoteWithHistory();
    const source = await GitSource.open({ url: r.remote, dir: join(r.root, "co") });
    const results = await Promise.all([source.fetch(), source.fetch()]);
    assert.deepEqual(
      results.map((x) => x.status),
      ["changed", "unchanged"],
    );
  });

  it("refuses a remote that git would read as an option", async () => {
    const root = await tempDir("dw-state-");
    await assert.rejects(GitSource.open({ url: "--upload-pack=touch /tmp/x", dir: join(root, "co") }), {
      code: "DW_GIT_REMOTE",
    });
    await assert.rejects(GitSource.open({ url: "/x", branch: "--force", dir: join(root, "co") }), {
      code: "DW_GIT_BRANCH",
    });
  });
});

describe("GitSource in the daemon's environment", () => {
  it("a GIT_SSH_COMMAND (how a deploy key is often chosen) is passed to git, not refused", async () => {
    const r = await remoteWithHistory();
    const dir = join(await tempDir("dw-state-"), "checkout");
    const before = process.env.GIT_SSH_COMMAND;
    process.env.GIT_SSH_COMMAND = "ssh -i /etc/dialwindow/deploy-key -o IdentitiesOnly=yes";
    try {
      const source = await GitSource.open({ url: r.remote, dir });
      assert.deepEqual(await source.fetch(), { status: "changed", revision: r.first, previous: null });
    } finally {
      if (before === undefined) delete process.env.GIT_SSH_COMMAND;
      else process.env.GIT_SSH_COMMAND = before;
    }
  });
});
