import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditError, verifyAuditTrail } from "../../src/audit/index.js";
import { editOnRemote, git, META, openTrail, record, Sandbox } from "./helpers.js";

const BRANCH = "dialwindow-audit";
const DAY1 = "audit/2026/03/14.jsonl";
const DAY2 = "audit/2026/03/15.jsonl";
const sandbox = new Sandbox();
after(() => sandbox.cleanup());

/** A published trail: three records on the 14th, two on the 15th, in two commits. */
let published: string;
before(async () => {
  published = await sandbox.remote();
  const trail = await openTrail(join(await sandbox.dir(), "audit-repo"), { remote: published });
  await trail.append(
    [
      record("1", "2026-03-14T09:00:00Z"),
      record("2", "2026-03-14T10:00:00Z"),
      record("3", "2026-03-14T11:00:00Z"),
    ],
    META,
  );
  await trail.append([record("4", "2026-03-15T09:00:00Z"), record("5", "2026-03-15T10:00:00Z")], META);
});

/** A copy of the published remote, for one test to tamper with. */
async function copy(): Promise<string> {
  const dir = join(await sandbox.dir(), "copy.git");
  git(tmpdir(), "clone", "-q", "--bare", published, dir);
  return dir;
}

async function brokenAt(remote: string) {
  const result = await verifyAuditTrail({ remote, branch: BRANCH, path: "audit" });
  assert.equal(result.ok, false);
  const { file, line, reason } = result.firstBroken ?? { file: "", line: 0, reason: "" };
  return { file, line, reason };
}

describe("audit verify", () => {
  it("passes an untouched trail", async () => {
    const result = await verifyAuditTrail({ remote: published, branch: BRANCH, path: "audit" });
    assert.deepEqual(
      { ok: result.ok, records: result.records, files: result.files, firstBroken: result.firstBroken },
      { ok: true, records: 5, files: 2, firstBroken: undefined },
    );
  });

  it("names the file and line of an altered record", async () => {
    const remote = await copy();
    await editOnRemote(sandbox, remote, BRANCH, DAY1, (lines) =>
      lines.map((line, i) => (i === 1 ? line.replace('"17:00"', '"21:00"') : line)),
    );
    assert.deepEqual(await brokenAt(remote), { file: DAY1, line: 2, reason: "hash-mismatch" });
  });

  it("names the line after a removed record", async () => {
    const remote = await copy();
    await editOnRemote(sandbox, remote, BRANCH, DAY1, (lines) => lines.filter((_, i) => i !== 1));
    assert.deepEqual(await brokenAt(remote), { file: DAY1, line: 2, reason: "prev-hash-mismatch" });
  });

  it("names the first line out of order after records are reordered", async () => {
    const remote = await copy();
    await editOnRemote(sandbox, remote, BRANCH, DAY2, (lines) => [...lines].reverse());
    assert.deepEqual(await brokenAt(remote), { file: DAY2, line: 1, reason: "prev-hash-mismatch" });
  });

  it("names a line that is not JSON", async () => {
    const remote = await copy();
    await editOnRemote(sandbox, remote, BRANCH, DAY1, (lines) =>
      lines.map((line, i) => (i === 2 ? line.slice(0, -10) : line)),
    );
    assert.deepEqual(await brokenAt(remote), { file: DAY1, line: 3, reason: "invalid-json" });
  });

  it("notices records cut off the end, which the chain alone cannot show", async () => {
    const remote = await copy();
    await editOnRemote(sandbox, remote, BRANCH, DAY2, (lines) => lines.slice(0, 1));
    assert.deepEqual(await brokenAt(remote), { file: DAY2, line: 2, reason: "truncated" });
  });

  it("checks the remote, not a local copy that was edited and never pushed", async () => {
    const remote = await sandbox.remote();
    const workDir = join(await sandbox.dir(), "audit-repo");
    const trail = await openTrail(workDir, { remote });
    await trail.append([record("1", "2026-03-14T09:00:00Z"), record("2", "2026-03-14T10:00:00Z")], META);
    // Tamper with the local branch only (the work directory is a bare repository).
    await editOnRemote(sandbox, workDir, BRANCH, DAY1, (lines) => lines.slice(1));
    const local = await verifyAuditTrail({ workDir, branch: BRANCH, path: "audit" });
    assert.equal(local.ok, false);
    assert.equal(local.source, "local");
    const published = await verifyAuditTrail({ remote, workDir, branch: BRANCH, path: "audit" });
    assert.deepEqual(
      { ok: published.ok, records: published.records, source: published.source },
      {
        ok: true,
        records: 2,
        source: "remote",
      },
    );
  });

  it("says so when the remote cannot be read or has no audit branch", async () => {
    await assert.rejects(
      verifyAuditTrail({ remote: join(await sandbox.dir(), "missing.git"), branch: BRANCH, path: "audit" }),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_REMOTE",
    );
    await assert.rejects(
      verifyAuditTrail({ remote: await sandbox.remote(), branch: BRANCH, path: "audit" }),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_NO_TRAIL",
    );
  });
});
