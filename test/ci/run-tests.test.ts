/**
 * scripts/run-tests.mjs removes the folder of a run's temporary files when the run is stopped by
 * a signal, not only when it ends.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { waitFor } from "../helpers/cli.js";
import { repoPath, tempDir } from "../helpers/fs.js";

describe("scripts/run-tests.mjs stopped by a signal", () => {
  it("passes SIGTERM on to the tests and still removes the run's folder", async () => {
    const dist = await tempDir("dw-runner-");
    const seen = join(dist, "tmpdir.txt");
    await mkdir(join(dist, "test"));
    await writeFile(
      join(dist, "test", "hangs.test.js"),
      // Hangs until stopped; gone after 30 s whatever happens, so a runner that fails to pass
      // the signal on leaves no process behind.
      `import { writeFileSync } from "node:fs";\nimport { test } from "node:test";\n` +
        `setTimeout(() => process.exit(3), 30_000);\n` +
        `test("hangs", () => { writeFileSync(${JSON.stringify(seen)}, process.env.TMPDIR); return new Promise(() => {}); });\n`,
    );
    const runner = spawn(process.execPath, [repoPath("scripts", "run-tests.mjs"), "--dist", dist], {
      cwd: repoPath(),
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    runner.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    // "exit", not "close": a test process the runner failed to stop would hold its pipes open.
    const exited = new Promise<number | null>((resolve) => runner.on("exit", resolve));
    await waitFor("the test to start", () => existsSync(seen));
    const runRoot = await readFile(seen, "utf8");
    assert.ok(existsSync(runRoot), `${runRoot} should exist while the test runs`);

    runner.kill("SIGTERM");
    const code = await exited;
    assert.notEqual(code, 0, output);
    assert.equal(existsSync(runRoot), false, `${runRoot} was left behind`);
    assert.match(output, /^0 passed, \d+ failed$/m);
  });
});
