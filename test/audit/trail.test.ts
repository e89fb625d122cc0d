import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  AuditError,
  isAuditCommit,
  readAuditRecords,
  readChangeRecords,
  verifyAuditTrail,
} from "../../src/audit/index.js";
import { UsageError } from "../../src/util/errors.js";
import { capturingLogger, git, META, openTrail, record, Sandbox, subjects } from "./helpers.js";

const BRANCH = "dialwindow-audit";
const sandbox = new Sandbox();
after(() => sandbox.cleanup());

describe("audit trail: appending", () => {
  it("creates the orphan audit branch, pushes it, and the remote trail verifies", async () => {
    const remote = await sandbox.remote();
    const workDir = join(await sandbox.dir(), "audit-repo");
    const trail = await openTrail(workDir, { remote });
    const result = await trail.append(
      [record("1", "2026-03-14T09:00:00Z"), record("2", "2026-03-14T09:05:00Z")],
      META,
    );
    assert.equal(result.pushed, true);
    // The push moved the remote-tracking ref too, so nothing is left to push.
    assert.equal(git(workDir, "rev-parse", `refs/remotes/origin/${BRANCH}`).trim(), result.commit);
    assert.deepEqual(await trail.pushPending(), { pushed: true, status: "up-to-date" });
    assert.deepEqual(
      result.appended.map((r) => r.changeId),
      ["chg_1", "chg_2"],
    );
    assert.equal(git(remote, "rev-parse", BRANCH).trim(), result.commit);
    // Orphan: the audit commit has no parent and the remote holds nothing but the audit branch.
    assert.equal(git(remote, "rev-list", "--count", BRANCH).trim(), "1");
    assert.equal(git(remote, "for-each-ref", "--format=%(refname)").trim(), `refs/heads/${BRANCH}`);
    assert.deepEqual(git(remote, "ls-tree", "-r", "--name-only", BRANCH).trim().split("\n"), [
      "audit/2026/03/14.jsonl",
    ]);
    const verified = await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" });
    assert.equal(verified.ok, true);
    assert.equal(verified.records, 2);
    assert.equal(verified.source, "remote");
  });

  it("continues the chain in a second append, across a day boundary and a process restart", async () => {
    const remote = await sandbox.remote();
    const workDir = join(await sandbox.dir(), "audit-repo");
    const first = await openTrail(workDir, { remote });
    await first.append([record("1", "2026-03-14T23:59:00Z")], META);
    const restarted = await openTrail(workDir, { remote });
    const second = await restarted.append([record("2", "2026-03-15T00:01:00Z")], META);
    assert.equal(second.pushed, true);
    const entries = await readAuditRecords({ workDir: remote, branch: BRANCH, path: "audit" });
    assert.deepEqual(
      entries.map((e) => e.location),
      [
        { file: "audit/2026/03/14.jsonl", line: 1 },
        { file: "audit/2026/03/15.jsonl", line: 1 },
      ],
    );
    assert.equal(entries[1]?.prevHash, entries[0]?.hash);
    assert.equal(subjects(remote, BRANCH).length, 2);
    assert.equal((await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" })).ok, true);
  });

  it("records each changeId once: a replayed journal adds nothing, even after a restart", async () => {
    const remote = await sandbox.remote();
    const workDir = join(await sandbox.dir(), "audit-repo");
    const records = [record("1", "2026-03-14T09:00:00Z"), record("2", "2026-03-14T09:01:00Z")];
    await (await openTrail(workDir, { remote })).append(records, META);
    const tip = git(remote, "rev-parse", BRANCH).trim();

    const again = await (await openTrail(workDir, { remote })).append(
      [...records, record("3", "2026-03-14T10:00:00Z"), record("3", "2026-03-14T10:00:00Z")],
      META,
    );
    assert.deepEqual(
      again.appended.map((r) => r.changeId),
      ["chg_3"],
    );
    assert.deepEqual(again.skipped, ["chg_1", "chg_2", "chg_3"]);
    const nothing = await (await openTrail(workDir, { remote })).append(records, META);
    assert.equal(nothing.commit, null);
    assert.equal(nothing.pushed, true);
    assert.equal(git(remote, "rev-list", "--count", BRANCH).trim(), "2");
    assert.notEqual(git(remote, "rev-parse", BRANCH).trim(), tip);
    const ids = (await readChangeRecords({ workDir: remote, branch: BRANCH, path: "audit" })).map(
      (r) => r.changeId,
    );
    assert.deepEqual(ids, ["chg_1", "chg_2", "chg_3"]);
  });

  it("makes one commit per append, with a structured message an audit-commit check recognises", async () => {
    const remote = await sandbox.remote();
    const trail = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote });
    const batch = Array.from({ length: 100 }, (_, i) =>
      record(String(i).padStart(3, "0"), "2026-03-14T09:00:00Z"),
    );
    const result = await trail.append(batch, { revision: "feedface", actor: "dialwindow reconcile (pod-7)" });
    assert.equal(git(remote, "rev-list", "--count", BRANCH).trim(), "1");
    const message = git(remote, "log", "-1", "--format=%B", BRANCH);
    assert.match(message, /^audit: 100 schedule changes \(campaign-000, campaign-001, .*…\)\n/);
    const trailer = (key: string) =>
      git(remote, "log", "-1", `--format=%(trailers:key=${key},valueonly)`, BRANCH).trim();
    assert.equal(trailer("Desired-State-Revision"), "feedface");
    assert.equal(trailer("Dialwindow-Actor"), "dialwindow reconcile (pod-7)");
    assert.equal(trailer("Dialwindow-Audit"), "true");
    assert.equal(trailer("Change-Ids").split(", ").length, 100);
    assert.equal(
      git(remote, "log", "-1", "--format=%an <%ae>", BRANCH).trim(),
      "dialwindow <dialwindow@example.test>",
    );
    assert.equal(git(remote, "log", "-1", "--format=%cI", BRANCH).trim(), "2026-03-14T12:00:00+00:00");
    const files = git(remote, "show", "--format=", "--name-only", result.commit ?? "")
      .trim()
      .split("\n");
    assert.equal(isAuditCommit({ message, files }), true);
  });

  it("publishes only ChangeRecord fields", async () => {
    const workDir = join(await sandbox.dir(), "audit-repo");
    const trail = await openTrail(workDir);
    const leaky = {
      ...record("1", "2026-03-14T09:00:00Z"),
      clientSecret: "s3cret",
      headers: { authorization: "Bearer x" },
    };
    await trail.append([leaky], META);
    const text = git(workDir, "show", `${BRANCH}:audit/2026/03/14.jsonl`);
    assert.doesNotMatch(text, /s3cret|Bearer|clientSecret|headers/);
    assert.deepEqual(
      Object.keys(JSON.parse(text) as object).sort(),
      [...Object.keys(record("1", "x")), "prevHash", "hash"].sort(),
    );
  });
});

describe("audit trail: pushing", () => {
  it("replays its records on top of another writer's, keeping one linear, intact chain", async () => {
    const remote = await sandbox.remote();
    const alice = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote });
    const bob = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote });
    const a1 = await alice.append([record("a1", "2026-03-14T09:00:00Z")], META);
    assert.equal(a1.pushed, true);
    // Bob's branch started before Alice pushed: his push is rejected, he fetches and replays.
    const b1 = await bob.append(
      [record("b1", "2026-03-14T09:30:00Z"), record("b2", "2026-03-15T08:00:00Z")],
      {
        revision: "b0b",
        actor: "bob",
      },
    );
    assert.equal(b1.pushed, true);
    assert.equal(b1.commit, git(remote, "rev-parse", BRANCH).trim());
    assert.equal(git(remote, "rev-parse", `${BRANCH}^`).trim(), a1.commit);
    assert.deepEqual(subjects(remote, BRANCH), [
      "audit: 2 schedule changes (campaign-b1, campaign-b2)",
      "audit: 1 schedule change (campaign-a1)",
    ]);
    assert.equal(
      git(remote, "log", "-1", "--format=%(trailers:key=Dialwindow-Actor,valueonly)", BRANCH).trim(),
      "bob",
    );
    const verified = await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" });
    assert.deepEqual({ ok: verified.ok, records: verified.records }, { ok: true, records: 3 });

    // Alice is now behind; her next append lands after Bob's.
    const a2 = await alice.append([record("a2", "2026-03-15T09:00:00Z")], META);
    assert.equal(a2.pushed, true);
    const ids = (await readChangeRecords({ workDir: remote, branch: BRANCH, path: "audit" })).map(
      (r) => r.changeId,
    );
    assert.deepEqual(ids, ["chg_a1", "chg_b1", "chg_b2", "chg_a2"]);
    assert.equal((await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" })).ok, true);
  });

  it("keeps a change both writers recorded only once", async () => {
    const remote = await sandbox.remote();
    const alice = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote });
    const bob = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote });
    await alice.append([record("1", "2026-03-14T09:00:00Z")], META);
    const result = await bob.append(
      [record("1", "2026-03-14T09:00:00Z"), record("2", "2026-03-14T09:01:00Z")],
      META,
    );
    assert.equal(result.pushed, true);
    assert.deepEqual(
      result.appended.map((r) => r.changeId),
      ["chg_2"],
    );
    assert.deepEqual(result.skipped, ["chg_1"]);
    const ids = (await readChangeRecords({ workDir: remote, branch: BRANCH, path: "audit" })).map(
      (r) => r.changeId,
    );
    assert.deepEqual(ids, ["chg_1", "chg_2"]);
  });

  it("keeps commits local while the remote is unreachable and pushes them once it is back", async () => {
    const remoteParent = await sandbox.dir();
    const remote = join(remoteParent, "later.git");
    const workDir = join(await sandbox.dir(), "audit-repo");
    const { logger, lines } = capturingLogger();
    const trail = await openTrail(workDir, { remote, logger });
    const result = await trail.append([record("1", "2026-03-14T09:00:00Z")], META);
    assert.equal(result.pushed, false);
    assert.notEqual(result.commit, null);
    assert.equal(git(workDir, "rev-parse", BRANCH).trim(), result.commit);
    assert.ok(lines.some((line) => line.level === "warn" && String(line.msg).includes("unreachable")));

    const offline = await trail.append([record("2", "2026-03-14T10:00:00Z")], META);
    assert.equal(offline.pushed, false);

    git(tmpdir(), "init", "-q", "--bare", remote);
    // A fresh process finds the unpushed commits in its work directory.
    const later = await openTrail(workDir, { remote });
    assert.deepEqual(await later.pushPending(), { pushed: true, status: "pushed" });
    assert.equal(git(remote, "rev-parse", BRANCH).trim(), offline.commit);
    assert.deepEqual(await later.pushPending(), { pushed: true, status: "up-to-date" });
    const verified = await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" });
    assert.deepEqual({ ok: verified.ok, records: verified.records }, { ok: true, records: 2 });
  });

  it("pushes nothing when push is off or there is no remote", async () => {
    const remote = await sandbox.remote();
    const quiet = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote, push: false });
    const result = await quiet.append([record("1", "2026-03-14T09:00:00Z")], META);
    assert.equal(result.pushed, false);
    assert.deepEqual(await quiet.pushPending(), { pushed: false, status: "local-only" });
    assert.equal(git(remote, "for-each-ref").trim(), "");
    const local = await openTrail(join(await sandbox.dir(), "audit-repo"));
    assert.equal((await local.append([record("1", "2026-03-14T09:00:00Z")], META)).pushed, false);
    assert.equal(
      (await verifyAuditTrail({ workDir: local.workDir, branch: BRANCH, path: "audit" })).ok,
      true,
    );
  });

  it("writes the trail under audit/ on main beside the desired state, leaving the other files alone", async () => {
    const remote = await sandbox.remote();
    const seed = join(await sandbox.dir(), "seed");
    git(tmpdir(), "init", "-q", "-b", "main", seed);
    await mkdir(join(seed, "campaigns"));
    await writeFile(join(seed, "dialwindow.yaml"), "apiVersion: dialwindow/v1\nkind: Config\n");
    await writeFile(join(seed, "campaigns", "q4.yaml"), "kind: CampaignSchedule\n");
    git(seed, "add", ".");
    git(seed, "commit", "-q", "-m", "desired state");
    git(seed, "remote", "add", "origin", remote);
    git(seed, "push", "-q", "origin", "main");
    const before = git(remote, "rev-parse", "main").trim();
    const treeBefore = git(remote, "ls-tree", "-r", "main").trim().split("\n");

    const trail = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote, branch: "main" });
    const result = await trail.append([record("1", "2026-03-14T09:00:00Z")], META);
    assert.equal(result.pushed, true);
    assert.equal(git(remote, "rev-parse", "main^").trim(), before);
    const treeAfter = git(remote, "ls-tree", "-r", "main").trim().split("\n");
    for (const entry of treeBefore) assert.ok(treeAfter.includes(entry), `${entry} changed`);
    assert.deepEqual(
      treeAfter.filter((entry) => !treeBefore.includes(entry)).map((entry) => entry.split("\t")[1]),
      ["audit/2026/03/14.jsonl"],
    );
    assert.equal((await verifyAuditTrail({ remote, branch: "main", path: "audit" })).ok, true);
    // Someone merges a desired-state change meanwhile; the next append builds on it.
    git(seed, "pull", "-q", "--ff-only", "origin", "main");
    await writeFile(join(seed, "campaigns", "q4.yaml"), "kind: CampaignSchedule # edited\n");
    git(seed, "commit", "-q", "-am", "edit q4");
    git(seed, "push", "-q", "origin", "main");
    assert.equal((await trail.append([record("2", "2026-03-14T10:00:00Z")], META)).pushed, true);
    assert.equal(git(remote, "show", "main:campaigns/q4.yaml"), "kind: CampaignSchedule # edited\n");
    assert.deepEqual(subjects(remote, "main"), [
      "audit: 1 schedule change (campaign-2)",
      "edit q4",
      "audit: 1 schedule change (campaign-1)",
      "desired state",
    ]);
    assert.equal((await verifyAuditTrail({ remote, branch: "main", path: "audit" })).ok, true);
  });

  it("refuses to write where a file stands in the trail's way, and moves nothing", async () => {
    for (const [path, blocker] of [
      ["audit", "audit"],
      ["audit", "audit/2026"],
      ["ops/audit", "ops"],
    ] as const) {
      const remote = await sandbox.remote();
      const seed = join(await sandbox.dir(), "seed");
      git(tmpdir(), "init", "-q", "-b", "main", seed);
      await mkdir(join(seed, blocker, ".."), { recursive: true });
      await writeFile(join(seed, blocker), "someone's file\n");
      git(seed, "add", ".");
      git(seed, "commit", "-q", "-m", "a file where the trail goes");
      git(seed, "push", "-q", remote, "main");
      const before = git(remote, "rev-parse", "main").trim();
      const trail = await openTrail(join(await sandbox.dir(), "audit-repo"), {
        remote,
        branch: "main",
        path,
      });
      await assert.rejects(
        trail.append([record("1", "2026-03-14T09:00:00Z")], META),
        (err: unknown) =>
          err instanceof AuditError &&
          err.code === "DW_AUDIT_GIT" &&
          err.message.includes(`under ${path.split("/")[0]}/: a file of that name is in the way`),
        `${blocker} in the way of ${path}`,
      );
      assert.equal(git(remote, "rev-parse", "main").trim(), before, "the remote is untouched");
    }
  });

  it("refuses a work directory it does not own and a bad branch name", async () => {
    const dir = await sandbox.dir();
    await writeFile(join(dir, "notes.txt"), "mine\n");
    await assert.rejects(
      openTrail(dir),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_WORKDIR",
    );
    const someoneElses = await sandbox.remote();
    await assert.rejects(
      openTrail(someoneElses),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_WORKDIR",
    );
    await assert.rejects(openTrail(join(await sandbox.dir(), "repo"), { branch: "bad..name" }), UsageError);
    await assert.rejects(openTrail(join(await sandbox.dir(), "repo"), { path: "../outside" }), UsageError);
    assert.equal(existsSync(join(dir, "HEAD")), false);
  });
});

describe("audit trail: refusals", () => {
  it("keeps commits local and says why when the remote refuses a fast-forward push", async () => {
    const remote = await sandbox.remote();
    const hook = join(remote, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n", { mode: 0o755 });
    const { logger, lines } = capturingLogger();
    const trail = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote, logger });
    const result = await trail.append([record("1", "2026-03-14T09:00:00Z")], META);
    assert.equal(result.pushed, false);
    assert.notEqual(result.commit, null);
    assert.equal(git(remote, "for-each-ref").trim(), "");
    assert.deepEqual(await trail.pushPending(), { pushed: false, status: "failed" });
    assert.ok(
      lines.some((line) => line.level === "warn" && String(line.stderr).includes("branch is protected")),
    );
  });

  it("rejects a batch with a record it cannot place, writing none of it", async () => {
    const workDir = join(await sandbox.dir(), "audit-repo");
    const trail = await openTrail(workDir);
    await assert.rejects(
      trail.append([record("1", "2026-03-14T09:00:00Z"), record("2", "last tuesday")], META),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_RECORD",
    );
    assert.deepEqual(await trail.entries(), []);
  });
});
