/**
 * The loader parses clean files with js-yaml for speed and everything else with `yaml`, the
 * authority. This differential test holds them together: wherever the fast path answers, it
 * must answer exactly what `yaml` would.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { parseFast } from "../../src/desired/load.js";

// Plain scalars chosen where YAML parsers are known to disagree, plus ordinary values.
const TRICKY = [
  "123",
  "0123",
  "0o17",
  "-0o7",
  "0x1F",
  "0b101",
  "1_000",
  "+12",
  "-0",
  "1e3",
  "1.5",
  "1.",
  ".5",
  "-.5",
  "+.5",
  ".inf",
  "-.INF",
  ".NaN",
  "true",
  "True",
  "TRUE",
  "FALSE",
  "yes",
  "no",
  "on",
  "off",
  "y",
  "null",
  "Null",
  "NULL",
  "~",
  "2026-12-24",
  "08:00",
  "8:00",
  "1:30:00",
  "America/Chicago",
  "MON",
  "NO_ANSWER",
  "q4-outreach",
  "123456789012345678",
  "a b",
  "x#y",
  "50%",
  "@home",
  "`cmd`",
  "=",
  "?",
  "- item",
];
const scalarArb = fc.constantFrom(...TRICKY);
const quoted = (s: string) => fc.constantFrom(s, JSON.stringify(s), `'${s.replace(/'/g, "''")}'`);
const valueArb = scalarArb.chain(quoted);
const keyArb = fc.constantFrom("name", "campaignId", "timezone", "start", "end", "label", "on", "yes", "123");
const mapArb = fc.dictionary(keyArb, fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })), {
  maxKeys: 5,
});

function render(docs: Record<string, string | string[]>[]): string {
  return docs
    .map((doc) =>
      Object.entries(doc)
        .map(([k, v]) => (Array.isArray(v) ? `${k}: [${v.join(", ")}]` : `${k}: ${v}`))
        .join("\n"),
    )
    .join("\n---\n");
}

function bySlowPath(text: string): unknown[] | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  if (list.some((d) => d.errors.length > 0)) return undefined;
  return list.map((d) => d.toJS({ maxAliasCount: 100 }));
}

describe("fast YAML path", () => {
  it("wherever it answers, it answers exactly what the yaml library answers", () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(mapArb, { minLength: 1, maxLength: 3 }), (docs) => {
        const text = render(docs);
        const fast = parseFast(text);
        if (fast === undefined) return;
        answered++;
        const slow = bySlowPath(text);
        assert.ok(slow !== undefined, `yaml rejects what js-yaml accepted:\n${text}`);
        const nonEmpty = (xs: unknown[]) => xs.filter((x) => x !== null && x !== undefined);
        assert.deepEqual(nonEmpty(fast), nonEmpty(slow), text);
      }),
      { numRuns: 3000 },
    );
    assert.ok(answered > 300, `the fast path answered only ${answered} times: the test would prove little`);
  });

  it("leaves anchors, aliases, tags and merge keys to the yaml library", () => {
    for (const text of ["a: &x 1\nb: *x\n", "a: !!str 5\n", "base: &b {x: 1}\nc:\n  <<: *b\n"]) {
      assert.equal(parseFast(text), undefined, text);
    }
  });

  it("leaves numbers, booleans, nulls and float-like strings to the yaml library", () => {
    assert.equal(parseFast("v: -.5\n"), undefined, "js-yaml keeps -.5 a string; yaml reads a number");
    assert.equal(parseFast('v: "1.5"\n'), undefined);
    assert.equal(parseFast("v: 12\n"), undefined);
    assert.equal(parseFast("v: true\n"), undefined);
    assert.equal(parseFast("v:\n"), undefined);
    assert.deepEqual(parseFast('v: "08:00"\nw: [MON, "123"]\n'), [{ v: "08:00", w: ["MON", "123"] }]);
  });
});
