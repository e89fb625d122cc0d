/**
 * `dialwindow import`: writes live CXone schedules as CampaignSchedule YAML, to start managing
 * existing campaigns. Import then plan shows no changes: the files say exactly what CXone has.
 */
import { access, mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseTime } from "../desired/civil-date.js";
import { resolveConfig } from "../desired/config.js";
import { loadDesiredState } from "../desired/load.js";
import { validateDesiredState } from "../desired/validate.js";
import { normalizeWire, WEEKDAYS, type WireSchedule } from "../desired/wire.js";
import { toJson } from "../escape/json.js";
import { safeText as t } from "../escape/text.js";
import { connect } from "../live/connect.js";
import { urlWithoutCredentials } from "../live/http.js";
import type { LiveCampaign } from "../live/port.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";
import { validationText } from "./validate-command.js";

export interface ImportFlags {
  dir?: string;
  out?: string;
  campaign?: string[];
  force?: boolean;
}

export async function importCommand(io: CliIo, flags: ImportFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const out = flags.out ? resolve(io.cwd, flags.out) : dir;
  const logger = io.logger("warn");
  const existing = await loadDesiredState(dir);
  const config = resolveConfig(existing.config?.value, io.env);
  const managed = new Map(existing.campaigns.map((c) => [c.value.metadata.campaignId, c.source.path]));
  const usedNames = new Set(existing.campaigns.map((c) => c.value.metadata.name));

  const ids = flags.campaign ?? [];
  const connection = connect(config, io.env, { logger });
  let read: Awaited<ReturnType<typeof connection.client.readCampaigns>>;
  try {
    read = await connection.client.readCampaigns(ids, { includeUnrequested: ids.length === 0 });
  } finally {
    await connection.close();
  }

  let failed = 0;
  const written: string[] = [];
  for (const id of ids) {
    if (!read.campaigns.has(id) && !read.problems.has(id)) {
      io.stderr(`✗ campaign ${t(id)} does not exist in CXone\n`);
      failed++;
    }
  }
  for (const [id, problem] of read.problems) {
    io.stderr(`✗ campaign ${t(id)}: reading it failed: ${t(problem.message)}\n`);
    failed++;
  }
  const campaigns = [...read.campaigns.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  let maxBlocks = 0;
  for (const live of campaigns) {
    const file = managed.get(live.id);
    if (file) {
      io.stdout(`= ${t(live.id)} is already managed by ${t(file)}; skipped\n`);
      continue;
    }
    const name = uniqueName(kebab(live.name) || `campaign-${live.id}`, live.id, usedNames);
    const path = join(out, "campaigns", "imported", `${name}.yaml`);
    if (!flags.force && (await exists(path))) {
      io.stderr(`✗ ${t(relative(io.cwd, path))} exists; not overwritten (use --force)\n`);
      failed++;
      continue;
    }
    await mkdir(join(out, "campaigns", "imported"), { recursive: true });
    await writeFile(path, campaignYaml(live, name));
    maxBlocks = Math.max(maxBlocks, normalizeWire(live.schedule).dialingHours.length);
    written.push(path);
    io.stdout(`+ ${t(live.id)} → ${t(relative(io.cwd, path))}\n`);
  }
  if (!(await exists(join(out, "dialwindow.yaml")))) {
    await writeFile(
      join(out, "dialwindow.yaml"),
      configYaml(config.cxone.apiUrl, config.cxone.tokenUrl, Math.max(5, maxBlocks)),
    );
    io.stdout(
      `+ ${relative(io.cwd, join(out, "dialwindow.yaml"))} (check limits.maxDialingBlocks against your licence)\n`,
    );
  }
  if (written.length > 0) {
    const check = await validateDesiredState(out, { at: io.now(), env: io.env });
    if (!check.valid) {
      io.stdout(validationText(check));
      io.stdout(
        "The imported schedules are what CXone has today; the findings above must be fixed before dialwindow will apply them.\n",
      );
    }
  }
  io.stdout(`Imported ${written.length} campaign(s)${failed ? `, ${failed} failed` : ""}.\n`);
  return failed > 0 ? EXIT.failure : EXIT.ok;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export function kebab(text: string | undefined): string {
  return (text ?? "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

function uniqueName(base: string, id: string, used: Set<string>): string {
  let name = base;
  if (used.has(name)) name = `${base.slice(0, 62 - id.length)}-${id}`.replace(/^-/, "");
  used.add(name);
  return name;
}

/** Windows grouped by identical hours, so Monday–Friday 08:00–16:00 is one entry. */
export function dialingHoursYaml(schedule: WireSchedule): string[] {
  const groups = new Map<string, { start: string; end: string; days: string[] }>();
  for (const h of normalizeWire(schedule).dialingHours) {
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
export function campaignYaml(live: LiveCampaign, name: string): string {
  const s = normalizeWire(live.schedule);
  const hours = dialingHoursYaml(s);
  return [
    `# Imported from CXone by dialwindow import${live.name ? ` (CXone name: ${toJson(live.name)})` : ""}.`,
    "apiVersion: dialwindow/v1",
    "kind: CampaignSchedule",
    "metadata:",
    `  name: ${name}`,
    `  campaignId: ${toJson(live.id)}`,
    "spec:",
    `  timezone: ${toJson(s.timezone)}`,
    hours.length > 0 ? "  dialingHours:" : "  dialingHours: []",
    ...hours,
    `  pauseConditions: [${s.pauseConditions.join(", ")}]`,
    "",
  ].join("\n");
}

function configYaml(apiUrl: string | undefined, tokenUrl: string | undefined, maxBlocks: number): string {
  // The URLs may come from CXONE_API_URL / CXONE_TOKEN_URL; this file is committed, so any
  // credential they carry (user:password@, ?access_token=) is left out.
  const api = apiUrl ? urlWithoutCredentials(apiUrl) : undefined;
  const token = tokenUrl ? urlWithoutCredentials(tokenUrl) : undefined;
  return [
    "# Written by dialwindow import. Credentials never go here: use CXONE_CLIENT_ID / CXONE_CLIENT_SECRET.",
    ...(api?.removed || token?.removed
      ? [
          "# The CXone URLs carried credentials (user:password@ or a secret query parameter); they were left out",
          "# here. Keep them in CXONE_API_URL / CXONE_TOKEN_URL in the environment if the endpoint needs them.",
        ]
      : []),
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: tutorial",
    ...(api ? [`  apiUrl: ${toJson(api.url)}`] : []),
    ...(token ? [`  tokenUrl: ${toJson(token.url)}`] : []),
    "limits:",
    `  maxDialingBlocks: ${maxBlocks}   # your CXone licence tier's cap; the largest imported campaign uses ${maxBlocks}`,
    "",
  ].join("\n");
}
