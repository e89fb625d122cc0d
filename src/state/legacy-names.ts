/**
 * Files written before the CXone port became profile-neutral (plan format 1, journal format
 * 1, audit lines of that time) name version guards after the tutorial profile's ETags. They
 * are still read: this is the one place that knows the old names.
 */

const RENAMES: readonly (readonly [string, string])[] = [
  ["etag", "version"],
  ["etagBefore", "versionBefore"],
  ["etagAfter", "versionAfter"],
];

/** A copy of `o` with the old key names as the new ones (a new name already there wins). */
export function withCurrentVersionNames(o: Record<string, unknown>): Record<string, unknown> {
  if (!RENAMES.some(([old]) => old in o)) return o;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    const renamed = RENAMES.find(([old]) => old === key)?.[1];
    if (renamed === undefined) out[key] = value;
    else if (!(renamed in o)) out[renamed] = value;
  }
  return out;
}
