import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  canonicalJson,
  type DayFile,
  dayOf,
  GENESIS_HASH,
  planAppend,
  sha256Hex,
  walkChain,
} from "../../src/audit/chain.js";
import { AuditError } from "../../src/audit/errors.js";
import { record } from "./helpers.js";

/** Day files as the writer would leave them after appending `records` to an empty trail. */
function trailOf(records: ReturnType<typeof record>[]): DayFile[] {
  const plan = planAppend({ lastHash: GENESIS_HASH, lastDay: null }, records, "audit");
  return [...plan.files].map(([path, lines]) => ({
    path,
    day: path.slice("audit/".length, -".jsonl".length),
    text: `${lines.join("\n")}\n`,
  }));
}

function edit(files: DayFile[], path: string, change: (lines: string[]) => string[]): DayFile[] {
  return files.map((file) => {
    if (file.path !== path) return file;
    const lines = file.text.split("\n").slice(0, -1);
    return { ...file, text: `${change(lines).join("\n")}\n` };
  });
}

const THREE_DAYS = [
  record("1", "2026-03-01T08:00:00Z"),
  record("2", "2026-03-01T23:59:59Z"),
  record("3", "2026-03-02T00:00:00Z"),
  record("4", "2026-03-02T10:00:00+02:00"),
  record("5", "2026-03-03T09:00:00Z"),
];

describe("audit chain", () => {
  it("writes keys sorted at every depth, so equal records hash equally whatever their key order", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    const one = trailOf([record("1", "2026-03-01T08:00:00Z")]);
    const reordered = { ...record("1", "2026-03-01T08:00:00Z") };
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse()) as typeof reordered;
    assert.deepEqual(trailOf([shuffled]), one);
  });

  it("starts at the genesis hash, links every line to the previous one and runs on across day files", () => {
    const files = trailOf(THREE_DAYS);
    assert.deepEqual(
      files.map((f) => f.path),
      ["audit/2026/03/01.jsonl", "audit/2026/03/02.jsonl", "audit/2026/03/03.jsonl"],
    );
    const walk = walkChain(files);
    assert.equal(walk.firstBroken, undefined);
    assert.equal(walk.intact, 5);
    assert.equal(walk.entries[0]?.prevHash, GENESIS_HASH);
    for (let i = 1; i < walk.entries.length; i++) {
      assert.equal(walk.entries[i]?.prevHash, walk.entries[i - 1]?.hash);
    }
    // 10:00+02:00 is 08:00 UTC on the same date; the UTC date decides the file.
    assert.deepEqual(walk.entries[3]?.location, { file: "audit/2026/03/02.jsonl", line: 2 });
    assert.deepEqual(walk.tail, { lastHash: walk.entries[4]?.hash, lastDay: "2026/03/03" });
  });

  it("hashes the canonical JSON of the line without its hash, so anyone can recompute it", () => {
    const [file] = trailOf([record("1", "2026-03-01T08:00:00Z")]);
    const line = JSON.parse(file?.text ?? "") as Record<string, unknown>;
    const { hash, ...rest } = line;
    assert.equal(hash, sha256Hex(canonicalJson(rest)));
    assert.equal(rest.prevHash, GENESIS_HASH);
  });

  it("uses the UTC date of `at`, and never steps back to an older day file than the trail's newest", () => {
    assert.equal(dayOf("2026-03-01T23:30:00-05:00"), "2026/03/02");
    const plan = planAppend(
      { lastHash: GENESIS_HASH, lastDay: "2026/03/05" },
      [record("1", "2026-03-04T23:00:00Z")],
      "audit",
    );
    assert.deepEqual([...plan.files.keys()], ["audit/2026/03/05.jsonl"]);
    assert.throws(
      () => dayOf("yesterday"),
      (err: unknown) => err instanceof AuditError && err.code === "DW_AUDIT_RECORD",
    );
  });

  it("reports an altered line as a hash mismatch at that line", () => {
    const files = edit(trailOf(THREE_DAYS), "audit/2026/03/02.jsonl", (lines) => [
      lines[0] ?? "",
      (lines[1] ?? "").replace('"09:00"', '"07:00"'),
    ]);
    assert.deepEqual(pick(walkChain(files).firstBroken), {
      file: "audit/2026/03/02.jsonl",
      line: 2,
      reason: "hash-mismatch",
    });
  });

  it("reports a removed line as a prevHash mismatch on the line that now follows the gap", () => {
    const files = edit(trailOf(THREE_DAYS), "audit/2026/03/01.jsonl", (lines) => lines.slice(1));
    assert.deepEqual(pick(walkChain(files).firstBroken), {
      file: "audit/2026/03/01.jsonl",
      line: 1,
      reason: "prev-hash-mismatch",
    });
    const withoutDay = trailOf(THREE_DAYS).filter((f) => f.path !== "audit/2026/03/02.jsonl");
    assert.deepEqual(pick(walkChain(withoutDay).firstBroken), {
      file: "audit/2026/03/03.jsonl",
      line: 1,
      reason: "prev-hash-mismatch",
    });
  });

  it("reports reordered lines as a prevHash mismatch", () => {
    const files = edit(trailOf(THREE_DAYS), "audit/2026/03/02.jsonl", (lines) => [...lines].reverse());
    assert.deepEqual(pick(walkChain(files).firstBroken), {
      file: "audit/2026/03/02.jsonl",
      line: 1,
      reason: "prev-hash-mismatch",
    });
  });

  it("reports a line that is not JSON, or not an audit line, as invalid JSON", () => {
    const broken = edit(trailOf(THREE_DAYS), "audit/2026/03/03.jsonl", (lines) => [
      `${lines[0]?.slice(0, 40)}`,
    ]);
    assert.deepEqual(pick(walkChain(broken).firstBroken), {
      file: "audit/2026/03/03.jsonl",
      line: 1,
      reason: "invalid-json",
    });
    const notAudit = edit(trailOf(THREE_DAYS), "audit/2026/03/01.jsonl", (lines) => [
      ...lines,
      '{"hello":"world"}',
    ]);
    assert.deepEqual(pick(walkChain(notAudit).firstBroken), {
      file: "audit/2026/03/01.jsonl",
      line: 3,
      reason: "invalid-json",
    });
  });

  it("detects a change to any field of any line (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        fc.constantFrom("name", "versionAfter", "actor", "campaignId", "revision"),
        fc.string({ minLength: 1, maxLength: 8 }),
        (count, which, field, value) => {
          const records = Array.from({ length: count }, (_, i) =>
            record(String(i), `2026-03-0${1 + (i % 3)}T10:00:00Z`),
          );
          const files = trailOf(records);
          const target = files[which % files.length] as DayFile;
          const tampered = edit(files, target.path, (lines) =>
            lines.map((line, i) => {
              if (i !== 0) return line;
              const object = JSON.parse(line) as Record<string, unknown>;
              object[field] = `${String(object[field])}${value}`;
              return JSON.stringify(object);
            }),
          );
          assert.equal(walkChain(files).firstBroken, undefined);
          assert.equal(walkChain(tampered).firstBroken?.reason, "hash-mismatch");
          assert.equal(walkChain(tampered).firstBroken?.file, target.path);
        },
      ),
      { numRuns: 50 },
    );
  });
});

function pick(broken: { file: string; line: number; reason: string } | undefined) {
  return broken === undefined ? undefined : { file: broken.file, line: broken.line, reason: broken.reason };
}
