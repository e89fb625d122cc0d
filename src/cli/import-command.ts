/**
 * `dialwindow import`: writes live CXone schedules as CampaignSchedule YAML, to start managing
 * existing campaigns. Import then plan shows no changes: the files say exactly what CXone has.
 *
 * Under cxone-admin the files name PC skills (metadata.skillId; other skills are never listed),
 * and their windows are written in the schedule zone, as CXone holds them: that is the zone a
 * person sees in CXone's own screens, and no translation can make them fit a day badly.
 * dialwindow.yaml then pins that zone in cxone.scheduleTimezone.
 *
 * A PC skill's recipient time-zone boundings are imported as `curfews: managed` only when CXone
 * holds exactly what dialwindow would derive for the imported file from the calling-hours policy;
 * otherwise they are left alone (`curfews: unmanaged` where policy.curfews would manage them),
 * and the differences are listed, so import then plan still writes nothing.
 */
import { mkdir } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { resolveConfig } from "../desired/config.js";
import { deriveCurfews } from "../desired/curfew-derivation.js";
import { type Bounding, curfewsEqual, curfewsOf, describeBounding } from "../desired/curfews.js";
import type { CurfewsMode } from "../desired/documents.js";
import { liveIdOf } from "../desired/documents.js";
import { loadDesiredState } from "../desired/load.js";
import { normalizeSchedule } from "../desired/schedule.js";
import { validateDesiredState } from "../desired/validate.js";
import { safeText as t } from "../escape/text.js";
import { connect } from "../live/connect.js";
import type { LiveCampaign } from "../live/port.js";
import { resolveDir } from "./common.js";
import {
  adminConfigYaml,
  campaignYaml,
  committableUrls,
  configYaml,
  yamlString,
} from "./import-documents.js";
import { importFolder, isInside, writeNew } from "./import-files.js";
import { uniqueName } from "./import-names.js";
import { type CliIo, clockOption, EXIT } from "./io.js";
import { validationText } from "./validate-command.js";

export interface ImportFlags {
  dir?: string;
  out?: string;
  campaign?: string[];
  force?: boolean;
}

/** The schema's metadata.campaignId: an id outside it could never be managed, so is not imported. */
const MANAGEABLE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function importCommand(io: CliIo, flags: ImportFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const out = flags.out ? resolve(io.cwd, flags.out) : dir;
  const logger = io.logger("warn");
  const existing = await loadDesiredState(dir);
  const config = resolveConfig(existing.config?.value, io.env);
  const managed = new Map(
    existing.campaigns.flatMap((c) => {
      const id = liveIdOf(c.value.metadata);
      return id === undefined ? [] : [[id, c.source.path] as const];
    }),
  );
  const usedNames = new Set(existing.campaigns.map((c) => c.value.metadata.name));

  const ids = flags.campaign ?? [];
  const connection = connect(config, io.env, { logger, ...clockOption(io) });
  const caps = connection.port.capabilities;
  let read: Awaited<ReturnType<typeof connection.port.readCampaigns>>;
  let scheduleZone: string | undefined;
  try {
    scheduleZone = (await connection.port.target()).scheduleZone;
    read = await connection.port.readCampaigns(ids, {
      includeUnrequested: ids.length === 0,
      ...(caps.curfews ? { curfews: "all" as const } : {}),
    });
  } finally {
    await connection.close();
  }
  const noun = caps.noun;
  const manageable = caps.idKey === "skillId" ? /^\d{1,20}$/ : MANAGEABLE_ID;

  let failed = 0;
  const written: string[] = [];
  for (const id of ids) {
    if (!read.campaigns.has(id) && !read.problems.has(id)) {
      io.stderr(
        `✗ ${noun} ${showId(id)} does not exist in CXone${caps.idKey === "skillId" ? " (or is not a Personal Connection skill)" : ""}\n`,
      );
      failed++;
    }
  }
  for (const [id, problem] of read.problems) {
    io.stderr(`✗ ${noun} ${showId(id)}: reading it failed: ${t(problem.message)}\n`);
    failed++;
  }
  const campaigns = [...read.campaigns.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  let maxBlocks = 0;
  let target: string | undefined;
  // The policy the imported files will be checked against: --out's own, or the defaults it gets.
  const policy = caps.curfews ? await validateDesiredState(out, { at: io.now(), env: io.env }) : undefined;
  for (const live of campaigns) {
    const file = managed.get(live.id);
    if (file) {
      io.stdout(`= ${t(live.id)} is already managed by ${t(file)}; skipped\n`);
      continue;
    }
    if (!manageable.test(live.id)) {
      io.stderr(
        `✗ ${noun} ${showId(live.id)}: not a ${noun} id dialwindow can manage (${caps.idKey === "skillId" ? "digits, at most 20" : "letters, digits, '_' or '-', at most 64"}); skipped\n`,
      );
      failed++;
      continue;
    }
    // Made (and checked) once, before the first write: a link in its way stops the import whole.
    target ??= await importFolder(io, out);
    const name = uniqueName(live, usedNames);
    const path = join(target, `${name}.yaml`);
    if (!isInside(target, path)) throw new Error(`import: ${name} resolves outside ${target}`);
    const curfews = policy ? curfewsDecision(live, policy) : undefined;
    const outcome = await writeNew(
      path,
      campaignYaml(live, name, caps.idKey, curfews?.mode),
      flags.force === true,
    );
    if (outcome !== "written") {
      io.stderr(
        outcome === "exists"
          ? `✗ ${t(relative(io.cwd, path))} exists; not overwritten (use --force)\n`
          : `✗ ${t(relative(io.cwd, path))} is a symbolic link; import never writes through one. Remove it and import again.\n`,
      );
      failed++;
      continue;
    }
    maxBlocks = Math.max(maxBlocks, normalizeSchedule(live.schedule).dialingHours.length);
    written.push(path);
    io.stdout(`+ ${t(live.id)} → ${t(relative(io.cwd, path))}\n`);
    if (curfews?.note) io.stdout(`  ${t(live.id)}: ${t(curfews.note)}\n`);
  }
  const configPath = join(out, "dialwindow.yaml");
  await mkdir(out, { recursive: true });
  const urls = committableUrls(config.cxone.apiUrl, config.cxone.tokenUrl);
  const configOutcome = await writeNew(
    configPath,
    caps.profile === "cxone-admin"
      ? adminConfigYaml(config.cxone.issuer, scheduleZone, Math.max(caps.defaultMaxDialingBlocks, maxBlocks))
      : configYaml(urls, Math.max(5, maxBlocks)),
    false,
  );
  if (configOutcome === "written") {
    io.stdout(`+ ${t(relative(io.cwd, configPath))} (check limits.maxDialingBlocks against your licence)\n`);
    if (urls.local.length > 0) {
      io.stdout(
        `  cxone.apiUrl and cxone.tokenUrl left out of it: ${urls.local.map(t).join(" and ")} ${urls.local.length === 1 ? "is" : "are"} on this machine (a local simulator?), not a CXone tenant. Add your tenant's URLs there, or keep CXONE_API_URL and CXONE_TOKEN_URL in the environment.\n`,
      );
    }
  } else if (configOutcome === "link") {
    io.stderr(
      `✗ ${t(relative(io.cwd, configPath))} is a symbolic link; import never writes through one. Remove it and import again.\n`,
    );
    failed++;
  }
  let invalid = false;
  if (written.length > 0) {
    const check = await validateDesiredState(out, { at: io.now(), env: io.env });
    if (!check.valid) {
      invalid = true;
      io.stdout(validationText(check));
      io.stdout(
        "The imported schedules are what CXone has today; the findings above must be fixed before dialwindow will apply them.\n",
      );
    }
  }
  io.stdout(`Imported ${written.length} ${noun}(s)${failed ? `, ${failed} failed` : ""}.\n`);
  // Files were written either way; the exit code says whether the result can be applied as is.
  return failed > 0 || invalid ? EXIT.failure : EXIT.ok;
}

/**
 * Whether an imported skill's boundings are managed: only when CXone holds exactly what would be
 * derived for the file import writes (recipients: its zone; no regions). `mode` is what goes in
 * the file (undefined: nothing, the default unmanaged applies); `note` says why not.
 */
function curfewsDecision(
  live: LiveCampaign,
  policy: Awaited<ReturnType<typeof validateDesiredState>>,
): { mode?: CurfewsMode; note?: string } {
  const byDefault = policy.config.policy.curfews;
  const unmanaged = (why: string) => ({
    ...(byDefault === "managed" ? { mode: "unmanaged" as const } : {}),
    note: `curfews left unmanaged: ${why}`,
  });
  if (!live.curfews) return unmanaged("CXone's boundings could not be read");
  if (!policy.policyRules) {
    return unmanaged(
      policy.config.policy.callingHours === "off"
        ? "the calling-hours policy is off, so there is nothing to derive them from"
        : "the calling-hours rules could not be read (run dialwindow validate on the output folder)",
    );
  }
  const derived = deriveCurfews(
    { recipientZones: [live.schedule.timezone], regions: [] },
    policy.policyRules,
  );
  if (derived.plan === undefined || derived.unmapped.length > 0)
    return unmanaged(`${live.schedule.timezone} has no zone id CXone knows`);
  const wanted = curfewsOf(derived.plan);
  if (!curfewsEqual(live.curfews.curfews, wanted)) {
    return unmanaged(
      `CXone holds ${listBoundings(live.curfews.curfews)}; the law would give ${listBoundings(wanted)} (every other zone inactive). Set spec.curfews: managed to have dialwindow write that`,
    );
  }
  return { mode: "managed" };
}

function listBoundings(curfews: readonly Bounding[]): string {
  return curfews.length === 0 ? "no active zone" : curfews.map(describeBounding).join(", ");
}

/** An id from the API as a person may see it: as is when it is a plain id, else quoted and escaped. */
function showId(id: string): string {
  return MANAGEABLE_ID.test(id) ? id : yamlString(id);
}
