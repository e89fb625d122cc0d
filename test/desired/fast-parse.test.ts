/**
 * The loader parses clean files with js-yaml for speed and everything else with `yaml`, the
 * authority. This differential test holds them together: wherever the fast path answers, it
 * must answer exactly what `yaml` would.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { parseFast } from "../../src/desired/fast-yaml.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir, writeTree } from "../helpers/fs.js";

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

  it("agrees with the yaml library on mutated campaign files (layout, quotes, brackets, line breaks)", () => {
    // Edits where the two parsers are known to differ: indentation, flow collections and quoted
    // scalars across lines, document markers, directives, comments, carriage returns, odd keys.
    const pieces = [" ", "  ", "\n", "\n  ", "\t", '"', "'", "[", "]", "{", "}", ",", ":", ": ", "#", " #"];
    pieces.push(
      "- ",
      "?",
      "? ",
      "|",
      ">",
      "~",
      "\r",
      "\r\n",
      "---",
      "...",
      "%",
      "null",
      "1.5",
      "[a]",
      "{a: b}",
    );
    const edit = fc.record({
      at: fc.nat(),
      insert: fc.constantFrom(...pieces),
      remove: fc.nat({ max: 3 }),
    });
    let answered = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = `${CAMPAIGN}  holidays:\n    dates: ["2026-12-24"]  # eve\n  recipients: { timezones: [America/Chicago], regions: [US-TX] }\n`;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const fast = parseFast(text);
        if (fast === undefined) return;
        answered++;
        const slow = bySlowPath(text);
        assert.ok(slow !== undefined, `yaml rejects what js-yaml accepted:\n${JSON.stringify(text)}`);
        const nonEmpty = (xs: unknown[]) => xs.filter((x) => x !== null && x !== undefined);
        assert.deepEqual(nonEmpty(fast), nonEmpty(slow), JSON.stringify(text));
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

/**
 * Texts where js-yaml and yaml read different things (or only one of them reads anything).
 * Before, a file's validity could depend on a comment: `&` in `# R&D` sends a file down the slow
 * path. Each must be refused by the fast path, so validate answers the same either way.
 */
const CAMPAIGN = `apiVersion: dialwindow/v1
kind: CampaignSchedule
metadata:
  name: lab
  campaignId: "900"
spec:
  timezone: America/Chicago
  dialingHours:
    - days: [MON, TUE, WED, THU, FRI]
      start: "10:00"
      end: "16:00"
`;

const DIVERGENT: { name: string; text: string; expect: RegExp }[] = [
  {
    name: "a %YAML 1.1 directive (yaml then reads unquoted 10:00 as the number 600)",
    text: `%YAML 1.1\n---\n${CAMPAIGN.replace('"10:00"', "10:00")}`,
    expect: /campaigns\/lab\.yaml:12:14: error DW013 wrong-type/,
  },
  {
    name: "CR-only line endings (to yaml the whole file is the first line's comment)",
    text: `# the lab campaign\n${CAMPAIGN}`.replace(/\n/g, "\r"),
    expect: /campaigns\/lab\.yaml:1:1: warning DW016 empty-file: .*carriage returns without line feeds/,
  },
  {
    name: '~ as a label key (js-yaml: "null", yaml: "")',
    text: CAMPAIGN.replace('  campaignId: "900"\n', '  campaignId: "900"\n  labels:\n    ~: x\n'),
    expect: /campaigns\/lab\.yaml:7:\d+: error DW015/,
  },
  {
    name: "content on the --- line (js-yaml reads a mapping lined up under it; yaml refuses)",
    text: `--- ${CAMPAIGN.replace(/\n(?=.)/g, "\n    ")}`,
    expect: /campaigns\/lab\.yaml:1:\d+: error DW001 yaml-syntax/,
  },
  {
    name: "a key longer than 1024 characters",
    text: CAMPAIGN.replace(
      '  campaignId: "900"\n',
      `  campaignId: "900"\n  labels:\n    ${"k".repeat(1030)}: x\n`,
    ),
    expect: /campaigns\/lab\.yaml:7:5: error DW001 yaml-syntax/,
  },
  {
    name: "a flow sequence continued at its block's indentation",
    text: CAMPAIGN.replace("[MON, TUE, WED, THU, FRI]", "[MON, TUE,\n    WED, THU, FRI]"),
    expect: /campaigns\/lab\.yaml:10:5: error DW001 yaml-syntax/,
  },
  {
    name: "a quoted scalar continued at its block's indentation",
    text: CAMPAIGN.replace("  name: lab\n", '  name: lab\n  description: "early\n  stage"\n'),
    expect: /campaigns\/lab\.yaml:\d+:\d+: error DW001 yaml-syntax/,
  },
  {
    name: 'a flow sequence as a key (js-yaml: "team", yaml: "[ team ]")',
    text: CAMPAIGN.replace('  campaignId: "900"\n', '  campaignId: "900"\n  labels:\n    [team]: x\n'),
    expect: /campaigns\/lab\.yaml:7:5: error DW015/,
  },
  {
    name: "a comment touching a closing quote",
    text: CAMPAIGN.replace('end: "16:00"', 'end: "16:00"# close'),
    expect: /campaigns\/lab\.yaml:11:19: error DW001 yaml-syntax/,
  },
];

describe("fast YAML path: known divergences go to the yaml library", () => {
  for (const { name, text, expect } of DIVERGENT) {
    it(name, async () => {
      assert.equal(parseFast(text), undefined, "the fast path must not answer");
      const results: string[] = [];
      for (const variant of [text, `${text}# R&D\n`]) {
        const dir = await tempDir();
        await writeTree(dir, {
          "dialwindow.yaml": "apiVersion: dialwindow/v1\nkind: Config\n",
          "campaigns/lab.yaml": variant,
        });
        const r = await runInProcess(["validate", "--dir", dir], { now: "2026-11-27T12:00:00Z" });
        results.push(`${r.code}\n${r.stdout}`);
      }
      assert.equal(results[1], results[0], "a comment must not change what validate says");
      assert.match(results[0] as string, expect);
    });
  }

  it("still answers for the layouts campaign files use", () => {
    assert.deepEqual(
      parseFast(
        "a:\n  - { days: [MON, TUE], start: \"08:00\", end: \"16:00\" } # a comment\n  - b\n--- # next\nc: 'it''s'\nd: New Year's Day\n",
      ),
      [
        { a: [{ days: ["MON", "TUE"], start: "08:00", end: "16:00" }, "b"] },
        { c: "it's", d: "New Year's Day" },
      ],
    );
  });
});
