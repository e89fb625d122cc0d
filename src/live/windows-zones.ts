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
  const names = [ianaZone];
  try {
    names.push(new Intl.DateTimeFormat("en-US", { timeZone: ianaZone }).resolvedOptions().timeZone);
  } catch {
    // not a zone the runtime knows: only the name as written is tried
  }
  for (const name of names) {
    let found: readonly string[] = [];
    try {
      found = findWindows(name);
    } catch {
      found = [];
    }
    if (found[0] !== undefined) return found[0];
  }
  return undefined;
}
