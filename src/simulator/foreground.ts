/**
 * What both `dialwindow simulator` runners (the tutorial and the cxone-admin profile) do around
 * their own simulator: read a JSON seed file, report its problems all at once, print how to
 * point dialwindow at the simulator, and serve until SIGINT, SIGTERM or an abort.
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { isPlainObject } from "./schedule-validation.js";

export interface RunSimulatorIo {
  /** Where the URLs and credentials are printed. */
  stdout: { write(text: string): unknown };
  logger?: Logger | undefined;
  /** Stops the simulator when aborted, like SIGINT (for tests and embedding). */
  signal?: AbortSignal | undefined;
}

/** Prints `banner` (one line each), serves until stopped, then closes the simulator (flushing its state). */
export async function serveInForeground(
  simulator: { close(): Promise<void> },
  banner: readonly string[],
  io: RunSimulatorIo,
): Promise<void> {
  io.stdout.write([...banner, "Press Ctrl+C to stop.", ""].join("\n"));
  await untilStopped(io.signal);
  await simulator.close();
  io.stdout.write("simulator stopped\n");
}

/** Resolves on SIGINT, SIGTERM or when `signal` aborts, whichever comes first. */
export function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}

/**
 * A seed file `{"<list>": [...], ...}` parsed: the object, with `list` an array. A file that
 * cannot be read, is not JSON or has no such array is a UsageError naming it.
 */
export async function readSeedFile<K extends string>(
  path: string,
  list: K,
): Promise<Record<string, unknown> & Record<K, unknown[]>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${list} file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(parsed) || !Array.isArray(parsed[list])) {
    throw new UsageError(`${path}: expected a JSON object {"${list}": [...]}`);
  }
  return parsed as Record<string, unknown> & Record<K, unknown[]>;
}

/** Every problem a seed file has, in one UsageError naming it; nothing when there is none. */
export function throwSeedProblems(path: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new UsageError(`${path} has ${problems.length} problem(s): ${problems.join("; ")}`);
  }
}
