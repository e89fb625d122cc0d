/**
 * The cxone-admin reads of campaigns. One skill is read by its own GETs (schedule-settings, and
 * time-zones for its boundings); many by the listing and the bulk read (admin-listing.ts), with
 * a GET for each skill the bulk answer leaves out or garbles. A failure that would repeat for
 * every skill (credentials, connection, discovery) ends the read; any other is that skill's
 * problem.
 */
import { DialwindowError, UsageError } from "../util/errors.js";
import type { AdminContext } from "./admin-context.js";
import { type BulkEntry, bulkSettings, listPcSkills } from "./admin-listing.js";
import { isWholeCallFailure } from "./admin-session.js";
import {
  curfewsOf,
  parseTimeZoneSettings,
  type TimeZoneSetting,
  timeZonesVersion,
} from "./admin-time-zones.js";
import { canonicalOf, parseScheduleSettings, type ScheduleSettings, settingsVersion } from "./admin-wire.js";
import { getJson } from "./get-json.js";
import type { LiveCampaign, LiveCurfews, ReadOptions, ReadResult } from "./port.js";
import { forEachBounded } from "./semaphore.js";

export const scheduleUrl = (apiBase: string, id: string) =>
  `${apiBase}/skills/${encodeURIComponent(id)}/parameters/schedule-settings`;

export const timeZonesUrl = (apiBase: string, id: string) =>
  `${apiBase}/skills/${encodeURIComponent(id)}/parameters/time-zones`;

/** One skill's settings; undefined on 404 (no such skill, or not a PC skill). */
export async function getSettings(ctx: AdminContext, id: string): Promise<ScheduleSettings | undefined> {
  const { apiBase } = await ctx.api();
  return getSkillParameters(ctx, scheduleUrl(apiBase, checkId(id)), parseScheduleSettings);
}

/** One skill's boundings, every zone of the business unit; undefined on 404. */
export async function getTimeZones(ctx: AdminContext, id: string): Promise<TimeZoneSetting[] | undefined> {
  const { apiBase } = await ctx.api();
  return getSkillParameters(ctx, timeZonesUrl(apiBase, checkId(id)), parseTimeZoneSettings);
}

/** One GET of a skill's parameters, parsed; undefined on 404. */
async function getSkillParameters<T>(
  ctx: AdminContext,
  url: string,
  parse: (value: unknown, where: string) => T,
): Promise<T | undefined> {
  const answer = await getJson(ctx, "get", url, (status) => status === 404);
  return answer === undefined ? undefined : parse(answer.body, answer.where);
}

export function liveCurfews(settings: readonly TimeZoneSetting[]): LiveCurfews {
  return { version: timeZonesVersion(settings), curfews: curfewsOf(settings) };
}

export function live(id: string, settings: ScheduleSettings, zoneName: string, name?: string): LiveCampaign {
  return {
    id,
    ...(name === undefined ? {} : { name }),
    version: settingsVersion(settings),
    schedule: canonicalOf(settings, zoneName),
  };
}

export async function readCampaign(
  ctx: AdminContext,
  id: string,
  readOptions: { curfews?: boolean } = {},
): Promise<LiveCampaign | undefined> {
  const zoneName = await ctx.scheduleZone();
  const settings = await getSettings(ctx, id);
  if (settings === undefined) return undefined;
  const campaign = live(id, settings, zoneName);
  if (readOptions.curfews !== true) return campaign;
  const zones = await getTimeZones(ctx, id);
  return zones === undefined ? undefined : { ...campaign, curfews: liveCurfews(zones) };
}

async function readViaGets(
  ctx: AdminContext,
  ids: readonly string[],
  zoneName: string,
  names: ReadonlyMap<string, string | undefined>,
  out: ReadResult,
): Promise<void> {
  await eachSkill(
    ctx,
    ids,
    async (id) => {
      const settings = await getSettings(ctx, id);
      if (settings) out.campaigns.set(id, live(id, settings, zoneName, names.get(id)));
    },
    (id, err) => out.problems.set(id, err),
  );
}

export async function readCampaigns(
  ctx: AdminContext,
  ids: readonly string[],
  readOptions: ReadOptions = {},
): Promise<ReadResult> {
  for (const id of ids) checkId(id);
  const all = readOptions.includeUnrequested === true;
  const out: ReadResult = { campaigns: new Map(), problems: new Map() };
  if (!all && ids.length === 0) return out;
  const zoneName = await ctx.scheduleZone();
  let wantCurfews = new Set(readOptions.curfews === "all" ? ids : (readOptions.curfews ?? []));
  if (!all && ids.length === 1) {
    // One skill: its own GET is cheaper than a listing and the bulk read.
    await readViaGets(ctx, ids, zoneName, new Map(), out);
    await readCurfews(ctx, wantCurfews, out);
    return out;
  }
  const listing = await listPcSkills(ctx);
  if (all && !listing.complete) {
    throw new DialwindowError(
      "DW_LIST_PAGING",
      "the CXone skill listing (GET /skills) does not page as documented, so the full list of PC skills cannot be read; name the skills to read instead (import --campaign ID)",
    );
  }
  // A requested id the complete listing does not show is no PC skill: absent, not read.
  const wanted = all
    ? [...listing.skills.keys()]
    : ids.filter((id) => listing.skills.has(id) || !listing.complete);
  if (readOptions.curfews === "all") wantCurfews = new Set(wanted);
  const bulk = await bulkSettings(ctx);
  // Without the business unit's zones, the bulk read's boundings are not trusted: GETs instead.
  const knownZones =
    wantCurfews.size > 0 && bulk !== undefined
      ? await ctx.curfewZones().then(
          (z) => new Set(z.zones),
          () => undefined,
        )
      : undefined;
  const pending: string[] = [];
  for (const id of new Set(wanted)) {
    const entry = bulk?.get(id);
    if (!entry || !listing.skills.has(id)) {
      pending.push(id);
      continue;
    }
    if (entry.settings instanceof Error) {
      // Malformed in the bulk answer: its own GET may well be fine.
      ctx.logger.warn(
        { skillId: id, err: entry.settings.message },
        "skill unreadable in the bulk read; reading it alone",
      );
      pending.push(id);
      continue;
    }
    out.campaigns.set(id, {
      ...live(id, entry.settings, zoneName, listing.skills.get(id) ?? entry.name),
      ...(wantCurfews.has(id) ? bulkCurfews(entry, knownZones) : {}),
    });
  }
  if (pending.length > 0) await readViaGets(ctx, pending, zoneName, listing.skills, out);
  await readCurfews(ctx, wantCurfews, out);
  return out;
}

/**
 * A skill's boundings from the bulk read, when they are usable: every entry names a zone of
 * the business unit (the bulk read's `name` is trusted as the zone id only then). Else
 * nothing, and the skill's own time-zones GET is read instead.
 */
function bulkCurfews(
  entry: BulkEntry,
  knownZones: ReadonlySet<string> | undefined,
): { curfews: LiveCurfews } | Record<string, never> {
  const zones = entry.timeZones;
  if (zones === undefined || zones instanceof Error || knownZones === undefined) return {};
  if (!zones.every((z) => knownZones.has(z.zone))) return {};
  return { curfews: liveCurfews(zones) };
}

/** Reads the boundings of the wanted campaigns that have none yet, one GET each. */
async function readCurfews(ctx: AdminContext, wanted: ReadonlySet<string>, out: ReadResult): Promise<void> {
  const ids = [...wanted].filter((id) => {
    const c = out.campaigns.get(id);
    return c !== undefined && c.curfews === undefined;
  });
  await eachSkill(
    ctx,
    ids,
    async (id) => {
      const zones = await getTimeZones(ctx, id);
      const c = out.campaigns.get(id) as LiveCampaign;
      if (zones === undefined) out.campaigns.delete(id);
      else out.campaigns.set(id, { ...c, curfews: liveCurfews(zones) });
    },
    (id, err) => {
      out.campaigns.delete(id);
      out.problems.set(id, err);
    },
  );
}

/**
 * Reads each skill, `concurrency` at once. A failure that would repeat for every skill stops
 * the rest and is thrown once all in flight are done; any other is that skill's problem.
 */
async function eachSkill(
  ctx: AdminContext,
  ids: readonly string[],
  read: (id: string) => Promise<void>,
  problem: (id: string, err: Error) => void,
): Promise<void> {
  let fatal: unknown;
  await forEachBounded(
    ids,
    ctx.concurrency,
    async (id) => {
      try {
        await read(id);
      } catch (err) {
        if (isWholeCallFailure(err)) fatal ??= err;
        else problem(id, err as Error);
      }
    },
    () => fatal !== undefined,
  );
  if (fatal !== undefined) throw fatal;
}

export function checkId(id: string): string {
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id))
    throw new UsageError(`a skill id is a string of digits, got ${JSON.stringify(id)}`);
  return id;
}
