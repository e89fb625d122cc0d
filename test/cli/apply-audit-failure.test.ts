/**
 * An apply whose audit record cannot be written is a failed apply (exit 1), not a success:
 * CI must not go green with a change in CXone that no audit commit records. The change stays
 * in the journal, and the next command that writes commits it.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runBinary, runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { driftByHand, makeWorld } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";

describe("apply: an audit record that cannot be written", () => {
  it("the audit repository cannot be opened: the PATCH lands, apply exits 1 and says the journal keeps it", async () => {
    const world = await makeWorld({ at: AT });
    driftByHand(world, Q4);
    const stateDir = await tempDir("dw-state-");
    // Something that is not dialwindow's audit repository sits where it would be created.
    await mkdir(join(stateDir, "audit-repo"));
    await writeFile(join(stateDir, "audit-repo", "not-ours.txt"), "someone else's\n");
    const args = ["apply", "--dir", world.dir, "--at", AT, "--state-dir", stateDir, "--webhook-wait", "5"];

    const first = await runInProcess(args, { env: world.env, now: AT });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.equal(world.sim.countRequests("patch"), 1);
    assert.match(first.stdout, /~ q4-outreach \(123456789012345678\) {2}updated/);
    assert.match(
      first.stdout,
      /Audit: not recorded yet \(.*is not empty and is not a dialwindow audit repository/,
    );
    assert.match(
      first.stderr,
      /dialwindow: 1 change written to CXone is not in the audit trail yet \(.*not a dialwindow audit repository.*\)\. It is kept in the journal in .*dw-state-.*, and the next apply, reconcile or webhooks retry commits it: fix the cause, then run one\./,
    );

    await rm(join(stateDir, "audit-repo", "not-ours.txt"));
    const second = await runInProcess(args, { env: world.env, now: AT });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /Audit: 1 record\(s\) in commit [0-9a-f]{12} on dialwindow-audit/);
    assert.equal(world.sim.countRequests("patch"), 1, "the change was not written twice");
  });

  it("git fails while committing: apply exits 1, and the next run commits the record", async () => {
    const world = await makeWorld({ at: AT });
    driftByHand(world, Q4);
    const stateDir = await tempDir("dw-state-");
    // A git that fails exactly when the audit trail writes its commit.
    const bin = await tempDir("dw-fake-git-");
    const real = (await runBinaryWhich()).trim();
    await writeFile(
      join(bin, "git"),
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = fast-import ] && { echo "fatal: unable to write new object (simulated)" >&2; exit 128; }; done\nexec "${real}" "$@"\n`,
    );
    await chmod(join(bin, "git"), 0o755);
    const args = ["apply", "--dir", world.dir, "--at", AT, "--state-dir", stateDir, "--webhook-wait", "5"];

    const first = await runBinary(args, { env: { ...world.env, PATH: `${bin}:${process.env.PATH ?? ""}` } });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.equal(world.sim.countRequests("patch"), 1);
    assert.match(first.stderr, /1 change written to CXone is not in the audit trail yet \(.*fast-import.*\)/);
    assert.match(first.stderr, /kept in the journal/);

    // The real git again: in-process is enough (the fake git needed the binary's own PATH).
    const second = await runInProcess(args, { env: world.env, now: AT });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /Audit: 1 record\(s\) in commit [0-9a-f]{12} on dialwindow-audit/);
    assert.equal(world.sim.countRequests("patch"), 1);
  });
});

async function runBinaryWhich(): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  return execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" });
}
