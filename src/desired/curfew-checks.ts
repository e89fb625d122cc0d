/**
 * Validation of curfews (`spec.curfews`, `policy.curfews`), before any network call: whether the
 * profile can hold boundings at all, whether the calling-hours law is there to derive them from,
 * whether every recipient zone has a name CXone knows (a Windows zone id), and whether the
 * campaign's windows reach each recipient zone inside its bounding. What needs the business unit
 * (its list of zones) is checked by plan, which reads it.
 */
import type { Capabilities } from "../live/capabilities.js";
import type { ResolvedConfig } from "./config.js";
import { deriveCurfews, unreachableZones } from "./curfew-derivation.js";
import type { CampaignScheduleDocument, ConfigDocument } from "./documents.js";
import type { CampaignSchedule } from "./model.js";
import type { PolicyRule } from "./policy.js";
import type { Reporter } from "./reporter.js";
import type { DocPath, LoadedDocument } from "./source.js";
import type { ZoneClocks } from "./zone-clock.js";

function unsupported(caps: Capabilities, fix: string): string {
  return `curfews: managed needs a profile whose dialer holds recipient time-zone boundings (cxone.profile: cxone-admin); the ${caps.profile} profile has none, so nothing would bound the calls. ${fix}`;
}

const NEEDS_POLICY =
  "curfews: managed derives each recipient zone's bounding from the calling-hours policy, which is off (policy.callingHours: off): there are no legal hours to bound the calls with.";

/** `policy.curfews: managed` in dialwindow.yaml, where the profile or the policy cannot honour it. */
export function checkCurfewsDefault(
  r: Reporter,
  doc: LoadedDocument<ConfigDocument> | undefined,
  config: ResolvedConfig,
  caps: Capabilities,
): void {
  if (doc?.value.policy?.curfews !== "managed") return;
  const at: DocPath = ["policy", "curfews"];
  if (!caps.curfews) {
    r.error(doc, at, "DW144", unsupported(caps, "Remove policy.curfews (or set it to unmanaged)."));
  } else if (config.policy.callingHours === "off") {
    r.error(doc, at, "DW147", `${NEEDS_POLICY} Switch it on, or set policy.curfews: unmanaged.`);
  }
}

/**
 * A managed campaign's checks; on success its boundings are set on `c.curfews`. When the mode
 * comes from policy.curfews, a profile or policy that cannot honour it is reported once there
 * (checkCurfewsDefault), not on every campaign.
 */
export function checkCampaignCurfews(
  r: Reporter,
  c: CampaignSchedule,
  caps: Capabilities,
  rules: readonly PolicyRule[] | undefined,
  config: ResolvedConfig,
  clocks: ZoneClocks,
  today: number,
): void {
  if (c.curfewsMode !== "managed") return;
  const doc = c.document as LoadedDocument<CampaignScheduleDocument>;
  const own = doc.value.spec.curfews !== undefined;
  if (!caps.curfews) {
    if (own) r.error(doc, ["spec", "curfews"], "DW144", unsupported(caps, "Remove spec.curfews."));
    return;
  }
  if (config.policy.callingHours === "off") {
    if (own)
      r.error(
        doc,
        ["spec", "curfews"],
        "DW147",
        `${NEEDS_POLICY} Switch it on in dialwindow.yaml, or set spec.curfews: unmanaged.`,
      );
    return;
  }
  // An unknown pack leaves the rules unknown; DW160 says so and holds every write.
  if (!rules) return;
  const derived = deriveCurfews(c, rules);
  for (const zone of derived.unmapped) {
    r.error(
      doc,
      zonePath(c, zone),
      "DW145",
      `recipient zone ${zone} has no Windows time zone id in CLDR's table, so CXone's boundings cannot name it and a managed curfew cannot bound calls there. Write the zone under a name CXone knows (e.g. its older IANA name), or set spec.curfews: unmanaged.`,
    );
  }
  if (derived.unmapped.length > 0 || derived.plan === undefined) return;
  c.curfews = derived.plan;
  for (const zone of derived.closed) {
    r.warn(
      doc,
      zonePath(c, zone),
      "DW146",
      `the calling-hours rules that apply to this campaign leave no hour at all for recipients in ${zone}: its bounding is inactive, so the skill dials nobody there.`,
    );
  }
  for (const zone of unreachableZones(c, derived.plan, clocks, today)) {
    const b = derived.plan.boundings.find((x) => x.recipients.includes(zone));
    r.warn(
      doc,
      zonePath(c, zone),
      "DW146",
      `with curfews: managed the skill calls ${zone} only ${b?.start}–${b?.end} recipient-local time, and no window of the coming year reaches it then: the skill would dial nobody there. Add hours that reach it, or remove ${zone} from spec.recipients.timezones.`,
    );
  }
}

/** Where a recipient zone is written: its spec.recipients.timezones entry, else spec.timezone. */
function zonePath(c: CampaignSchedule, zone: string): DocPath {
  const i = c.recipientsListed ? c.recipientZones.indexOf(zone) : -1;
  return i >= 0 ? ["spec", "recipients", "timezones", i] : ["spec", "timezone"];
}
