/**
 * CXone names time zones by their Windows ids ("Mountain Standard Time"); dialwindow works in
 * IANA zones. The mapping is CLDR's (the windows-iana package keeps it), never a table of ours.
 */
import { findIana, findWindows } from "windows-iana";
import { isValidZone } from "../desired/zone-clock.js";

/**
 * The IANA zone of a Windows zone id: CLDR's primary ("001") zone for it, or the name itself
 * when it already is an IANA zone. Undefined when neither.
 */
export function ianaZoneOf(windowsId: string): string | undefined {
  const id = windowsId.trim();
  let candidates: readonly string[] = [];
  try {
    candidates = findIana(id);
  } catch {
    candidates = [];
  }
  const mapped = candidates.find((zone) => isValidZone(zone));
  if (mapped !== undefined) return mapped;
  return isValidZone(id) ? id : undefined;
}

/**
 * CXone's (Windows) zone id for an IANA zone, by CLDR's table: "America/New_York" is "Eastern
 * Standard Time". A zone the table does not list under its own name is looked up under the name
 * the runtime's ICU gives it ("Europe/Kyiv" is listed as "Europe/Kiev"). Undefined when CLDR has
 * no Windows zone for it: such a zone cannot be named to CXone.
 */
export function windowsZoneOf(ianaZone: string): string | undefined {
  const listed = windowsIdsOf(ianaZone)[0];
  if (listed !== undefined) return listed;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: ianaZone }).resolvedOptions().timeZone;
  } catch {
    return undefined; // not a zone the runtime knows
  }
  return canonical === ianaZone ? undefined : windowsIdsOf(canonical)[0];
}

function windowsIdsOf(name: string): readonly string[] {
  try {
    return findWindows(name);
  } catch {
    return [];
  }
}
