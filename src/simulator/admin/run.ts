/**
 * `dialwindow simulator --profile cxone-admin`: runs the cxone-admin simulator in the foreground
 * until SIGINT/SIGTERM and tells the user what to export to point dialwindow at it.
 */
import { UsageError } from "../../util/errors.js";
import { type RunSimulatorIo, readSeedFile, serveInForeground, throwSeedProblems } from "../foreground.js";
import { isPlainObject } from "../schedule-validation.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../simulator.js";
import { defaultScheduleSettings, validateScheduleSettings } from "./schedule-settings.js";
import type { BusinessUnit } from "./settings.js";
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, startAdminSimulator } from "./simulator.js";
import {
  isPersonalConnection,
  PERSONAL_CONNECTION,
  PHONE_MEDIA_TYPE_ID,
  parseSkillId,
  type SkillSeed,
} from "./skill-store.js";

export interface RunAdminSimulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port, printed on start). */
  port?: number | undefined;
  /** A JSON file `{"skills": [...], "businessUnit"?: {...}}` to seed from (see loadSkillsFile). */
  skillsFile?: string | undefined;
  /** Skills built by the caller (e.g. from a desired-state directory); not together with `skillsFile`. */
  skills?: readonly SkillSeed[] | undefined;
  /** API calls per access key per minute; default 200. */
  rpm?: number | undefined;
}

export type RunAdminSimulatorIo = RunSimulatorIo;

/** Runs until SIGINT, SIGTERM or `io.signal`, then closes the simulator. */
export async function runAdminSimulator(
  options: RunAdminSimulatorOptions,
  io: RunAdminSimulatorIo,
): Promise<void> {
  if (options.skillsFile !== undefined && options.skills !== undefined) {
    throw new UsageError("give either a skills file or seed skills, not both");
  }
  const seeded: { skills: readonly SkillSeed[]; businessUnit?: Partial<BusinessUnit> | undefined } =
    options.skillsFile === undefined
      ? { skills: options.skills ?? [] }
      : await loadSkillsFile(options.skillsFile);
  const simulator = await startAdminSimulator({
    port: options.port,
    rpm: options.rpm,
    skills: seeded.skills,
    businessUnit: seeded.businessUnit,
    logger: io.logger,
  });
  const rpm = simulator.settings().rpm;
  const personal = seeded.skills.filter((skill) =>
    isPersonalConnection({
      mediaTypeId: skill.mediaTypeId ?? PHONE_MEDIA_TYPE_ID,
      isOutbound: skill.isOutbound ?? true,
      outboundStrategy: skill.outboundStrategy === undefined ? PERSONAL_CONNECTION : skill.outboundStrategy,
    }),
  ).length;
  await serveInForeground(
    simulator,
    [
      `dialwindow CXone simulator (cxone-admin API profile) listening on ${simulator.issuerUrl}`,
      `  issuer: ${simulator.issuerUrl}`,
      `  api_endpoint: ${simulator.apiEndpoint} (tenant ${simulator.tenantId})`,
      `  skills: ${simulator.skillCount()} (${personal} Personal Connection)`,
      `  schedule time zone: ${simulator.businessUnit().defaultTimeZone} (the business unit's default)`,
      `  rate limit: ${Number.isFinite(rpm) ? `${rpm} requests per minute per access key, 429 without Retry-After` : "none"}`,
      "Point dialwindow (cxone.profile: cxone-admin) at it with:",
      `  export CXONE_ISSUER=${simulator.issuerUrl}`,
      `  export CXONE_ACCESS_KEY_ID=${DEMO_ACCESS_KEY_ID}`,
      `  export CXONE_ACCESS_KEY_SECRET=${DEMO_ACCESS_KEY_SECRET}`,
      `  export CXONE_CLIENT_ID=${DEMO_CLIENT_ID}`,
      `  export CXONE_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`,
    ],
    io,
  );
}

const SKILL_KEYS = [
  "skillId",
  "skillName",
  "mediaTypeId",
  "isOutbound",
  "outboundStrategy",
  "isActive",
  "campaignId",
  "campaignName",
  "scheduleSettings",
];

/**
 * Reads `{"skills": [{skillId, skillName, mediaTypeId?, isOutbound?, outboundStrategy?,
 * isActive?, campaignId?, campaignName?, scheduleSettings?}], "businessUnit"?: {defaultTimeZone}}`.
 * Omitted, mediaTypeId/isOutbound/outboundStrategy make a Personal Connection skill; a PC skill's
 * `scheduleSettings` may name only some of the 22 fields (the rest: every day off, 08:00-21:00)
 * and is checked as a PUT would be, so a typo in a seed file is reported rather than served.
 */
export async function loadSkillsFile(
  path: string,
): Promise<{ skills: SkillSeed[]; businessUnit: Partial<BusinessUnit> | undefined }> {
  const parsed = await readSeedFile(path, "skills");
  const problems: string[] = [];
  for (const key of Object.keys(parsed)) {
    if (key !== "skills" && key !== "businessUnit") {
      problems.push(`${key}: unexpected key (allowed: skills, businessUnit)`);
    }
  }
  let businessUnit: Partial<BusinessUnit> | undefined;
  if (parsed.businessUnit !== undefined) {
    const unit = parsed.businessUnit;
    if (!isPlainObject(unit) || Object.keys(unit).some((key) => key !== "defaultTimeZone")) {
      problems.push('businessUnit: only {"defaultTimeZone": "<Windows zone id>"} can be set');
    } else if (typeof unit.defaultTimeZone !== "string") {
      problems.push("businessUnit.defaultTimeZone: must be a Windows zone id such as Mountain Standard Time");
    } else {
      businessUnit = { defaultTimeZone: unit.defaultTimeZone };
    }
  }
  const seen = new Set<number>();
  const skills: SkillSeed[] = [];
  parsed.skills.forEach((item: unknown, index) => {
    const at = `skills[${index}]`;
    if (!isPlainObject(item)) {
      problems.push(`${at}: must be an object with skillId and skillName`);
      return;
    }
    const found: string[] = [];
    for (const key of Object.keys(item)) {
      if (!SKILL_KEYS.includes(key))
        found.push(`${at}.${key}: unexpected key (allowed: ${SKILL_KEYS.join(", ")})`);
    }
    const skillId =
      typeof item.skillId === "number" || typeof item.skillId === "string"
        ? parseSkillId(item.skillId)
        : undefined;
    if (skillId === undefined) found.push(`${at}.skillId: must be a positive integer`);
    else if (seen.has(skillId)) found.push(`${at}.skillId: ${skillId} appears more than once`);
    else seen.add(skillId);
    if (typeof item.skillName !== "string" || item.skillName === "")
      found.push(`${at}.skillName: must be a non-empty string`);
    for (const key of ["mediaTypeId", "campaignId"]) {
      if (item[key] !== undefined && !Number.isSafeInteger(item[key]))
        found.push(`${at}.${key}: must be an integer`);
    }
    for (const key of ["isOutbound", "isActive"]) {
      if (item[key] !== undefined && typeof item[key] !== "boolean")
        found.push(`${at}.${key}: must be true or false`);
    }
    if (
      item.outboundStrategy !== undefined &&
      item.outboundStrategy !== null &&
      typeof item.outboundStrategy !== "string"
    ) {
      found.push(`${at}.outboundStrategy: must be a string or null`);
    }
    if (item.campaignName !== undefined && typeof item.campaignName !== "string") {
      found.push(`${at}.campaignName: must be a string`);
    }
    const seed = {
      skillId: skillId ?? 0,
      skillName: item.skillName as string,
      mediaTypeId: item.mediaTypeId as number | undefined,
      isOutbound: item.isOutbound as boolean | undefined,
      outboundStrategy: item.outboundStrategy as string | null | undefined,
      isActive: item.isActive as boolean | undefined,
      campaignId: item.campaignId as number | undefined,
      campaignName: item.campaignName as string | undefined,
    };
    if (item.scheduleSettings !== undefined) {
      const pc = isPersonalConnection({
        mediaTypeId: seed.mediaTypeId ?? PHONE_MEDIA_TYPE_ID,
        isOutbound: seed.isOutbound ?? true,
        outboundStrategy: seed.outboundStrategy === undefined ? PERSONAL_CONNECTION : seed.outboundStrategy,
      });
      if (!pc) {
        found.push(`${at}.scheduleSettings: only a Personal Connection skill has schedule-settings`);
      } else if (!isPlainObject(item.scheduleSettings)) {
        found.push(`${at}.scheduleSettings: must be an object`);
      } else {
        const checked = validateScheduleSettings(
          { ...defaultScheduleSettings(), ...item.scheduleSettings },
          `${at}.scheduleSettings`,
        );
        if (checked.ok) skills.push({ ...seed, scheduleSettings: checked.value });
        else found.push(...checked.details);
      }
    } else {
      skills.push(seed);
    }
    problems.push(...found);
  });
  throwSeedProblems(path, problems);
  return { skills, businessUnit };
}
