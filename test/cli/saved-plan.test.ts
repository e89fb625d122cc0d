/**
 * A saved plan is applied exactly as it was written, or not at all: any edit to the file is
 * refused before a single request reaches CXone, and a plan that breaks the invariants every
 * plan holds (one change per campaign, a summary that counts its changes, ...) is refused even
 * when whoever edited it also recomputed its digest.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { canonicalJson, sha256Hex } from "../../src/audit/chain.js";
import { runInProcess } from "../helpers/cli.js";
import { driftByHand, makeWorld, type World } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const EAST = "223456789012345678";

interface SavedPlan {
  formatVersion: number;
  at: string;
  summary: { update: number; noop: number; error: number };
  changes: {
    campaignId: string;
    action: string;
    version: string | null;
    before: { dialingHours: { startTime: string }[] } | null;
    after: { dialingHours: { startTime: string }[] };
  }[];
  digest?: string;
}

/** The digest as the README defines it: sha256 over the canonical JSON of everything but the digest. */
function digestOf(doc: SavedPlan): string {
  const { digest: _, ...content } = doc;
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

async function savedPlan(): Promise<{ world: World; file: string; doc: SavedPlan }> {
  const world = await makeWorld({ noWebhooks: true });
  driftByHand(world, Q4);
  driftByHand(world, EAST);
  const file = join(world.dir, "reviewed-plan.json");
  const r = await runInProcess(["plan", "--dir", world.dir, "--at", AT, "--out", file], {
    env: world.env,
    now: AT,
  });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  return { world, file, doc: JSON.parse(await readFile(file, "utf8")) };
}

function change(doc: SavedPlan, id: string) {
  const c = doc.changes.find((x) => x.campaignId === id);
  assert.ok(c, `no change for ${id}`);
  return c;
}

/** Writes the edited plan, applies it, and checks it was refused with no request to CXone. */
async function assertRefused(world: World, file: string, doc: SavedPlan, message: RegExp): Promise<void> {
  await writeFile(file, JSON.stringify(doc, null, 2));
  const requestsBefore = world.sim.countRequests();
  const r = await runInProcess(["apply", "--dir", world.dir, "--plan", file], { env: world.env, now: AT });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, message);
  assert.equal(world.sim.countRequests("patch"), 0, "no PATCH reached CXone");
  assert.equal(world.sim.countRequests(), requestsBefore, "no request at all reached CXone");
}

const MODIFIED = /the plan file was modified after it was written; run plan again/;

describe("apply --plan: a saved plan is bound to itself", () => {
  it("the file as written applies exactly, and so does plan --format json's output", async () => {
    const { world, file, doc } = await savedPlan();
    assert.match(doc.digest ?? "", /^sha256:[0-9a-f]{64}$/);
    assert.equal(doc.digest, digestOf(doc));
    const printed = await runInProcess(["plan", "--dir", world.dir, "--at", AT, "--format", "json"], {
      env: world.env,
      now: AT,
    });
    assert.deepEqual(JSON.parse(printed.stdout), doc, "the printed plan is the saved plan");
    const r = await runInProcess(["apply", "--dir", world.dir, "--plan", file], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("patch"), 2);
  });

  it("a version 1 plan (an older dialwindow's, its versions under `etag`) still applies exactly", async () => {
    const { world, file, doc } = await savedPlan();
    const { digest: _, profile: __, ...rest } = doc as SavedPlan & { profile?: string };
    const v1: Record<string, unknown> = {
      ...rest,
      formatVersion: 1,
      changes: doc.changes.map(({ version, ...c }) => ({ ...c, etag: version })),
    };
    v1.digest = `sha256:${sha256Hex(canonicalJson(v1))}`;
    await writeFile(file, JSON.stringify(v1, null, 2));
    const r = await runInProcess(["apply", "--dir", world.dir, "--plan", file], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(world.sim.countRequests("patch"), 2);
  });

  it("a plan made for another profile is refused before anything is sent", async () => {
    const { world, file, doc } = await savedPlan();
    (doc as SavedPlan & { profile: string }).profile = "cxone-admin";
    doc.digest = digestOf(doc);
    await writeFile(file, JSON.stringify(doc, null, 2));
    const r = await runInProcess(["apply", "--dir", world.dir, "--plan", file], { env: world.env, now: AT });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /was made for the cxone-admin profile.*cxone\.profile: tutorial/);
    assert.equal(world.sim.countRequests("patch"), 0);
  });

  it("a duplicated change entry is refused", async () => {
    const { world, file, doc } = await savedPlan();
    doc.changes.push(structuredClone(change(doc, Q4)));
    await assertRefused(world, file, doc, MODIFIED);
  });

  it("a changed `at` is refused", async () => {
    const { world, file, doc } = await savedPlan();
    doc.at = "2026-12-01T15:01:00.000Z"; // the same desired state: only the digest can tell
    await assertRefused(world, file, doc, MODIFIED);
  });

  it("a changed `after` is refused", async () => {
    const { world, file, doc } = await savedPlan();
    (change(doc, Q4).after.dialingHours[0] as { startTime: string }).startTime = "05:00";
    await assertRefused(world, file, doc, MODIFIED);
  });

  it("a changed version or `before` is refused", async () => {
    const { world, file, doc } = await savedPlan();
    change(doc, Q4).version = '"forged"';
    await assertRefused(world, file, doc, MODIFIED);
    const again = await savedPlan();
    (change(again.doc, EAST).before?.dialingHours[0] as { startTime: string }).startTime = "07:00";
    await assertRefused(again.world, again.file, again.doc, MODIFIED);
  });

  it("a removed digest is refused", async () => {
    const { world, file, doc } = await savedPlan();
    delete doc.digest;
    await assertRefused(world, file, doc, /has no digest.*run plan again/);
  });
});

describe("apply --plan: invariants hold even with a recomputed digest", () => {
  it("a campaign planned twice is refused", async () => {
    const { world, file, doc } = await savedPlan();
    doc.changes.push(structuredClone(change(doc, Q4)));
    doc.summary.update += 1;
    doc.digest = digestOf(doc);
    await assertRefused(world, file, doc, /changes\[\d\] plans campaign 123456789012345678 again/);
  });

  it("a summary that does not count the changes is refused", async () => {
    const { world, file, doc } = await savedPlan();
    doc.summary.update = 1;
    doc.digest = digestOf(doc);
    await assertRefused(
      world,
      file,
      doc,
      /summary says 1 update\(s\), 5 unchanged, 0 error\(s\); the changes hold 2, 5, 0/,
    );
  });

  it("an update whose diff is not the difference of its before and after is refused", async () => {
    const { world, file, doc } = await savedPlan();
    const q4 = change(doc, Q4) as unknown as { diff: unknown[] };
    q4.diff = [];
    doc.digest = digestOf(doc);
    await assertRefused(
      world,
      file,
      doc,
      /changes\[\d\]\.diff is not the difference between its before and after/,
    );
  });

  it("an update under another name or file than the repository gives it is refused", async () => {
    const { world, file, doc } = await savedPlan();
    (change(doc, Q4) as unknown as { name: string }).name = "someone-else";
    doc.digest = digestOf(doc);
    await assertRefused(
      world,
      file,
      doc,
      /someone-else \(123456789012345678\): the plan has it as someone-else in campaigns\/collections\/q4-outreach\.yaml, the repository as q4-outreach/,
    );
  });

  it("an `at` that is not an instant is refused", async () => {
    const { world, file, doc } = await savedPlan();
    doc.at = "yesterday";
    doc.digest = digestOf(doc);
    await assertRefused(world, file, doc, /`at` is "yesterday", not an ISO-8601 instant/);
  });
});
