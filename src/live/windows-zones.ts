/**
 * CXone names time zones by their Windows ids ("Mountain Standard Time"); dialwindow works in
 * IANA zones. The mapping is CLDR's (the windows-iana package keeps it), never a table of ours.
 */
import { findIana } from "windows-iana";
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
