import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { packageRoot } from "../../src/util/paths.js";

/** A fresh temporary directory, removed when the test file finishes. */
export async function tempDir(prefix = "dw-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
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
