import assert from "node:assert/strict";
import { appendFile, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Journal, JournalError } from "../../src/state/journal.js";
import type { JournalView } from "../../src/state/journal-view.js";
import { silentLogger } from "../../src/util/log.js";
import { captureLog, changeFor, intentFor, tempDir } from "./fixtures.js";

function clock(): () => Date {
  let t = Date.parse("2026-03-01T12:00:00.000Z");
  return () => {
    t += 1000;
    return new Date(t);
  };
}

async function openAt(path: string, log = silentLogger()): Promise<Journal> {
  return Journal.open(path, { logger: log, now: clock() });
}

/** Writes intent + written for change n. */
async function written(journal: Journal, n: number, targets = ["wfm", "bi"], audit = true): Promise<void> {
  await journal.recordIntent(intentFor(n));
  await journal.recordWritten(`int_${n}`, changeFor(n), { targets, audit });
}

function snapshot(view: JournalView) {
  return {
    openIntents: view.openIntents(),
    changes: view.changes().map((c) => ({ ...c, deliveries: [...c.deliveries.values()] })),
  };
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8")).split("\n");
}

describe("Journal", () => {
  it("replays a format 1 journal (version guards under their old names) and appends format 2", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const intent = intentFor(1);
    const change = changeFor(2);
    const { versionBefore, ...intentRest } = intent;
    const { versionBefore: cb, versionAfter: ca, ...changeRest } = change;
    const old = [
      {
        v: 1,
        ts: "2026-03-01T11:00:00.000Z",
        type: "intent",
        ...intentRest,
        intentId: "int_1",
        etagBefore: versionBefore,
      },
      {
        v: 1,
        ts: "2026-03-01T11:00:01.000Z",
        type: "intent",
        ...intentFor(2),
        versionBefore: undefined,
        intentId: "int_2",
        etagBefore: cb,
      },
      {
        v: 1,
        ts: "2026-03-01T11:00:02.000Z",
        type: "written",
        intentId: "int_2",
        change: { ...changeRest, etagBefore: cb, etagAfter: ca },
        targets: ["wfm"],
        audit: true,
      },
    ];
    await writeFile(path, `${old.map((e) => JSON.stringify(e)).join("\n")}\n`);
    const journal = await openAt(path);
    t.after(() => journal.close());
    const [open] = journal.view.openIntents();
    assert.equal(open?.versionBefore, versionBefore);
    const replayed = journal.view.change(change.changeId)?.change;
    assert.equal(replayed?.versionBefore, cb);
    assert.equal(replayed?.versionAfter, ca);
    await journal.recordAbandoned("int_1", "did not land");
    assert.equal(JSON.parse((await lines(path)).at(-2) ?? "{}").v, 2);
  });

  it("has each entry on disk, one JSON line, when the append resolves; a reopen replays them", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await journal.recordIntent(intentFor(1));
    assert.equal((await lines(path)).length, 2, "the intent line is on disk before the PATCH may start");
    await journal.recordWritten("int_1", changeFor(1), { targets: ["wfm", "bi"] });
    await journal.recordDelivered("chg_0001", "wfm", 1, 200);
    await journal.recordIntent(intentFor(2));
    await journal.recordIntent(intentFor(3));
    await journal.recordAbandoned("int_3", "PATCH answered 422");
    await written(journal, 4, ["wfm"]);
    await journal.recordAudited(["chg_0004"], "deadbeef");
    await journal.recordAttemptFailed("chg_0004", "wfm", 1, "HTTP 503", 503);
    await journal.recordDead("chg_0004", "wfm", 2, "HTTP 410: gone", 410);

    const raw = await lines(path);
    assert.equal(raw.at(-1), "", "file ends with a newline");
    for (const line of raw.slice(0, -1)) assert.equal(typeof JSON.parse(line).type, "string");
    const before = snapshot(journal.view);
    await journal.close();

    const reopened = await openAt(path);
    t.after(() => reopened.close());
    const view = reopened.view;
    assert.deepEqual(snapshot(view), before);
    assert.deepEqual(
      view.openIntents().map((i) => i.intentId),
      ["int_2"],
    );
    assert.deepEqual(
      view.pendingFor("bi").map((c) => c.changeId),
      ["chg_0001"],
    );
    assert.deepEqual(view.pendingFor("wfm"), []);
    assert.deepEqual(
      view.unaudited().map((c) => c.changeId),
      ["chg_0001"],
    );
    assert.deepEqual(
      view.deadLetters().map((d) => [d.change.changeId, d.target, d.attempts, d.reason, d.status]),
      [["chg_0004", "wfm", 2, "HTTP 410: gone", 410]],
    );
    assert.deepEqual(view.change("chg_0001")?.change, changeFor(1));
  });

  it("reports an intent with no outcome as unfinished, with everything needed to recover it", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    const { intentId: _fixed, ...withoutId } = intentFor(7);
    const intent = await journal.recordIntent(withoutId);
    assert.match(intent.intentId, /^int_[0-9a-f-]{36}$/);
    // The process dies here: no close, no outcome. A new process opens the same file.
    const after = await openAt(path);
    t.after(() => Promise.all([journal.close(), after.close()]).then(() => undefined));
    const [open] = after.view.openIntents();
    assert.ok(open);
    assert.equal(open.intentId, intent.intentId);
    assert.equal(open.campaignId, intentFor(7).campaignId);
    assert.deepEqual(open.before, intentFor(7).before);
    assert.deepEqual(open.after, intentFor(7).after);
    assert.equal(open.versionBefore, intentFor(7).versionBefore);
    // Recovery closes it either way.
    await after.recordWritten(intent.intentId, changeFor(7), { targets: [] });
    assert.deepEqual(after.view.openIntents(), []);
  });

  for (const [label, tail] of [
    ["a line with no trailing newline", '{"v":1,"ts":"2026-03-01T12:00:09.000Z","type":"deliv'],
    ["zero bytes left by a power cut", "\0\0\0\0\0\0\0\0"],
    ["a last line that is not JSON", "{garbage\n"],
  ] as const) {
    it(`drops a torn last line (${label}) with a warning and keeps later appends valid`, async (t) => {
      const path = join(await tempDir(t), "journal.jsonl");
      const first = await openAt(path);
      await written(first, 1);
      await first.close();
      const goodSize = (await stat(path)).size;
      await appendFile(path, tail);

      const log = captureLog();
      const journal = await openAt(path, log.logger);
      const warning = log.records().find((r) => r.level === "warn");
      assert.ok(warning, "expected a warning");
      assert.equal(warning.line, 3);
      assert.equal((await stat(path)).size, goodSize, "the torn bytes are truncated away");
      await journal.recordDelivered("chg_0001", "wfm", 1, 204);
      await journal.close();

      const again = await openAt(path);
      t.after(() => again.close());
      assert.equal(again.view.change("chg_0001")?.deliveries.get("wfm")?.status, "delivered");
      for (const line of (await lines(path)).slice(0, -1)) JSON.parse(line);
    });
  }

  it("refuses to open a journal damaged in the middle, naming the line", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await written(journal, 1);
    await written(journal, 2);
    await journal.close();
    const raw = await lines(path);
    raw[1] = `${raw[1]?.slice(0, 20)}`; // line 2 cut short, followed by intact lines
    await writeFile(path, raw.join("\n"));
    const size = (await stat(path)).size;

    await assert.rejects(openAt(path), (err: unknown) => {
      assert.ok(err instanceof JournalError);
      assert.equal(err.code, "DW_JOURNAL_CORRUPT");
      assert.equal(err.line, 2);
      assert.match(err.message, /line 2/);
      assert.ok(err.message.includes(path));
      return true;
    });
    assert.equal((await stat(path)).size, size, "a damaged journal is left as it was");
  });

  it("refuses a well-formed line that is not a journal entry, naming the line", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await written(journal, 1);
    await journal.close();
    const raw = await lines(path);
    raw.splice(1, 0, JSON.stringify({ v: 1, ts: "x", type: "teleported" }));
    await writeFile(path, raw.join("\n"));
    await assert.rejects(openAt(path), { code: "DW_JOURNAL_CORRUPT", line: 2, message: /teleported/ });
  });

  it("rejects entries that contradict the journal without writing them", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    t.after(() => journal.close());
    await written(journal, 1, ["wfm"]);
    const size = (await stat(path)).size;
    await assert.rejects(journal.recordWritten("int_nope", changeFor(2), { targets: [] }), {
      code: "DW_JOURNAL_REJECTED",
    });
    await assert.rejects(journal.recordDelivered("chg_0001", "bi", 1, 200), { code: "DW_JOURNAL_REJECTED" });
    await journal.recordDelivered("chg_0001", "wfm", 1, 200);
    await assert.rejects(journal.recordDelivered("chg_0001", "wfm", 2, 200), { code: "DW_JOURNAL_REJECTED" });
    await assert.rejects(journal.recordAudited(["chg_9999"], "abc"), { code: "DW_JOURNAL_REJECTED" });
    assert.equal(journal.view.change("chg_0001")?.deliveries.get("wfm")?.attempts, 1);
    assert.ok((await stat(path)).size > size);
    assert.equal((await lines(path)).length, 4, "only the valid delivered entry was added");
  });

  it("compacts to only unfinished work and dead letters, atomically and replayably", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    // Finished: delivered everywhere and audited.
    for (let n = 1; n <= 20; n++) {
      await written(journal, n);
      await journal.recordAttemptFailed(`chg_${String(n).padStart(4, "0")}`, "wfm", 1, "HTTP 503", 503);
      await journal.recordDelivered(`chg_${String(n).padStart(4, "0")}`, "wfm", 2, 200);
      await journal.recordDelivered(`chg_${String(n).padStart(4, "0")}`, "bi", 1, 200);
    }
    await journal.recordAudited(
      Array.from({ length: 20 }, (_, i) => `chg_${String(i + 1).padStart(4, "0")}`),
      "c0ffee",
    );
    // Unfinished, each for a different reason.
    await written(journal, 21); // pending everywhere, unaudited
    await journal.recordAttemptFailed("chg_0021", "bi", 1, "ECONNREFUSED", null);
    await journal.recordAttemptFailed("chg_0021", "bi", 2, "HTTP 502", 502);
    await written(journal, 22); // delivered, not audited
    await journal.recordDelivered("chg_0022", "wfm", 1, 200);
    await journal.recordDelivered("chg_0022", "bi", 1, 200);
    await written(journal, 23); // a dead letter, audited
    await journal.recordDelivered("chg_0023", "wfm", 1, 200);
    await journal.recordDead("chg_0023", "bi", 1, "HTTP 410", 410);
    await journal.recordAudited(["chg_0023"], "f00d");
    await written(journal, 24, ["wfm"], false); // not for the audit trail, delivered: finished
    await journal.recordDelivered("chg_0024", "wfm", 1, 200);
    await journal.recordIntent(intentFor(25)); // open intent
    await journal.recordIntent(intentFor(26));
    await journal.recordAbandoned("int_26", "412");

    const before = snapshot(journal.view);
    const result = await journal.compact();
    assert.ok(result.bytesAfter < result.bytesBefore / 5, `${result.bytesAfter} < ${result.bytesBefore} / 5`);
    assert.equal(result.bytesAfter, (await stat(path)).size);

    const expected = {
      openIntents: before.openIntents,
      changes: before.changes.filter((c) => ["chg_0021", "chg_0022", "chg_0023"].includes(c.change.changeId)),
    };
    assert.deepEqual(snapshot(journal.view), expected);
    assert.equal(journal.view.change("chg_0021")?.deliveries.get("bi")?.attempts, 2);

    // Appends after compaction land in the new file.
    await journal.recordAudited(["chg_0021", "chg_0022"], "beef");
    await journal.close();
    const reopened = await openAt(path);
    t.after(() => reopened.close());
    assert.deepEqual(
      reopened.view.changes().map((c) => [c.change.changeId, c.auditCommit]),
      [
        ["chg_0021", "beef"],
        ["chg_0022", "beef"],
        ["chg_0023", "f00d"],
      ],
    );
    assert.deepEqual(
      reopened.view.openIntents().map((i) => i.intentId),
      ["int_25"],
    );
    assert.deepEqual(
      reopened.view.deadLetters().map((d) => d.change.changeId),
      ["chg_0023"],
    );
    assert.deepEqual(await readdir(join(path, "..")), ["journal.jsonl"], "no temp file left behind");
  });

  it("compacts only past the size threshold", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    t.after(() => journal.close());
    await written(journal, 1, []);
    await journal.recordAudited(["chg_0001"], "abc");
    assert.equal(await journal.maybeCompact(1_000_000), undefined);
    const result = await journal.maybeCompact(100);
    assert.ok(result);
    assert.equal(result.bytesAfter, 0);
    assert.ok(journal.view.isQuiet());
  });

  it("read-only: sees durable entries, leaves a partial last line alone, and refuses appends", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const writer = await openAt(path);
    t.after(() => writer.close());
    await written(writer, 1);
    await appendFile(path, '{"v":1,"ts":"x","ty');
    const size = (await stat(path)).size;
    const reader = await Journal.open(path, { logger: silentLogger(), readOnly: true });
    assert.deepEqual(
      reader.view.pendingFor("wfm").map((c) => c.changeId),
      ["chg_0001"],
    );
    assert.equal((await stat(path)).size, size);
    await assert.rejects(reader.recordDelivered("chg_0001", "wfm", 1, 200), { code: "DW_JOURNAL_READ_ONLY" });
    await reader.close();
  });
  it("journals when a failed delivery is next due, and replays journals written before that existed", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await written(journal, 1);
    await journal.recordAttemptFailed(
      "chg_0001",
      "wfm",
      1,
      "HTTP 503",
      503,
      new Date("2026-03-01T13:00:00.000Z"),
    );
    // A line from before retryAt existed: due at once.
    await journal.close();
    await appendFile(
      path,
      `${JSON.stringify({ v: 1, ts: "2026-03-01T12:00:09.000Z", type: "attempt-failed", changeId: "chg_0001", target: "bi", attempt: 1, error: "ECONNREFUSED", status: null })}\n`,
    );
    const reopened = await openAt(path);
    t.after(() => reopened.close());
    const deliveries = reopened.view.change("chg_0001")?.deliveries;
    assert.equal(deliveries?.get("wfm")?.nextAttemptAt, "2026-03-01T13:00:00.000Z");
    assert.equal(deliveries?.get("bi")?.nextAttemptAt, null);
    assert.equal(deliveries?.get("bi")?.attempts, 1);

    await reopened.compact();
    assert.equal(
      reopened.view.change("chg_0001")?.deliveries.get("wfm")?.nextAttemptAt,
      "2026-03-01T13:00:00.000Z",
    );
    await reopened.recordDelivered("chg_0001", "wfm", 2, 200);
    assert.equal(reopened.view.change("chg_0001")?.deliveries.get("wfm")?.nextAttemptAt, null);
  });

  it("refuses an attempt-failed entry whose retryAt is not an instant", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await written(journal, 1);
    await journal.close();
    await appendFile(
      path,
      `${JSON.stringify({ v: 1, ts: "2026-03-01T12:00:09.000Z", type: "attempt-failed", changeId: "chg_0001", target: "bi", attempt: 1, error: "x", status: null, retryAt: "soon" })}\n`,
    );
    await assert.rejects(openAt(path), { code: "DW_JOURNAL_CORRUPT", line: 3, message: /retryAt/ });
  });

  it("sees a dead letter as superseded by a newer change for its campaign, pending or delivered to that target", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    t.after(() => journal.close());
    await written(journal, 1, ["wfm", "bi"]);
    await journal.recordIntent({ ...intentFor(1), intentId: "int_1b" });
    await journal.recordWritten("int_1b", changeFor(1, { changeId: "chg_0001b" }), { targets: ["wfm"] });
    await written(journal, 2, ["wfm", "bi"]); // another campaign: supersedes nothing
    await journal.recordDead("chg_0001", "wfm", 1, "HTTP 410", 410);
    await journal.recordDead("chg_0001", "bi", 1, "HTTP 410", 410);
    const supersededBy = () =>
      journal.view.deadLetters().map((d) => [d.change.changeId, d.target, d.supersededBy]);
    assert.deepEqual(supersededBy(), [
      ["chg_0001", "wfm", "chg_0001b"],
      ["chg_0001", "bi", null],
    ]);
    assert.equal(journal.view.supersededBy("chg_0001", "wfm")?.changeId, "chg_0001b");
    await journal.recordDead("chg_0001b", "wfm", 1, "HTTP 410", 410);
    assert.deepEqual(supersededBy(), [
      ["chg_0001", "wfm", null],
      ["chg_0001", "bi", null],
      ["chg_0001b", "wfm", null],
    ]);
    await journal.recordRequeued("chg_0001b", "wfm");
    await journal.recordDelivered("chg_0001b", "wfm", 1, 200);
    assert.deepEqual(supersededBy(), [
      ["chg_0001", "wfm", "chg_0001b"],
      ["chg_0001", "bi", null],
    ]);
  });

  it("finishes a dead letter a delivered newer change superseded, and compaction keeps the proof", async (t) => {
    const path = join(await tempDir(t), "journal.jsonl");
    const journal = await openAt(path);
    await written(journal, 1, ["wfm"]);
    await journal.recordIntent({ ...intentFor(1), intentId: "int_1b" });
    await journal.recordWritten("int_1b", changeFor(1, { changeId: "chg_0001b" }), { targets: ["wfm"] });
    await journal.recordDead("chg_0001", "wfm", 1, "HTTP 410", 410);
    await journal.recordDelivered("chg_0001b", "wfm", 1, 200);
    await journal.recordAudited(["chg_0001b"], "c0ffee");
    assert.ok(journal.view.isFinished("chg_0001b"));
    assert.ok(!journal.view.isFinished("chg_0001"), "not yet in the audit trail");

    // chg_0001b is finished, but without it chg_0001 would look like a dead letter worth resending.
    await journal.compact();
    await journal.close();
    const reopened = await openAt(path);
    assert.deepEqual(
      reopened.view.deadLetters().map((d) => [d.change.changeId, d.supersededBy]),
      [["chg_0001", "chg_0001b"]],
    );
    await reopened.recordAudited(["chg_0001"], "f00d");
    assert.ok(reopened.view.isFinished("chg_0001"), "nothing is left to do for a superseded dead letter");
    assert.ok(reopened.view.isQuiet());
    assert.equal((await reopened.compact()).bytesAfter, 0);
    await reopened.close();
  });
});
