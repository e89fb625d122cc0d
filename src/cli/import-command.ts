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
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseTime } from "../desired/civil-date.js";
import { DEFAULT_ISSUER, resolveConfig } from "../desired/config.js";
import { deriveCurfews } from "../desired/curfew-derivation.js";
import { type Bounding, curfewsEqual, curfewsOf, describeBounding } from "../desired/curfews.js";
import type { CurfewsMode } from "../desired/documents.js";
import { liveIdOf } from "../desired/documents.js";
import { loadDesiredState } from "../desired/load.js";
import { normalizeSchedule, type Schedule, WEEKDAYS } from "../desired/schedule.js";
import { validateDesiredState } from "../desired/validate.js";
import { toJson } from "../escape/json.js";
import { safeText as t } from "../escape/text.js";
import { connect } from "../live/connect.js";
import { urlWithoutCredentials } from "../live/http.js";
import type { LiveCampaign } from "../live/port.js";
import { UsageError } from "../util/errors.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";
import { validationText } from "./validate-command.js";

export interface ImportFlags {
  dir?: string;
  out?: string;
  campaign?: string[];
  force?: boolean;
}

/** The schema's metadata.campaignId: an id outside it could never be managed, so is not imported. */
const MANAGEABLE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Names Windows refuses for a file in any folder, whatever the extension. */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
const MAX_NAME = 63;

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
  const connection = connect(config, io.env, { logger });
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

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * `<out>/campaigns/imported`, created where missing. Its folders may be links that stay inside
 * --out (the loader follows those too); a link that leaves --out, or a file in the way, stops
 * the import before anything is written. Returns the folder's real path.
 */
async function importFolder(io: CliIo, out: string): Promise<string> {
  await mkdir(out, { recursive: true });
  const root = await realpath(out);
  let real = root;
  let shown = out;
  for (const part of ["campaigns", "imported"]) {
    shown = join(shown, part);
    const path = join(real, part);
    const stats = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (stats === undefined) {
      await mkdir(path);
      real = path;
      continue;
    }
    if (stats.isSymbolicLink()) {
      const target = await realpath(path).catch(() => undefined);
      if (target === undefined || !isInside(root, target)) {
        throw new UsageError(
          `${relative(io.cwd, shown)} is a symbolic link that does not resolve inside ${relative(io.cwd, out) || "."}; import never writes through one. Remove it (or replace it with a folder) and import again.`,
        );
      }
      real = target;
    } else {
      real = path;
    }
    if (!(await stat(real)).isDirectory()) {
      throw new UsageError(`${relative(io.cwd, shown)} is not a folder; move it away and import again.`);
    }
  }
  return real;
}

/**
 * Writes `text` to a new file at `path` (or over an existing regular file with `force`), never
 * through a link: a link there, even one pointing nowhere, is reported, not followed.
 */
async function writeNew(path: string, text: string, force: boolean): Promise<"written" | "exists" | "link"> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isSymbolicLink()) return "link";
  if (stats !== undefined && !force) return "exists";
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    (force ? constants.O_TRUNC : constants.O_EXCL) |
    (constants.O_NOFOLLOW ?? 0);
  let fh: FileHandle;
  try {
    fh = await open(path, flags, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "exists";
    if (code === "ELOOP" || code === "EMLINK") return "link";
    throw err;
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  return "written";
}

/**
 * A file and metadata name from untrusted text: ASCII letters and digits in runs joined by '-',
 * accents dropped (é -> e), lower case, at most 63 characters. Empty when nothing is left.
 */
export function slug(text: string | undefined): string {
  return (text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_NAME)
    .replace(/-+$/, "");
}

function shortHash(id: string, length = 8): string {
  return createHash("sha256").update(id).digest("hex").slice(0, length);
}

/**
 * The campaign's name: the slug of its CXone name, else `campaign-<id>`, else `campaign-<hash>`.
 * A name already used, or one Windows cannot have as a file name, gets a short hash of the id.
 */
function uniqueName(live: LiveCampaign, used: Set<string>): string {
  const fromId = slug(live.id);
  const base = slug(live.name) || (fromId ? slug(`campaign-${fromId}`) : `campaign-${shortHash(live.id)}`);
  let name = base;
  for (let n = 1; used.has(name) || WINDOWS_RESERVED.test(name); n++) {
    const suffix = n === 1 ? shortHash(live.id) : `${shortHash(live.id)}-${n}`;
    name = `${base.slice(0, MAX_NAME - suffix.length - 1).replace(/-+$/, "")}-${suffix}`;
  }
  used.add(name);
  return name;
}

/**
 * A YAML double-quoted scalar on one line: JSON's escapes (valid YAML 1.2 and 1.1 escapes),
 * plus \u escapes for what JSON leaves raw but a YAML 1.1 parser or a terminal takes as a line
 * break or a control (NEL, C1 controls, LS/PS, bidi and invisible format characters).
 */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Windows grouped by identical hours, so Monday–Friday 08:00–16:00 is one entry. */
export function dialingHoursYaml(schedule: Schedule): string[] {
  const groups = new Map<string, { start: string; end: string; days: string[] }>();
  for (const h of normalizeSchedule(schedule).dialingHours) {
    const key = `${h.startTime}-${h.endTime}`;
    const g = groups.get(key) ?? { start: h.startTime, end: h.endTime, days: [] };
    if (!g.days.includes(h.day)) g.days.push(h.day);
    groups.set(key, g);
  }
  const entries = [...groups.values()].sort(
    (a, b) =>
      WEEKDAYS.indexOf(a.days[0] as never) - WEEKDAYS.indexOf(b.days[0] as never) ||
      (parseTime(a.start) ?? 0) - (parseTime(b.start) ?? 0),
  );
  return entries.flatMap((g) => [
    `    - days: [${g.days.join(", ")}]`,
    `      start: ${toJson(g.start)}`,
    `      end: ${toJson(g.end)}`,
  ]);
}

/** Values from CXone go in as JSON strings: valid YAML double-quoted scalars, with every control escaped. */
export function campaignYaml(
  live: LiveCampaign,
  name: string,
  idKey: "campaignId" | "skillId" = "campaignId",
  curfews?: CurfewsMode,
): string {
  const s = normalizeSchedule(live.schedule);
  const hours = dialingHoursYaml(s);
  return [
    `# Imported from CXone by dialwindow import${live.name ? ` (CXone name: ${yamlString(live.name)})` : ""}.`,
    ...(s.scheduled === false
      ? [
          "# CXone does not apply this schedule now (isScheduled is false): the skill dials whenever it is",
          "# started. The first apply switches the schedule on.",
        ]
      : []),
    ...(idKey === "skillId"
      ? ["# The windows are in the zone CXone reads this tenant's schedules in (cxone.scheduleTimezone)."]
      : []),
    "apiVersion: dialwindow/v1",
    "kind: CampaignSchedule",
    "metadata:",
    `  name: ${name}`,
    `  ${idKey}: ${yamlString(live.id)}`,
    "spec:",
    `  timezone: ${yamlString(s.timezone)}`,
    hours.length > 0 ? "  dialingHours:" : "  dialingHours: []",
    ...hours,
    ...(idKey === "skillId" ? [] : [`  pauseConditions: [${s.pauseConditions.join(", ")}]`]),
    ...(curfews === "managed"
      ? [
          "  # CXone's recipient time-zone boundings were what the calling-hours policy gives; kept so.",
          "  curfews: managed",
        ]
      : curfews === "unmanaged"
        ? [
            "  # CXone's recipient time-zone boundings differ from what the policy gives; left as they are.",
            "  curfews: unmanaged",
          ]
        : []),
    "",
  ].join("\n");
}

function adminConfigYaml(issuer: string | undefined, zone: string | undefined, maxBlocks: number): string {
  const cleaned = issuer ? urlWithoutCredentials(issuer) : undefined;
  return [
    "# Written by dialwindow import. Credentials never go here: use CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET,",
    "# CXONE_CLIENT_ID and CXONE_CLIENT_SECRET.",
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: cxone-admin",
    // A loopback issuer is the importing machine's simulator, never a tenant: not committed.
    ...(cleaned && cleaned.url.replace(/\/+$/, "") !== DEFAULT_ISSUER && !isLocalUrl(cleaned.url)
      ? [`  issuer: ${yamlString(cleaned.url)}`]
      : cleaned && isLocalUrl(cleaned.url)
        ? ["  # issuer: left out (it was this machine at import time); set yours, or CXONE_ISSUER"]
        : []),
    ...(zone
      ? [`  scheduleTimezone: ${yamlString(zone)}   # the zone CXone read the imported schedules in`]
      : []),
    "limits:",
    `  maxDialingBlocks: ${maxBlocks}   # one window a weekday at most; the largest imported skill uses ${maxBlocks}`,
    "",
  ].join("\n");
}

interface CommittableUrls {
  api: string | undefined;
  token: string | undefined;
  /** Some credential (user:password@, ?access_token=) was cut from a URL. */
  credentialsRemoved: boolean;
  /** URLs on this machine, left out entirely. */
  local: string[];
}

/**
 * The CXone URLs as they may go into a committed dialwindow.yaml. They often come from
 * CXONE_API_URL / CXONE_TOKEN_URL, so any credential they carry is cut, and a URL on this
 * machine (a simulator on 127.0.0.1) is left out: committed, it would point every other
 * checkout, CI job and daemon at nothing.
 */
function committableUrls(apiUrl: string | undefined, tokenUrl: string | undefined): CommittableUrls {
  const local: string[] = [];
  let credentialsRemoved = false;
  const keep = (url: string | undefined): string | undefined => {
    if (url === undefined) return undefined;
    const cut = urlWithoutCredentials(url);
    credentialsRemoved ||= cut.removed;
    if (isLocalUrl(cut.url)) {
      local.push(cut.url);
      return undefined;
    }
    return cut.url;
  };
  return { api: keep(apiUrl), token: keep(tokenUrl), credentialsRemoved, local };
}

/** localhost, 127.0.0.0/8, ::1 or the unspecified address: this machine, never a tenant. */
export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === "0.0.0.0" ||
    host === "[::1]" ||
    host === "[::]" ||
    host === "[::ffff:7f00:1]"
  );
}

function configYaml(urls: CommittableUrls, maxBlocks: number): string {
  return [
    "# Written by dialwindow import. Credentials never go here: use CXONE_CLIENT_ID / CXONE_CLIENT_SECRET.",
    ...(urls.credentialsRemoved
      ? [
          "# The CXone URLs carried credentials (user:password@ or a secret query parameter); they were left out",
          "# here. Keep them in CXONE_API_URL / CXONE_TOKEN_URL in the environment if the endpoint needs them.",
        ]
      : []),
    ...(urls.local.length > 0
      ? [
          "# The CXone URLs at import time were on the importing machine (a local simulator?), so apiUrl and",
          "# tokenUrl are left out. Add your tenant's here, or set CXONE_API_URL / CXONE_TOKEN_URL.",
        ]
      : []),
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: tutorial",
    ...(urls.api ? [`  apiUrl: ${yamlString(urls.api)}`] : []),
    ...(urls.token ? [`  tokenUrl: ${yamlString(urls.token)}`] : []),
    "limits:",
    `  maxDialingBlocks: ${maxBlocks}   # your CXone licence tier's cap; the largest imported campaign uses ${maxBlocks}`,
    "",
  ].join("\n");
}
