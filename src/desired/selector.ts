/** `--selector key=value`: which campaigns a command or a daemon looks at, by their labels. */
import { UsageError } from "../util/errors.js";

/** Label key -> value; every one must match. Empty: every campaign. */
export type Selector = ReadonlyMap<string, string>;

/** `--selector team=collections` (repeatable, or comma-separated; all must match). */
export function parseSelectors(values: readonly string[] | undefined): Selector {
  const out = new Map<string, string>();
  for (const v of values ?? []) {
    for (const part of v.split(",")) {
      const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
      if (!m)
        throw new UsageError(
          `--selector ${JSON.stringify(part)} is not key=value; write e.g. --selector team=collections.`,
        );
      out.set(m[1] as string, m[2] as string);
    }
  }
  return out;
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of selector) if (labels[k] !== v) return false;
  return true;
}
