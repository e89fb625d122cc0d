/**
 * The escaping modules, per output format, against arbitrary strings: whatever a value holds,
 * it comes out as data that reads back as itself (with its controls made visible).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { workflowCommand } from "../../src/escape/github.js";
import { toJson } from "../../src/escape/json.js";
import { mdCode, mdFence, mdText } from "../../src/escape/markdown.js";
import { safeLines, safeText } from "../../src/escape/text.js";

const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Strings rich in what the formats care about, plus any Unicode at all. */
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      "`",
      "|",
      "\\",
      "\n",
      "\r",
      "%",
      ":",
      ",",
      "#",
      "[",
      "]",
      "!",
      "(",
      ")",
      "<",
      ">",
      "&",
      "*",
      "_",
      "~",
      "$",
      "@",
      ".",
      " ",
      "a",
      "\u001b",
      "\u0007",
      "\u009b",
      "\u202e",
      "\u2028",
    ),
    maxLength: 40,
  }),
);

describe("text", () => {
  it("a value comes out on one line with no control character, and stays put when escaped again", () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const out = safeText(v);
        assert.doesNotMatch(out, UNSAFE);
        assert.ok(!out.includes("##["));
        assert.doesNotMatch(out, /^\s*::/);
        assert.equal(safeText(out), out);
      }),
    );
  });

  it("shows what it replaced", () => {
    assert.equal(safeText("a\u001b[2Jb\nc\u202e"), "a\\x1b[2Jb\\nc\\u202e");
    assert.equal(safeText("::error::x ##[add-mask]y"), "\\x3a:error::x ##\\x5badd-mask]y");
    assert.equal(safeText("America/Chicago"), "America/Chicago");
    assert.equal(safeLines("one\u001b\n  ::two"), "one\\x1b\n  \\x3a:two");
  });
});

/** CommonMark's reading of an inline code span: the content between the delimiters, one padding space stripped. */
function readCodeSpan(span: string): string {
  const ticks = /^`+/.exec(span)?.[0] ?? "";
  assert.ok(span.endsWith(ticks) && span.length >= 2 * ticks.length + 1, span);
  let content = span.slice(ticks.length, span.length - ticks.length);
  assert.ok(!new RegExp(`(^|[^\`])${ticks}([^\`]|$)`).test(content), `the span closes early: ${span}`);
  if (content.startsWith(" ") && content.endsWith(" ") && content.trim() !== "")
    content = content.slice(1, -1);
  return content;
}

describe("markdown", () => {
  it("a code span shows the value literally, and a table cell's pipes are escaped for GFM", () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const expected = safeText(v) === "" ? " " : safeText(v);
        assert.equal(readCodeSpan(mdCode(v)), expected);
        const cell = mdCode(v, { inTable: true });
        assert.doesNotMatch(cell, /(^|[^\\])\|/, "an unescaped pipe would end the cell");
        assert.equal(readCodeSpan(cell.replace(/\\\|/g, "|")), expected);
      }),
    );
  });

  it("prose: every markup character is backslash-escaped, and unescaping gives the value back", () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const out = mdText(v);
        let plain = "";
        for (let i = 0; i < out.length; i++) {
          const ch = out[i] as string;
          if (ch === "\\") {
            plain += out[++i] ?? "";
            continue;
          }
          assert.ok(!/[\\`*_~[\]()!<>&|$:.@#{}+]/.test(ch), `unescaped ${ch} in ${out}`);
          plain += ch;
        }
        assert.equal(plain, safeText(v));
      }),
    );
  });

  it("a fence is longer than any backtick run inside it, so no line closes it", () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 5 }), (lines) => {
        const block = mdFence("diff", lines);
        const fence = (block[0] as string).replace(/diff$/, "");
        assert.equal(block.at(-1), fence);
        assert.ok(fence.length >= 3);
        for (const line of block.slice(1, -1)) {
          assert.ok(!line.includes(fence), `a line holds the fence: ${line}`);
          assert.doesNotMatch(line, UNSAFE);
        }
        assert.equal(block.length, lines.length + 2, "one line per line");
      }),
    );
  });
});

/** The GitHub runner's reading of a workflow command line (ActionCommand.TryParseV2). */
function parseCommand(line: string): { command: string; props: Record<string, string>; data: string } {
  assert.ok(!line.includes("\n") && !line.includes("\r"), "one line");
  assert.ok(line.startsWith("::"));
  const end = line.indexOf("::", 2);
  const info = line.slice(2, end);
  const space = info.indexOf(" ");
  const props: Record<string, string> = {};
  for (const p of info.slice(space + 1).split(",")) {
    const eq = p.indexOf("=");
    props[p.slice(0, eq)] = p
      .slice(eq + 1)
      .replace(/%0D/g, "\r")
      .replace(/%0A/g, "\n")
      .replace(/%3A/g, ":")
      .replace(/%2C/g, ",")
      .replace(/%25/g, "%");
  }
  const data = line
    .slice(end + 2)
    .replace(/%0D/g, "\r")
    .replace(/%0A/g, "\n")
    .replace(/%25/g, "%");
  return { command: info.slice(0, space), props, data };
}

describe("github", () => {
  it("one command per finding; file and message read back as themselves", () => {
    fc.assert(
      fc.property(hostile, hostile, (file, message) => {
        const line = workflowCommand(
          "error",
          { file, line: 3, col: 7, title: "DW110 unknown-timezone" },
          message,
        );
        const parsed = parseCommand(line);
        assert.equal(parsed.command, "error");
        assert.deepEqual(parsed.props, {
          file: safeText(file),
          line: "3",
          col: "7",
          title: "DW110 unknown-timezone",
        });
        assert.equal(parsed.data, safeText(message));
        assert.doesNotMatch(line, UNSAFE);
      }),
    );
  });
});

describe("json", () => {
  it("parses back to exactly the value, with nothing a terminal or a runner would act on", () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, hostile, { maxKeys: 4, noNullPrototype: true }), (value) => {
        const text = toJson(value, 2);
        assert.deepEqual(JSON.parse(text), value);
        assert.doesNotMatch(text.replace(/\n/g, ""), UNSAFE);
        assert.ok(!text.includes("##["));
      }),
    );
  });
});
