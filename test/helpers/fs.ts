import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { after } from "node:test";
import { packageRoot } from "../../src/util/paths.js";

/** A fresh temporary directory, removed when the test file finishes (or with the run's, see below). */
export async function tempDir(prefix = "dw-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => removeTemp(dir));
  return dir;
}

/**
 * Removes a temporary directory, unless it lies in the folder scripts/run-tests.mjs made for the
 * whole run (DIALWINDOW_TEST_TMP), which it removes at the end with one `rm -rf`.
 */
export async function removeTemp(dir: string): Promise<void> {
  const runRoot = process.env.DIALWINDOW_TEST_TMP;
  if (runRoot && dir.startsWith(`${runRoot}${sep}`)) return;
  await rm(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> content) under dir. */
export async function writeTree(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** A temporary copy of the shipped example repository desired-state/. */
export async function exampleRepo(): Promise<string> {
  const dir = await tempDir("dw-example-");
  // Not the state `npm start` leaves in desired-state/.dialwindow/: each test starts without one.
  await cp(join(packageRoot(), "desired-state"), dir, {
    recursive: true,
    filter: (source) => !source.split(/[\\/]/).includes(".dialwindow"),
  });
  return dir;
}

export function repoPath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
