/**
 * Validation of a whole desired-state directory: load and schema pass, then the semantic
 * rules, then the calling-hours policy, producing the normalised campaigns that passed and
 * every finding. `at` is the instant the coming year of policy checks starts from.
 *
 * About 350 lines: the passes in order, each short; splitting them would hide the order.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DateTime } from "luxon";
import { CAPABILITIES } from "../live/capabilities.js";
import { systemClock, utcNow } from "../util/clock.js";
import { packageRoot } from "../util/paths.js";
import { type ResolvedConfig, resolveConfig } from "./config.js";
import { checkCampaignCurfews, checkCurfewsDefault } from "./curfew-checks.js";
import {
  type CallingPolicyDocument,
  type CampaignScheduleDocument,
  type HolidayCalendarDocument,
  liveIdOf,
} from "./documents.js";
import { localDay } from "./effective.js";
import { didYouMean, type Finding, finding, hasErrors, sortFindings } from "./findings.js";
import type { InvalidDocument, LoadedState } from "./ingest.js";
import { loadDesiredState, loadFilesOfKind } from "./load.js";
import { buildCalendar, buildCampaign, type CampaignSchedule, type HolidayCalendar } from "./model.js";
import {
  applicableRules,
  checkCallingHours,
  type PolicyRule,
  policySignature,
  rulesFromPolicy,
  type Violation,
} from "./policy.js";
import { Reporter } from "./reporter.js";
import {
  checkCalendar,
  checkCalendarRunsOut,
  checkCampaign,
  checkConfig,
  checkDialingBlocks,
  checkLiveId,
  checkPolicy,
  checkProfileShape,
  checkScheduleZone,
  checkUniqueNames,
  checkUniqueness,
} from "./rules.js";
import { SchemaValidators } from "./schema.js";
import type { LoadedDocument } from "./source.js";
import {
  type ConfigFrom,
  changedSections,
  describeConfigFrom,
  TRUSTED_SECTIONS,
  type TrustedConfig,
  withTrustedSections,
} from "./trusted-config.js";
import { isValidZone, ZoneClocks } from "./zone-clock.js";

export interface ValidationResult {
  dir: string;
  config: ResolvedConfig;
  /** Campaigns with no error, normalised: what plan and apply may act on. */
  campaigns: CampaignSchedule[];
  calendars: Map<string, HolidayCalendar>;
  /**
   * Campaigns that passed the schema and the semantic rules, including those that break only
   * a limit or the calling-hours policy: what `diff` and `preview` draw, never what plan or
   * apply act on.
   */
  drawable: CampaignSchedule[];
  /** The calling-hours rules in force; undefined when the policy is off or a pack is unknown. */
  policyRules: PolicyRule[] | undefined;
  /** Every finding, sorted by file, line, column. */
  findings: Finding[];
  /** Documents that failed, by file, with the campaign they declare when it can be told. */
  blocked: InvalidDocument[];
  /** Whether the directory's own-level problems (config, calendars, policies) block everything. */
  globalErrors: boolean;
  /** With `trustedConfig`: where cxone, webhooks and audit came from, and what waits for merge. */
  configFrom?: ConfigFrom;
  files: number;
  valid: boolean;
}

export interface ValidateOptions {
  at?: DateTime;
  env?: Readonly<Record<string, string | undefined>>;
  schemas?: SchemaValidators;
  /** Where built-in CallingPolicy packs live; default the package's policies/. */
  builtinPolicyDir?: string;
  /** --config-from: take cxone, webhooks and audit from this revision's dialwindow.yaml. */
  trustedConfig?: TrustedConfig;
}

export async function validateDesiredState(
  dir: string,
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const at = options.at ?? utcNow(systemClock);
  const schemas = options.schemas ?? new SchemaValidators();
  const loaded = await loadDesiredState(dir, { schemas });
  const r = new Reporter();
  const trusted = options.trustedConfig;
  const trustedFindings = trusted?.findings ?? [];
  const config = resolveConfig(
    trusted ? withTrustedSections(loaded.config?.value, trusted.document?.value) : loaded.config?.value,
    options.env ?? {},
  );

  const calendarDocs = checkUniqueNames(r, loaded.calendars, "calendar");
  for (const doc of loaded.calendars) checkCalendar(r, doc);
  const calendars = new Map<string, HolidayCalendar>();
  for (const [name, doc] of calendarDocs) calendars.set(name, buildCalendar(doc.value));

  const policyDocs = checkUniqueNames(r, loaded.policies, "policy");
  for (const doc of loaded.policies) checkPolicy(r, doc, calendarDocs);
  if (loaded.config) checkConfig(r, loaded.config);
  // The sections in force come from REV: its file is checked as strictly as the work tree's.
  if (trusted?.document) checkConfig(r, trusted.document, new Set(TRUSTED_SECTIONS));

  // A dialwindow.yaml that fails its schema is not read at all, so its limits and policy are
  // unknown. Checking campaigns against the defaults in their place would report problems the
  // file's own values may not have (one typo in limits, a DW140 on every campaign), so those
  // checks wait until it is fixed, and no campaign counts as valid meanwhile.
  const configUnusable =
    loaded.config === undefined &&
    loaded.findings.some(
      (f) =>
        f.file === "dialwindow.yaml" && f.severity === "error" && f.code !== "DW006" && f.code !== "DW007",
    );
  const rules = configUnusable
    ? undefined
    : await resolvePolicyRules(r, loaded, config, policyDocs, calendars, options.builtinPolicyDir, schemas);
  checkCalendarsRunOut(r, loaded, config, calendarDocs, policyDocs, at);

  checkUniqueness(r, loaded.campaigns);
  const caps = CAPABILITIES[config.cxone.profile];
  if (!configUnusable) checkCurfewsDefault(r, loaded.config, config, caps);
  for (const doc of loaded.campaigns) {
    checkLiveId(r, doc, caps);
    checkProfileShape(r, doc, caps);
    checkCampaign(r, doc, calendarDocs);
  }
  // The schedule zone is known before any network call only when dialwindow.yaml names it;
  // otherwise (the business unit's) plan reports a window that does not fit, per campaign.
  const scheduleZone =
    caps.zone === "tenant" &&
    config.cxone.scheduleTimezone !== undefined &&
    isValidZone(config.cxone.scheduleTimezone)
      ? config.cxone.scheduleTimezone
      : undefined;

  const clocks = new ZoneClocks(at.toMillis() - 3 * 86_400_000, at.toMillis() + 372 * 86_400_000);
  const campaigns: CampaignSchedule[] = [];
  const drawable: CampaignSchedule[] = [];
  const todayByZone = new Map<string, number>();
  // Repositories repeat a few window shapes across thousands of campaigns; the policy result
  // depends only on what policySignature covers, so identical campaigns are checked once.
  const policyMemo = new Map<string, Violation[]>();
  for (const doc of loaded.campaigns) {
    if (r.hasErrors(doc)) continue;
    const campaign = buildCampaign(doc, calendars, config.policy.curfews);
    drawable.push(campaign);
    if (configUnusable) continue;
    let today = todayByZone.get(campaign.timezone);
    if (today === undefined) {
      today = localDay(campaign, at);
      todayByZone.set(campaign.timezone, today);
    }
    checkDialingBlocks(r, campaign, today, config.limits.maxDialingBlocks);
    if (scheduleZone !== undefined) checkScheduleZone(r, campaign, scheduleZone, today, clocks);
    if (rules) {
      const applicable = applicableRules(rules, campaign);
      const key = `${today}|${applicable.map((x) => `${x.pack}/${x.name}`).join(",")}|${policySignature(campaign)}`;
      let violations = policyMemo.get(key);
      if (!violations) {
        violations = checkCallingHours(campaign, applicable, clocks, today);
        policyMemo.set(key, violations);
      }
      for (const v of violations) r.error(doc, v.source, v.code, v.message);
    }
    checkCampaignCurfews(r, campaign, caps, rules, config, clocks, today);
    if (!r.hasErrors(doc)) campaigns.push(campaign);
  }

  const blocked: InvalidDocument[] = [...loaded.invalid];
  for (const doc of loaded.campaigns) {
    if (r.hasErrors(doc)) blocked.push(invalidOf(doc));
  }
  // Problems outside campaign files (config, calendars, policies) make every campaign suspect.
  const globalErrors =
    [...loaded.findings, ...trustedFindings].some(
      (f) => f.severity === "error" && !f.file.startsWith("campaigns/"),
    ) || r.findings.some((f) => f.severity === "error" && !f.file.startsWith("campaigns/"));

  const findings = sortFindings([...loaded.findings, ...trustedFindings, ...r.findings]);
  return {
    dir,
    config,
    campaigns,
    drawable,
    policyRules: rules,
    calendars,
    findings,
    blocked,
    globalErrors,
    ...(trusted
      ? {
          configFrom: describeConfigFrom(
            trusted,
            changedSections(loaded.config?.value, trusted.document?.value),
          ),
        }
      : {}),
    files: loaded.files,
    valid: !hasErrors(findings),
  };
}

function invalidOf(doc: LoadedDocument<CampaignScheduleDocument>): InvalidDocument {
  return {
    file: doc.source.path,
    index: doc.index,
    kind: "CampaignSchedule",
    name: doc.value.metadata.name,
    campaignId: liveIdOf(doc.value.metadata),
    labels: doc.value.metadata.labels ?? {},
  };
}

/** The rules of the configured packs, or undefined when the policy is switched off. */
async function resolvePolicyRules(
  r: Reporter,
  loaded: LoadedState,
  config: ResolvedConfig,
  repoPolicies: ReadonlyMap<string, LoadedDocument<CallingPolicyDocument>>,
  calendars: ReadonlyMap<string, HolidayCalendar>,
  builtinDir: string | undefined,
  schemas: SchemaValidators,
): Promise<PolicyRule[] | undefined> {
  const configDoc = loaded.config;
  if (config.policy.callingHours === "off") {
    if (configDoc) {
      r.warn(
        configDoc,
        ["policy", "callingHours"],
        "DW161",
        "the calling-hours policy is switched off (policy.callingHours: off): windows are NOT checked against federal or state calling hours. Make sure this is intended and approved.",
      );
    }
    return undefined;
  }
  const builtin = await loadBuiltinPolicies(builtinDir ?? join(packageRoot(), "policies"), schemas);
  const rules: PolicyRule[] = [];
  let unresolved = false;
  config.policy.packs.forEach((name, i) => {
    const own = repoPolicies.get(name);
    const shipped = builtin.get(name);
    if (own && shipped) {
      r.warn(
        own,
        ["metadata", "name"],
        "DW164",
        `${own.source.path} replaces dialwindow's built-in ${name} pack: its rules apply instead of the shipped ones (${shipped.spec.rules.map((x) => x.name).join("; ")}). Review changes to this file as changes to the law it encodes. To keep the built-in pack and add rules, give this pack another name and list both in policy.packs.`,
        "value",
      );
    }
    const doc = own?.value ?? shipped;
    if (doc) {
      rules.push(...rulesFromPolicy(doc, calendars));
      return;
    }
    unresolved = true;
    const known = [...new Set([...repoPolicies.keys(), ...builtin.keys()])].sort();
    const guess = didYouMean(name, known);
    const message = `no CallingPolicy pack named ${JSON.stringify(name)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ";"} Known packs: ${known.join(", ")}. Add policies/${name}.yaml or fix the name.`;
    if (configDoc) r.error(configDoc, ["policy", "packs", i], "DW160", message);
    else
      loaded.findings.push(finding("DW160", "error", message, { file: "dialwindow.yaml", line: 1, col: 1 }));
  });
  // Only policy.callingHours: off may switch the calling-hours law off. Packs that leave some
  // recipients without an hours limit would do it silently: windows at 05:00 would pass.
  // (An unknown pack is reported above; its fix may well be what restores the rule.)
  if (!unresolved && !rules.some((rule) => rule.allowed !== undefined && rule.regions.size === 0)) {
    const packs = config.policy.packs.length > 0 ? `[${config.policy.packs.join(", ")}]` : "[]";
    const message = `no calling-hours rule applies to every recipient: none of policy.packs ${packs} has a rule with allowedHours and no regions, so windows at any hour of the day (05:00–23:30, say) would pass. Add us-federal to policy.packs (08:00–21:00 recipient-local time), or give one of your packs such a rule. Only policy.callingHours: off switches the calling-hours check off.`;
    if (configDoc?.value.policy?.packs !== undefined)
      r.error(configDoc, ["policy", "packs"], "DW163", message);
    else
      loaded.findings.push(finding("DW163", "error", message, { file: "dialwindow.yaml", line: 1, col: 1 }));
  }
  return rules;
}

/**
 * A calendar in use whose dates end within the coming year: after its last date its holidays
 * and no-call dates silently stop applying. "In use": named by a campaign, or by a rule of a
 * repository pack listed in policy.packs while the policy is enforced.
 */
function checkCalendarsRunOut(
  r: Reporter,
  loaded: LoadedState,
  config: ResolvedConfig,
  calendars: ReadonlyMap<string, LoadedDocument<HolidayCalendarDocument>>,
  policies: ReadonlyMap<string, LoadedDocument<CallingPolicyDocument>>,
  at: DateTime,
): void {
  const users = new Map<string, string[]>();
  const use = (calendar: string, user: string) => {
    const list = users.get(calendar) ?? [];
    list.push(user);
    users.set(calendar, list);
  };
  for (const doc of loaded.campaigns) {
    for (const name of doc.value.spec.holidays?.calendars ?? [])
      use(name, `campaign ${doc.value.metadata.name}`);
  }
  if (config.policy.callingHours === "enforce") {
    for (const pack of config.policy.packs) {
      for (const rule of policies.get(pack)?.value.spec.rules ?? []) {
        for (const name of rule.noCallDates?.calendars ?? []) use(name, `policy ${pack}`);
      }
    }
  }
  const horizon = Math.floor(at.toMillis() / 86_400_000) + 365;
  for (const [name, who] of users) {
    const doc = calendars.get(name);
    if (doc) checkCalendarRunsOut(r, doc, horizon, [...new Set(who)]);
  }
}

async function loadBuiltinPolicies(
  dir: string,
  schemas: SchemaValidators,
): Promise<Map<string, CallingPolicyDocument>> {
  // The built-in packs ship with dialwindow; loading them through the same path as a
  // repository's own policies/ proves they are valid by the same rules.
  const names = (await readdir(dir)).filter((f) => f.endsWith(".yaml"));
  const state = await loadFilesOfKind(
    dir,
    names.map((n) => join(dir, n)),
    "CallingPolicy",
    { schemas },
  );
  const bad = state.findings.filter((f) => f.severity === "error");
  if (bad.length > 0) {
    throw new Error(
      `built-in policy pack is invalid: ${bad.map((f) => `${f.file}:${f.line}:${f.col} ${f.message}`).join("; ")}`,
    );
  }
  return new Map(state.policies.map((d) => [d.value.metadata.name, d.value]));
}
