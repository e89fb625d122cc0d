/**
 * Log lines a person reads on a terminal (pretty mode) carry values from outside: campaign
 * names, CXone's reasons, receivers' answers. They must reach the terminal as visible text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../src/util/log.js";

const HOSTILE = "evil\u001b[2J\u001b]0;title\u0007 \u009b31m \u202eRTL\u2066 \n::error::forged ##[add-mask]x";

test("pretty logs show outside values as visible escapes, on the line they belong to", () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    pretty: true,
    destination: { write: (s: string) => void lines.push(s) },
  });
  const err = new Error(`CXone said: ${HOSTILE}`);
  logger.warn({ campaign: HOSTILE, nested: { reason: HOSTILE }, err }, "campaign patched");
  const out = lines.join("");
  assert.match(out, /WARN.*campaign patched/, out);
  assert.ok(out.includes("evil\\x1b[2J"), out);
  assert.doesNotMatch(
    out,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
    "a control character reached the terminal",
  );
  for (const line of out.split("\n")) {
    assert.doesNotMatch(line, /^\s*::/, `a line reads as a workflow command: ${line}`);
    assert.ok(!line.includes("##["), line);
  }
  // The stack keeps its own lines.
  assert.match(out, /\n\s+at /);
});

test("JSON logs keep values exactly (JSON escapes what a terminal would act on)", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", destination: { write: (s: string) => void lines.push(s) } });
  logger.info({ campaign: HOSTILE }, "campaign patched");
  assert.equal(JSON.parse(lines[0] as string).campaign, HOSTILE);
});

test("JSON logs name the level as a word, as log tooling and people search for it", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", destination: { write: (s: string) => void lines.push(s) } });
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).level),
    ["debug", "info", "warn", "error"],
  );
});
