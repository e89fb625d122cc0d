/**
 * Curfews before any network call: what validate derives for a campaign with curfews: managed
 * (one bounding per recipient zone by CXone's Windows id, the legal hours of the rules that apply
 * to the campaign, zones sharing an id merged), and the findings (DW144-DW147).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { deriveCurfews } from "../../src/desired/curfew-derivation.js";
import type { PolicyRule } from "../../src/desired/policy.js";
import { validateDesiredState } from "../../src/desired/validate.js";
import { campaignYaml } from "../helpers/admin-world.js";
import { tempDir, writeTree } from "../helpers/fs.js";

const AT = DateTime.fromISO("2026-12-01T15:00:00Z");
const WEEKDAYS = '    - { days: [MON, TUE, WED, THU, FRI], start: "11:00", end: "17:00" }';

function config(profile: string, extra = ""): string {
  return `apiVersion: dialwindow/v1\nkind: Config\ncxone:\n  profile: ${profile}\n${extra}`;
}

/** A New York campaign with these recipient lines and spec.curfews (when given). */
function campaign(recipients: string[], curfews?: string, hours = WEEKDAYS): string {
  return [
    campaignYaml("calls", "4001", "America/New_York", hours).trimEnd(),
    ...(recipients.length > 0 ? ["  recipients:", ...recipients] : []),
    ...(curfews ? [`  curfews: ${curfews}`] : []),
    "",
  ].join("\n");
}

async function validate(files: Record<string, string>) {
  const dir = await tempDir("dw-curfews-validate-");
  await writeTree(dir, files);
  return validateDesiredState(dir, { at: AT });
}

function findings(result: Awaited<ReturnType<typeof validate>>): string[] {
  return result.findings.map((f) => `${f.severity} ${f.code} ${f.file}:${f.line}`);
}

describe("curfews: what validate derives", () => {
  it("one bounding per Windows zone, 08:00–21:00 under the federal rule; zones sharing an id merge", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaign(
        ["    timezones: [America/New_York, America/Detroit, America/Los_Angeles]"],
        "managed",
      ),
    });
    assert.deepEqual(findings(r), []);
    assert.deepEqual(r.campaigns[0]?.curfews?.boundings, [
      {
        zone: "Eastern Standard Time",
        start: "08:00",
        end: "21:00",
        recipients: ["America/New_York", "America/Detroit"],
      },
      { zone: "Pacific Standard Time", start: "08:00", end: "21:00", recipients: ["America/Los_Angeles"] },
    ]);
  });

  it("a regional rule applies to every recipient zone of the campaign: Florida makes both 08:00–20:00", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaign(
        ["    timezones: [America/New_York, America/Los_Angeles]", "    regions: [US-FL]"],
        "managed",
      ),
    });
    assert.deepEqual(
      r.campaigns[0]?.curfews?.boundings.map((b) => `${b.zone} ${b.start}-${b.end}`),
      ["Eastern Standard Time 08:00-20:00", "Pacific Standard Time 08:00-20:00"],
    );
  });

  it("the strictest hours win where rules overlap, and a zone left no hour is inactive", () => {
    const rule = (start: number, end: number, regions: string[] = []): PolicyRule => ({
      pack: "p",
      name: `${start}-${end}`,
      citation: undefined,
      disclaimer: undefined,
      regions: new Set(regions),
      allowed: { start, end },
      noCallDays: new Set(),
      noCallDates: new Map(),
    });
    const c = { recipientZones: ["America/Chicago", "US/Central"], regions: ["US-XX"] };
    const derived = deriveCurfews(c, [
      rule(480, 1260),
      rule(540, 1200, ["US-XX"]),
      rule(420, 1140, ["US-YY"]),
    ]);
    assert.deepEqual(derived.plan?.boundings, [
      {
        zone: "Central Standard Time",
        start: "09:00",
        end: "20:00",
        recipients: ["America/Chicago", "US/Central"],
      },
    ]);
    const closed = deriveCurfews(c, [rule(480, 600), rule(660, 1200, ["US-XX"])]);
    assert.deepEqual(closed.plan?.boundings, []);
    assert.deepEqual(closed.closed, ["America/Chicago", "US/Central"]);
  });

  it("unmanaged is the default: nothing is derived, nothing reported", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaign(["    timezones: [America/New_York, America/Ciudad_Juarez]"]),
    });
    assert.deepEqual(findings(r), []);
    assert.equal(r.campaigns[0]?.curfewsMode, "unmanaged");
    assert.equal(r.campaigns[0]?.curfews, undefined);
  });

  it("policy.curfews: managed is the repository default, and spec.curfews overrides it", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin", "policy:\n  curfews: managed\n"),
      "campaigns/a.yaml": campaign([]),
      "campaigns/b.yaml": campaign([], "unmanaged")
        .replace("name: calls", "name: other")
        .replace("4001", "4002"),
    });
    assert.deepEqual(findings(r), []);
    const byName = new Map(r.campaigns.map((c) => [c.name, c]));
    assert.deepEqual(
      byName.get("calls")?.curfews?.boundings.map((b) => b.zone),
      ["Eastern Standard Time"],
    );
    assert.equal(byName.get("other")?.curfews, undefined);
  });
});

describe("curfews: findings", () => {
  it("DW144: curfews: managed under the tutorial profile, in a campaign or as the default", async () => {
    const tutorial = campaign([], "managed").replace('skillId: "4001"', 'campaignId: "4001"');
    const r = await validate({ "dialwindow.yaml": config("tutorial"), "campaigns/a.yaml": tutorial });
    assert.deepEqual(findings(r), ["error DW144 campaigns/a.yaml:10"]);
    assert.match(r.findings[0]?.message ?? "", /the tutorial profile has none/);
    const byDefault = await validate({
      "dialwindow.yaml": config("tutorial", "policy:\n  curfews: managed\n"),
      "campaigns/a.yaml": tutorial.replace("  curfews: managed\n", ""),
    });
    assert.deepEqual(findings(byDefault), ["error DW144 dialwindow.yaml:6"]);
  });

  it("DW145: a managed campaign's recipient zone with no Windows zone id, at the zone", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaign(
        ["    timezones:", "      - America/New_York", "      - America/Ciudad_Juarez"],
        "managed",
      ),
    });
    assert.deepEqual(findings(r), ["error DW145 campaigns/a.yaml:13"]);
    assert.match(
      r.findings[0]?.message ?? "",
      /recipient zone America\/Ciudad_Juarez has no Windows time zone id/,
    );
    assert.equal(r.campaigns.length, 0, "the campaign is not planned");
  });

  it("DW146: a managed campaign whose windows never reach a recipient zone inside its bounding (warning)", async () => {
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin"),
      "campaigns/a.yaml": campaign([], "managed", "").replace("  dialingHours:\n", "  dialingHours: []\n"),
    });
    assert.deepEqual(findings(r), ["warning DW146 campaigns/a.yaml:7"]);
    assert.match(r.findings[0]?.message ?? "", /the skill would dial nobody there/);
    assert.equal(r.campaigns.length, 1, "a warning does not block the campaign");
  });

  it("DW147: curfews: managed with the calling-hours policy off", async () => {
    const off = "policy:\n  callingHours: off\n";
    const r = await validate({
      "dialwindow.yaml": config("cxone-admin", off),
      "campaigns/a.yaml": campaign([], "managed"),
    });
    assert.deepEqual(
      findings(r).filter((f) => !f.includes("DW161")),
      ["error DW147 campaigns/a.yaml:10"],
    );
    const byDefault = await validate({
      "dialwindow.yaml": config("cxone-admin", `${off}  curfews: managed\n`),
      "campaigns/a.yaml": campaign([]),
    });
    assert.deepEqual(
      findings(byDefault).filter((f) => !f.includes("DW161")),
      ["error DW147 dialwindow.yaml:7"],
    );
  });
});
