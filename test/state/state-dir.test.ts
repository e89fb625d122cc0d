import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StateDirLockedError } from "../../src/state/lock.js";
import { openStateDir, resolveStateDir } from "../../src/state/state-dir.js";
import { silentLogger } from "../../src/util/log.js";
import { captureLog, tempDir } from "./fixtures.js";

describe("resolveStateDir", () => {
  const desiredDir = "/repo/desired";

  it("prefers --state-dir over the environment and the default", () => {
    const r = resolveStateDir({
      flag: "/var/lib/dw",
      env: { DIALWINDOW_STATE_DIR: "/from/env" },
      desiredDir,
    });
    assert.deepEqual(r, { path: "/var/lib/dw", source: "flag" });
  });

  it("uses DIALWINDOW_STATE_DIR when there is no flag", () => {
    const r = resolveStateDir({ env: { DIALWINDOW_STATE_DIR: "/from/env" }, desiredDir });
    assert.deepEqual(r, { path: "/from/env", source: "env" });
  });

  it("defaults to .dialwindow inside the desired-state dir, ignoring an empty variable", () => {
    const r = resolveStateDir({ env: { DIALWINDOW_STATE_DIR: "" }, desiredDir });
    assert.deepEqual(r, { path: "/repo/desired/.dialwindow", source: "default" });
  });

  it("resolves relative paths against the given cwd", () => {
    assert.equal(resolveStateDir({ flag: "state", env: {}, desiredDir, cwd: "/work" }).path, "/work/state");
    assert.equal(
      resolveStateDir({ env: { DIALWINDOW_STATE_DIR: "s" }, desiredDir: "d", cwd: "/work" }).path,
      "/work/s",
    );
    assert.equal(resolveStateDir({ env: {}, desiredDir: "d", cwd: "/work" }).path, "/work/d/.dialwindow");
  });

  it("rejects an empty --state-dir", () => {
    assert.throws(() => resolveStateDir({ flag: " ", env: {}, desiredDir }), { code: "DW_USAGE" });
  });
});

describe("openStateDir", () => {
  it("creates the directory with a .gitignore that ignores everything, and releases on close", async (t) => {
    const root = await tempDir(t);
    const dir = join(root, "desired", ".dialwindow");
    const state = await openStateDir(dir, { logger: silentLogger(), command: "dialwindow apply" });
    assert.equal(await readFile(join(dir, ".gitignore"), "utf8"), "*\n");
    assert.equal(state.journalPath, join(dir, "journal.jsonl"));
    const holder = JSON.parse(await readFile(state.lockPath, "utf8"));
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.command, "dialwindow apply");
    await state.close();
    await assert.rejects(stat(state.lockPath), { code: "ENOENT" });
    // Released means the next open succeeds.
    const again = await openStateDir(dir, { logger: silentLogger() });
    await again.close();
  });

  it("refuses a second open in the same process", async (t) => {
    const dir = await tempDir(t);
    const state = await openStateDir(dir, { logger: silentLogger() });
    t.after(() => state.close());
    await assert.rejects(openStateDir(dir, { logger: silentLogger() }), (err: unknown) => {
      assert.ok(err instanceof StateDirLockedError);
      assert.match(err.message, /already open in this process/);
      return true;
    });
  });

  it("gives a second process a clear error naming the holder", async (t) => {
    const dir = await tempDir(t);
    const child = await spawnHolder(t, dir);
    await assert.rejects(openStateDir(dir, { logger: silentLogger() }), (err: unknown) => {
      assert.ok(err instanceof StateDirLockedError);
      assert.equal(err.code, "DW_STATE_LOCKED");
      assert.equal(err.holder.pid, child.pid);
      assert.match(err.message, new RegExp(`pid ${child.pid} on host ${escapeRegExp(hostname())}`));
      assert.match(err.message, /dialwindow reconcile --test-holder/);
      assert.match(err.message, /started \d{4}-\d\d-\d\dT/);
      assert.match(err.message, /--state-dir/);
      return true;
    });
  });

  it("takes over a lock left by a process killed with SIGKILL, with a warning", async (t) => {
    const dir = await tempDir(t);
    const child = await spawnHolder(t, dir);
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    const log = captureLog();
    const state = await openStateDir(dir, { logger: log.logger, command: "dialwindow apply" });
    t.after(() => state.close());
    const holder = JSON.parse(await readFile(state.lockPath, "utf8"));
    assert.equal(holder.pid, process.pid);
    const warning = log
      .records()
      .find((r) => r.msg === "took over a state-directory lock left by a process that is gone");
    assert.ok(warning, "expected a takeover warning");
    assert.equal((warning.holder as { pid: number }).pid, child.pid);
  });

  it("takes over a lock whose pid now belongs to a different process", {
    skip: process.platform !== "linux",
  }, async (t) => {
    const dir = await tempDir(t);
    // Our parent is alive but is not the process that took this lock (its start time differs).
    await writeFile(
      join(dir, "lock"),
      JSON.stringify({
        pid: process.ppid,
        host: hostname(),
        command: "dialwindow reconcile",
        startedAt: "2026-01-01T00:00:00.000Z",
        procStart: "1",
        token: "old",
      }),
    );
    const state = await openStateDir(dir, { logger: silentLogger() });
    await state.close();
  });

  it("refuses a lock held on another host and says how to clear it", async (t) => {
    const dir = await tempDir(t);
    await writeFile(
      join(dir, "lock"),
      JSON.stringify({
        pid: 4242,
        host: "some-other-host",
        command: "dialwindow reconcile",
        startedAt: "2026-01-01T00:00:00.000Z",
        procStart: null,
        token: "t",
      }),
    );
    await assert.rejects(openStateDir(dir, { logger: silentLogger() }), (err: unknown) => {
      assert.ok(err instanceof StateDirLockedError);
      assert.match(err.message, /on another host/);
      assert.match(err.message, /pid 4242 on host some-other-host/);
      assert.ok(err.message.includes(`delete ${join(dir, "lock")}`));
      return true;
    });
  });

  it("does not remove a lock that another process took over", async (t) => {
    const dir = await tempDir(t);
    const log = captureLog();
    const state = await openStateDir(dir, { logger: log.logger });
    const foreign = { ...state.holder, token: "someone-else" };
    await writeFile(state.lockPath, JSON.stringify(foreign));
    await state.close();
    assert.equal(JSON.parse(await readFile(state.lockPath, "utf8")).token, "someone-else");
    assert.ok(log.records().some((r) => r.level === "warn"));
  });
});

/** A real child process that opens the state dir and holds it until killed. */
async function spawnHolder(
  t: { after(fn: () => Promise<void>): void },
  dir: string,
): Promise<ChildProcess & { pid: number }> {
  const script = `
    const [stateDirUrl, logUrl, dir] = process.argv.slice(1);
    const { openStateDir } = await import(stateDirUrl);
    const { silentLogger } = await import(logUrl);
    await openStateDir(dir, { logger: silentLogger(), command: "dialwindow reconcile --test-holder" });
    process.stdout.write("LOCKED\\n");
    setInterval(() => {}, 1 << 30);
  `;
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      script,
      new URL("../../src/state/state-dir.js", import.meta.url).href,
      new URL("../../src/util/log.js", import.meta.url).href,
      dir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("LOCKED\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`lock holder exited early (${code}): ${stderr}`)));
  });
  assert.ok(child.pid !== undefined);
  return child as ChildProcess & { pid: number };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
