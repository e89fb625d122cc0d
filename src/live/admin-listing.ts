/**
 * The cxone-admin reads that cover many skills at once: the listing of the Personal Connection
 * skills (skip/top paging, trusted only while it behaves like one) and the bulk
 * `GET /skills/parameters` with every skill's schedule and boundings, which is given up for
 * one GET per skill when unusable.
 */
import type { AdminContext } from "./admin-context.js";
import { isWholeCallFailure } from "./admin-session.js";
import { parseBulkTimeZoneSettings, type TimeZoneSetting } from "./admin-time-zones.js";
import { parseBulkScheduleSettings, type ScheduleSettings } from "./admin-wire.js";
import { ProtocolError } from "./errors.js";
import { getJson, JSON_ACCEPT } from "./get-json.js";
import { redactUrl } from "./http.js";
import type { Transport } from "./transport.js";

const PC_STRATEGY = "Personal Connection";

/** One skill of the bulk read: its schedule, its boundings (when the answer has them), its name. */
export interface BulkEntry {
  settings: ScheduleSettings | Error;
  timeZones: TimeZoneSetting[] | Error | undefined;
  name?: string;
}

/**
 * The PC skills, by id, with their names, paging with skip/top. The listing is trusted only
 * while it behaves like one: it ends at a 204, an empty or short page, a null `next` link, or
 * once `totalRecords` skills were seen; it is abandoned (complete: false) when a page shows
 * no skill not seen before (the server ignores `skip`) or it runs past the pages its first
 * `totalRecords` allows.
 */
export async function listPcSkills(
  ctx: AdminContext,
): Promise<{ skills: Map<string, string | undefined>; complete: boolean }> {
  const { logger, pageSize } = ctx;
  const { apiBase } = await ctx.api();
  const skills = new Map<string, string | undefined>();
  let maxPages = 1;
  for (let page = 0; ; page++) {
    const query = new URLSearchParams({
      mediaTypeId: "4",
      outboundStrategy: PC_STRATEGY,
      skip: String(page * pageSize),
      top: String(pageSize),
    });
    const url = `${apiBase}/skills?${query.toString().replace(/\+/g, "%20")}`;
    const answer = await getJson(ctx, "list", url, (status) => status === 204);
    if (answer === undefined) return { skills, complete: true };
    const { where } = answer;
    const body = answer.body as Record<string, unknown> | null;
    const items = body?.skills;
    if (!Array.isArray(items))
      throw new ProtocolError(`${where}: expected {skills: [...]}, got no skills array`);
    const total = typeof body?.totalRecords === "number" ? body.totalRecords : undefined;
    if (page === 0) maxPages = total === undefined ? 10_000 : Math.ceil(total / pageSize) + 1;
    let fresh = 0;
    for (const item of items) {
      if (item === null || typeof item !== "object") continue;
      const s = item as Record<string, unknown>;
      const id = skillIdOf(s.skillId);
      if (id === undefined) continue;
      // The filter is the server's; a skill it should not have listed is still left alone.
      if (s.mediaTypeId !== undefined && s.mediaTypeId !== 4) continue;
      if (s.outboundStrategy !== undefined && s.outboundStrategy !== PC_STRATEGY) continue;
      if (!skills.has(id)) fresh++;
      skills.set(id, typeof s.skillName === "string" ? s.skillName : undefined);
    }
    const links = body?._links as { next?: unknown } | undefined;
    if (
      items.length < pageSize ||
      (links !== undefined && links.next == null) ||
      (total !== undefined && skills.size >= total)
    ) {
      return { skills, complete: true };
    }
    if (items.length > 0 && fresh === 0) {
      logger.warn(
        { url: redactUrl(url), page },
        "cxone skill listing repeats itself (skip ignored?); abandoned",
      );
      return { skills, complete: false };
    }
    if (page + 1 >= maxPages) {
      logger.warn(
        { url: redactUrl(url), page, total },
        "cxone skill listing runs past its totalRecords; abandoned",
      );
      return { skills, complete: false };
    }
  }
}

/** Every dialer skill's settings from one answer; undefined when the bulk read is unusable. */
export async function bulkSettings(ctx: AdminContext): Promise<Map<string, BulkEntry> | undefined> {
  const { transport, tokens, logger, failure, json } = ctx;
  if (ctx.bulkRead === "missing") return undefined;
  const { apiBase } = await ctx.api();
  const url = `${apiBase}/skills/parameters`;
  let sent: Awaited<ReturnType<Transport["send"]>>;
  try {
    sent = await transport.send({
      kind: "bulk",
      method: "GET",
      url,
      headers: JSON_ACCEPT,
      tokens,
      retryServerErrors: false,
    });
  } catch (err) {
    if (isWholeCallFailure(err)) throw err;
    logger.warn({ err: (err as Error).message }, "cxone bulk skill read failed; reading skills one by one");
    return undefined;
  }
  const { response, request } = sent;
  if (response.status === 401 || response.status === 403) throw failure(response, request);
  if (response.status < 200 || response.status > 299) {
    if (response.status === 404 || response.status === 405 || response.status === 501)
      ctx.bulkRead = "missing";
    logger.warn(
      { status: response.status, url: redactUrl(url) },
      "cxone bulk skill read (GET /skills/parameters) unavailable; reading skills one by one",
    );
    return undefined;
  }
  const where = `GET ${redactUrl(url)}`;
  let body: unknown;
  try {
    body = json(response, `the response to ${where}`);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "cxone bulk skill read unusable; reading skills one by one");
    return undefined;
  }
  const items = (body as { skills?: unknown } | null)?.skills;
  if (!Array.isArray(items)) {
    logger.warn(
      { url: redactUrl(url) },
      "cxone bulk skill read has no skills array; reading skills one by one",
    );
    return undefined;
  }
  ctx.bulkRead = "available";
  const out = new Map<string, BulkEntry>();
  for (const item of items) {
    if (item === null || typeof item !== "object") continue;
    const s = item as Record<string, unknown>;
    const id = skillIdOf(s.skillNo ?? s.skillId);
    if (id === undefined) continue;
    let settings: ScheduleSettings | Error;
    try {
      settings = parseBulkScheduleSettings(s.scheduleSettings, `skill ${id} in ${where}`);
    } catch (err) {
      settings = err as Error;
    }
    let timeZones: TimeZoneSetting[] | Error | undefined;
    if (s.timeZoneSettings !== undefined) {
      try {
        timeZones = parseBulkTimeZoneSettings(s.timeZoneSettings, `skill ${id} in ${where}`);
      } catch (err) {
        timeZones = err as Error;
      }
    }
    out.set(id, {
      settings,
      timeZones,
      ...(typeof s.skillName === "string" ? { name: s.skillName } : {}),
    });
  }
  return out;
}

/** A skill id as dialwindow keeps it: digits in a string. */
function skillIdOf(value: unknown): string | undefined {
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}
