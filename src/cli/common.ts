/** Option parsing shared by commands: --dir, --at, repeatable options. */
import { isAbsolute, resolve } from "node:path";
import { DateTime } from "luxon";
import { UsageError } from "../util/errors.js";
import type { CliIo } from "./io.js";

export function resolveDir(io: CliIo, dir: string | undefined): string {
  const d = dir ?? ".";
  return isAbsolute(d) ? d : resolve(io.cwd, d);
}

/** `--at 2026-12-24T09:00:00-06:00`; default now. */
export function parseAt(io: CliIo, at: string | undefined): DateTime {
  if (at === undefined) return io.now();
  const parsed = DateTime.fromISO(at, { setZone: true });
  if (!parsed.isValid) {
    throw new UsageError(
      `--at ${JSON.stringify(at)} is not an ISO-8601 instant; write e.g. 2026-12-24T09:00:00-06:00 or 2026-12-24T15:00:00Z.`,
    );
  }
  return parsed;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
