/**
 * scripts/test-preload.mjs gives node's test harness its async hook without `destroy` (see its
 * opening comment). It leans on how Node 20's harness makes that hook, so a test process where
 * it found no such hook says so; these tests make both outcomes happen in a child process.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { repoPath, tempDir } from "../helpers/fs.js";

const run = promisify(execFile);
const PRELOAD = `--import=${pathToFileURL(repoPath("scripts", "test-preload.mjs")).href}`;
const WARNING =
  /scripts\/test-preload\.mjs: node v[\d.]+'s test harness made no async hook with init and destroy/;
/** Without NODE_TEST_CONTEXT from this process: each child sets its own. */
const { NODE_TEST_CONTEXT: _context, ...ENV } = process.env;

describe("scripts/test-preload.mjs", () => {
  it("replaces the harness hook on Node 20: the test runs and nothing is said", {
    skip: process.versions.node.startsWith("20.")
      ? false
      : `written against Node 20's harness; this is ${process.version}`,
  }, async () => {
    const dir = await tempDir("dw-preload-");
    const file = join(dir, "awaits.test.mjs");
    await writeFile(
      file,
      'import { test } from "node:test";\ntest("awaits", async () => { for (let i = 0; i < 100; i++) await null; });\n',
    );
    const { stdout } = await run(process.execPath, [PRELOAD, "--test", "--test-reporter=tap", file], {
      env: ENV,
    });
    assert.match(stdout, /^# pass 1$/m);
    assert.doesNotMatch(stdout, WARNING);
  });

  it("says so when a test process made no such hook", async () => {
    const { stderr } = await run(process.execPath, [PRELOAD, "-e", ""], {
      env: { ...ENV, NODE_TEST_CONTEXT: "child-v8" },
    });
    assert.match(stderr, WARNING);
  });

  it("is silent outside a test process", async () => {
    const { stderr } = await run(process.execPath, [PRELOAD, "-e", ""], { env: ENV });
    assert.equal(stderr, "");
  });
});
