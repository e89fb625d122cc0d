/**
 * Each writer in the state directory refuses a link on its own, not only behind the directory
 * check that `openStateDir` makes: a link can appear after that check (a daemon runs for weeks).
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openAuditRepo } from "../../src/audit/git.js";
import { Journal } from "../../src/state/journal.js";
import { acquireLock } from "../../src/state/lock.js";
import { requestRetry, takeRetryRequests } from "../../src/state/retry-requests.js";
import { silentLogger } from "../../src/util/log.js";
import { tempDir } from "./fixtures.js";

const VICTIM = "someone else's file\n";

async function setting(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const state = join(root, "state");
  const outside = join(root, "outside");
  await mkdir(state);
  await mkdir(outside);
  const victim = join(outside, "victim.txt");
  await writeFile(victim, VICTIM);
  return { state, outside, victim };
}

const isLinkError = (path: string) => (err: unknown) => {
  const e = err as { code?: string; message?: string };
  assert.equal(e.code, "DW_STATE_LINK", String(err));
  assert.ok(e.message?.includes(`${path} is a symbolic link`), e.message);
  return true;
};

describe("state files are never opened through a link", () => {
  it("the journal: neither read nor appended to, read-only included", async (t) => {
    const { state, victim } = await setting(t);
    const path = join(state, "journal.jsonl");
    await symlink(victim, path);
    await assert.rejects(Journal.open(path, { logger: silentLogger() }), isLinkError(path));
    await assert.rejects(Journal.open(path, { logger: silentLogger(), readOnly: true }), isLinkError(path));
    assert.equal(await readFile(victim, "utf8"), VICTIM);
  });

  it("the lock: a link in its place is refused, not read or replaced", async (t) => {
    const { state, victim } = await setting(t);
    const path = join(state, "lock");
    await symlink(victim, path);
    await assert.rejects(acquireLock(path, { logger: silentLogger() }), isLinkError(path));
    assert.equal(await readFile(victim, "utf8"), VICTIM);
  });

  it("retry requests: no request is written into, read from or deleted in a linked folder", async (t) => {
    const { state, outside, victim } = await setting(t);
    const requests = join(state, "requests");
    await symlink(outside, requests);
    await assert.rejects(requestRetry(state, "all"), isLinkError(requests));
    await assert.rejects(takeRetryRequests(state, { logger: silentLogger() }), isLinkError(requests));
    assert.deepEqual(await readdir(outside), ["victim.txt"]);
    assert.equal(await readFile(victim, "utf8"), VICTIM);
  });

  it("retry requests: a request file that is a link is dropped as damaged; its target is untouched", async (t) => {
    const { state, victim } = await setting(t);
    await mkdir(join(state, "requests"));
    await symlink(victim, join(state, "requests", "retry-1.json"));
    assert.deepEqual(await takeRetryRequests(state, { logger: silentLogger() }), []);
    assert.deepEqual(await readdir(join(state, "requests")), []);
    assert.equal(await readFile(victim, "utf8"), VICTIM);
  });

  it("the audit repository: a link in its place is refused before git runs", async (t) => {
    const { state, outside } = await setting(t);
    const repo = join(state, "audit-repo");
    await symlink(outside, repo);
    await assert.rejects(openAuditRepo(repo), isLinkError(repo));
    assert.deepEqual(await readdir(outside), ["victim.txt"]);
  });
});
