/**
 * The `cxone-admin` profile: the CxonePort over NICE's CXone Admin API. A campaign is a
 * Personal Connection (PC) skill; its schedule is the skill's schedule-settings (see
 * admin-wire.ts). Reads list the PC skills (skip/top paging) and take their schedules from the
 * bulk `GET /skills/parameters`, falling back to one GET per skill; a write reads the skill
 * once more just before the PUT (the API has no ETag: a changed hash is a VersionConflict) and
 * reads it back after (what CXone holds must be what was sent).
 */
import { setTimeout as delay } from "node:timers/promises";
import { Agent, type Dispatcher } from "undici";
import { defaultResponseLimits, type ResponseLimits } from "../desired/config.js";
import { type Curfews, curfewsEqual, describeCurfews, normalizeCurfews } from "../desired/curfews.js";
import { type Schedule, schedulesEqual } from "../desired/schedule.js";
import { systemClock } from "../util/clock.js";
import { DialwindowError, UsageError } from "../util/errors.js";
import { type Logger, silentLogger } from "../util/log.js";
import {
  type AdminCredentials,
  DiscoveryError,
  discoverApiEndpoint,
  discoverTokenEndpoint,
  passwordGrant,
  tenantIdClaim,
} from "./admin-auth.js";
import {
  curfewsOf,
  parseBulkTimeZoneSettings,
  parseTimeZoneSettings,
  type TimeZoneSetting,
  timeZonesPutBody,
  timeZonesVersion,
  unsendable,
} from "./admin-time-zones.js";
import {
  canonicalOf,
  parseBulkScheduleSettings,
  parseScheduleSettings,
  putBody,
  type ScheduleSettings,
  settingsFor,
  settingsVersion,
  unexpressible,
} from "./admin-wire.js";
import { CAPABILITIES } from "./capabilities.js";
import { AuthenticationError, HttpError, NetworkError, ProtocolError, TimeoutError } from "./errors.js";
import {
  apiReason,
  httpErrorFor,
  type IncomingResponse,
  type OutgoingRequest,
  redactUrl,
  scrub,
} from "./http.js";
import {
  type CxonePort,
  type LiveCampaign,
  type LiveCurfews,
  NotFoundError,
  OutcomeUnknownError,
  type PortTarget,
  ReadBackMismatchError,
  type ReadOptions,
  type ReadResult,
  RejectedError,
  VersionConflictError,
  type WriteResult,
} from "./port.js";
import { RateBudget } from "./rate-budget.js";
import { forEachBounded, Semaphore } from "./semaphore.js";
import { TokenProvider } from "./token-provider.js";
import { type RequestEvent, Transport } from "./transport.js";
import { ianaZoneOf } from "./windows-zones.js";

export interface AdminClientOptions {
  /** e.g. https://cxone.niceincontact.com */
  issuer: string;
  /** "30.0" */
  apiVersion: string;
  credentials: AdminCredentials;
  /** CXONE_TENANT_ID: the tenant to discover when the access token carries no tenantId claim. */
  tenantId?: string | undefined;
  /** cxone.scheduleTimezone (IANA); default: the business unit's defaultTimeZone. */
  scheduleTimezone?: string | undefined;
  budget?: RateBudget | undefined;
  requestsPerMinute?: number | undefined;
  concurrency?: number | undefined;
  /** Skills per listing page; at most 100 are asked for. Default 100. */
  pageSize?: number | undefined;
  maxResponseBytes?: Partial<ResponseLimits> | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  backoffBaseMs?: number | undefined;
  backoffCapMs?: number | undefined;
  maxRetryAfterMs?: number | undefined;
  dispatcher?: Dispatcher | undefined;
  logger?: Logger | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  onRequest?: ((event: RequestEvent) => void) | undefined;
}

export interface AdminClient extends CxonePort {
  readonly profile: "cxone-admin";
  /** "missing" once the bulk read failed; from then on skills are read one by one. */
  readonly bulkRead: "unknown" | "available" | "missing";
}

/** The most skills one listing page is asked for: what the API serves at most. */
const MAX_PAGE = 100;
const PC_STRATEGY = "Personal Connection";
const JSON_ACCEPT = { accept: "application/json" };

interface Endpoints {
  apiBase: string;
  tenantId: string;
}

/** One skill of the bulk read: its schedule, its boundings (when the answer has them), its name. */
interface BulkEntry {
  settings: ScheduleSettings | Error;
  timeZones: TimeZoneSetting[] | Error | undefined;
  name?: string;
}

/** What `GET /business-unit` says that dialwindow uses. */
interface BusinessUnitFacts {
  url: string;
  defaultTimeZone: unknown;
  /** The recipient zones (Windows ids); undefined when the answer has no list. */
  zones: string[] | undefined;
  /** `"name" (id)`, for messages. */
  label: string;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const issuer = checkUrl("cxone.issuer", options.issuer).replace(/\/+$/, "");
  if (!/^[1-9]\d{0,2}\.0$/.test(options.apiVersion))
    throw new UsageError(`cxone.apiVersion must look like "30.0", got ${JSON.stringify(options.apiVersion)}`);
  const creds = options.credentials;
  for (const [name, value] of [
    ["CXONE_ACCESS_KEY_ID", creds.accessKeyId],
    ["CXONE_ACCESS_KEY_SECRET", creds.accessKeySecret],
    ["CXONE_CLIENT_ID", creds.clientId],
    ["CXONE_CLIENT_SECRET", creds.clientSecret],
  ] as const) {
    if (value === "") throw new UsageError(`${name} is empty`);
  }
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
  const pageSize = Math.min(MAX_PAGE, positiveInteger("pageSize", options.pageSize ?? MAX_PAGE));
  const timeoutMs = positiveInteger("timeoutMs", options.timeoutMs ?? 30_000);
  const now = options.now ?? systemClock.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const logger = options.logger ?? silentLogger();
  const budget =
    options.budget ??
    new RateBudget({ requestsPerMinute: options.requestsPerMinute ?? 180, now: options.now, sleep });
  // TLS verification is undici's default and stays on.
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const ownsDispatcher = options.dispatcher === undefined;
  const maxResponseBytes: ResponseLimits = { ...defaultResponseLimits(pageSize) };
  for (const [kind, bytes] of Object.entries(options.maxResponseBytes ?? {})) {
    if (bytes !== undefined)
      maxResponseBytes[kind as keyof ResponseLimits] = positiveInteger(`maxResponseBytes.${kind}`, bytes);
  }
  const transport = new Transport({
    dispatcher,
    timeoutMs,
    maxResponseBytes,
    maxRetries: options.maxRetries ?? 4,
    backoff: { baseMs: options.backoffBaseMs ?? 500, capMs: options.backoffCapMs ?? 30_000 },
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    budget,
    semaphore: new Semaphore(concurrency),
    now,
    sleep,
    random: options.random ?? Math.random,
    logger,
    onRequest: options.onRequest,
  });

  const refreshTokens: string[] = [];
  let tokenEndpoint: Promise<string> | undefined;
  const tokens = new TokenProvider({
    now,
    fetch: passwordGrant({
      tokenEndpoint: () => {
        tokenEndpoint ??= discoverTokenEndpoint(transport, issuer, secrets, now).catch((err: unknown) => {
          tokenEndpoint = undefined; // asked again next time
          throw err;
        });
        return tokenEndpoint;
      },
      credentials: creds,
      transport,
      now,
      onRefreshToken: (t) => {
        refreshTokens.splice(0, refreshTokens.length, t);
      },
    }),
  });
  function secrets(): string[] {
    return [creds.accessKeySecret, creds.clientSecret, ...refreshTokens, ...tokens.knownTokens()];
  }

  let endpoints: Promise<Endpoints> | undefined;
  /** Discovery, once per client (single flight; a failure is asked again next time). */
  function api(): Promise<Endpoints> {
    endpoints ??= (async () => {
      const token = await tokens.get();
      const claimed = tenantIdClaim(token);
      const tenantId = options.tenantId ?? claimed;
      if (tenantId === undefined) {
        throw new DiscoveryError(
          "the access token carries no tenantId claim, so the tenant to discover is unknown; set CXONE_TENANT_ID to your tenant's id",
        );
      }
      const endpoint = await discoverApiEndpoint(transport, issuer, tenantId, secrets, now);
      const apiBase = `${endpoint}/inContactAPI/services/v${options.apiVersion}`;
      logger.debug({ apiBase: redactUrl(apiBase) }, "cxone-admin endpoint discovered");
      return { apiBase, tenantId };
    })().catch((err: unknown) => {
      endpoints = undefined;
      throw err;
    });
    return endpoints;
  }

  const failure = (response: IncomingResponse, request: OutgoingRequest): HttpError => {
    const err = httpErrorFor(response, request, secrets(), now());
    if (err.status !== 403) return err;
    // httpErrorFor speaks of OAuth scopes; here it is the access key's user that lacks a permission.
    return new HttpError(
      {
        status: 403,
        request: err.request,
        responseBody: err.responseBody,
        message: `${err.method} ${err.url} answered 403 Forbidden; the user of CXONE_ACCESS_KEY_ID needs a role that may view and edit skills (Skills: View, Edit)`,
      },
      { cause: err },
    );
  };

  const json = (response: IncomingResponse, what: string): unknown => {
    try {
      return JSON.parse(response.body);
    } catch {
      throw new ProtocolError(scrub(`${what} is not valid JSON`, secrets()));
    }
  };

  let unit: Promise<BusinessUnitFacts> | undefined;
  /** `GET /business-unit`, once per client (a failure is asked again next time). */
  function businessUnit(): Promise<BusinessUnitFacts> {
    unit ??= (async () => {
      const { apiBase } = await api();
      const url = `${apiBase}/business-unit`;
      const { response, request } = await transport.send({
        kind: "discovery",
        method: "GET",
        url,
        headers: JSON_ACCEPT,
        tokens,
      });
      if (response.status < 200 || response.status > 299) throw failure(response, request);
      const where = `GET ${redactUrl(url)}`;
      const body = json(response, `the response to ${where}`) as {
        businessUnits?: Record<string, unknown>[];
      };
      const first = Array.isArray(body?.businessUnits) ? body.businessUnits[0] : undefined;
      const zones = Array.isArray(first?.timeZones)
        ? first.timeZones.flatMap((z: unknown) =>
            z !== null &&
            typeof z === "object" &&
            typeof (z as { standardName?: unknown }).standardName === "string"
              ? [(z as { standardName: string }).standardName]
              : [],
          )
        : undefined;
      const id = first?.businessUnitId;
      const name = typeof first?.businessUnitName === "string" ? first.businessUnitName : undefined;
      return {
        url,
        defaultTimeZone: first?.defaultTimeZone,
        zones,
        label: [
          name === undefined ? undefined : JSON.stringify(name),
          typeof id === "number" || typeof id === "string" ? `(${id})` : undefined,
        ]
          .filter((x) => x !== undefined)
          .join(" "),
      };
    })().catch((err: unknown) => {
      unit = undefined;
      throw err;
    });
    return unit;
  }

  let zone: Promise<string> | undefined;
  /** The zone schedule times are read in: cxone.scheduleTimezone, else the business unit's. */
  function scheduleZone(): Promise<string> {
    if (options.scheduleTimezone !== undefined) return Promise.resolve(options.scheduleTimezone);
    zone ??= (async () => {
      const { url, defaultTimeZone: windowsId } = await businessUnit();
      if (typeof windowsId !== "string" || windowsId.trim() === "") {
        throw new ProtocolError(
          `GET ${redactUrl(url)} has no businessUnits[0].defaultTimeZone; set cxone.scheduleTimezone in dialwindow.yaml`,
        );
      }
      const iana = ianaZoneOf(windowsId);
      if (iana === undefined) {
        throw new DialwindowError(
          "DW_UNKNOWN_ZONE",
          `the business unit's time zone ${JSON.stringify(windowsId)} is no Windows or IANA zone dialwindow knows; set cxone.scheduleTimezone in dialwindow.yaml to the IANA zone CXone reads schedules in`,
        );
      }
      logger.info(
        { windowsZone: windowsId, scheduleZone: iana },
        "cxone-admin schedule zone: the business unit's",
      );
      return iana;
    })().catch((err: unknown) => {
      zone = undefined;
      throw err;
    });
    return zone;
  }

  const scheduleUrl = (apiBase: string, id: string) =>
    `${apiBase}/skills/${encodeURIComponent(id)}/parameters/schedule-settings`;

  /** One skill's settings; undefined on 404 (no such skill, or not a PC skill). */
  async function getSettings(id: string): Promise<ScheduleSettings | undefined> {
    const { apiBase } = await api();
    const url = scheduleUrl(apiBase, checkId(id));
    const { response, request } = await transport.send({
      kind: "get",
      method: "GET",
      url,
      headers: JSON_ACCEPT,
      tokens,
    });
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status > 299) throw failure(response, request);
    const where = `GET ${redactUrl(url)}`;
    return parseScheduleSettings(json(response, `the response to ${where}`), where);
  }

  const timeZonesUrl = (apiBase: string, id: string) =>
    `${apiBase}/skills/${encodeURIComponent(id)}/parameters/time-zones`;

  /** One skill's boundings, every zone of the business unit; undefined on 404. */
  async function getTimeZones(id: string): Promise<TimeZoneSetting[] | undefined> {
    const { apiBase } = await api();
    const url = timeZonesUrl(apiBase, checkId(id));
    const { response, request } = await transport.send({
      kind: "get",
      method: "GET",
      url,
      headers: JSON_ACCEPT,
      tokens,
    });
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status > 299) throw failure(response, request);
    const where = `GET ${redactUrl(url)}`;
    return parseTimeZoneSettings(json(response, `the response to ${where}`), where);
  }

  function liveCurfews(settings: readonly TimeZoneSetting[]): LiveCurfews {
    return { version: timeZonesVersion(settings), curfews: curfewsOf(settings) };
  }

  function live(id: string, settings: ScheduleSettings, zoneName: string, name?: string): LiveCampaign {
    return {
      id,
      ...(name === undefined ? {} : { name }),
      version: settingsVersion(settings),
      schedule: canonicalOf(settings, zoneName),
    };
  }

  async function readCampaign(
    id: string,
    readOptions: { curfews?: boolean } = {},
  ): Promise<LiveCampaign | undefined> {
    const zoneName = await scheduleZone();
    const settings = await getSettings(id);
    if (settings === undefined) return undefined;
    const campaign = live(id, settings, zoneName);
    if (readOptions.curfews !== true) return campaign;
    const zones = await getTimeZones(id);
    return zones === undefined ? undefined : { ...campaign, curfews: liveCurfews(zones) };
  }

  /**
   * The PC skills, by id, with their names, paging with skip/top. The listing is trusted only
   * while it behaves like one: it ends at a 204, an empty or short page, a null `next` link, or
   * once `totalRecords` skills were seen; it is abandoned (complete: false) when a page shows
   * no skill not seen before (the server ignores `skip`) or it runs past the pages its first
   * `totalRecords` allows.
   */
  async function listPcSkills(): Promise<{ skills: Map<string, string | undefined>; complete: boolean }> {
    const { apiBase } = await api();
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
      const { response, request } = await transport.send({
        kind: "list",
        method: "GET",
        url,
        headers: JSON_ACCEPT,
        tokens,
      });
      if (response.status === 204) return { skills, complete: true };
      if (response.status < 200 || response.status > 299) throw failure(response, request);
      const where = `GET ${redactUrl(url)}`;
      const body = json(response, `the response to ${where}`) as Record<string, unknown> | null;
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

  let bulkRead: AdminClient["bulkRead"] = "unknown";

  /** Every dialer skill's settings from one answer; undefined when the bulk read is unusable. */
  async function bulkSettings(): Promise<Map<string, BulkEntry> | undefined> {
    if (bulkRead === "missing") return undefined;
    const { apiBase } = await api();
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
      if (response.status === 404 || response.status === 405 || response.status === 501) bulkRead = "missing";
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
      logger.warn(
        { err: (err as Error).message },
        "cxone bulk skill read unusable; reading skills one by one",
      );
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
    bulkRead = "available";
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

  async function readViaGets(
    ids: readonly string[],
    zoneName: string,
    names: ReadonlyMap<string, string | undefined>,
    out: ReadResult,
  ): Promise<void> {
    let fatal: unknown;
    await forEachBounded(
      ids,
      concurrency,
      async (id) => {
        try {
          const settings = await getSettings(id);
          if (settings) out.campaigns.set(id, live(id, settings, zoneName, names.get(id)));
        } catch (err) {
          if (isWholeCallFailure(err)) fatal ??= err;
          else out.problems.set(id, err as Error);
        }
      },
      () => fatal !== undefined,
    );
    if (fatal !== undefined) throw fatal;
  }

  async function readCampaigns(ids: readonly string[], readOptions: ReadOptions = {}): Promise<ReadResult> {
    for (const id of ids) checkId(id);
    const all = readOptions.includeUnrequested === true;
    const out: ReadResult = { campaigns: new Map(), problems: new Map() };
    if (!all && ids.length === 0) return out;
    const zoneName = await scheduleZone();
    let wantCurfews = new Set(readOptions.curfews === "all" ? ids : (readOptions.curfews ?? []));
    if (!all && ids.length === 1) {
      // One skill: its own GET is cheaper than a listing and the bulk read.
      await readViaGets(ids, zoneName, new Map(), out);
      await readCurfews(wantCurfews, out);
      return out;
    }
    const listing = await listPcSkills();
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
    const bulk = await bulkSettings();
    // Without the business unit's zones, the bulk read's boundings are not trusted: GETs instead.
    const knownZones =
      wantCurfews.size > 0 && bulk !== undefined
        ? await curfewZones().then(
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
        logger.warn(
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
    if (pending.length > 0) await readViaGets(pending, zoneName, listing.skills, out);
    await readCurfews(wantCurfews, out);
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
  async function readCurfews(wanted: ReadonlySet<string>, out: ReadResult): Promise<void> {
    const ids = [...wanted].filter((id) => {
      const c = out.campaigns.get(id);
      return c !== undefined && c.curfews === undefined;
    });
    let fatal: unknown;
    await forEachBounded(
      ids,
      concurrency,
      async (id) => {
        try {
          const zones = await getTimeZones(id);
          const c = out.campaigns.get(id) as LiveCampaign;
          if (zones === undefined) out.campaigns.delete(id);
          else out.campaigns.set(id, { ...c, curfews: liveCurfews(zones) });
        } catch (err) {
          if (isWholeCallFailure(err)) fatal ??= err;
          else {
            out.campaigns.delete(id);
            out.problems.set(id, err as Error);
          }
        }
      },
      () => fatal !== undefined,
    );
    if (fatal !== undefined) throw fatal;
  }

  async function writeSchedule(
    id: string,
    schedule: Schedule,
    expectedVersion: string,
  ): Promise<WriteResult> {
    checkId(id);
    if (expectedVersion.trim() === "") {
      throw new DialwindowError(
        "DW_NO_VERSION",
        `refusing to write skill ${id} without the version it was read at: the write could overwrite a change made since`,
      );
    }
    const zoneName = await scheduleZone();
    const why = unexpressible(schedule, zoneName);
    if (why)
      throw new RejectedError({
        reason: why,
        answer: "not sent",
        message: `skill ${id} not written: ${why}`,
      });
    // The API has no If-Match: read once more right before the PUT and compare versions. A
    // write by someone else between this GET and the PUT is not detected (README).
    const current = await getSettings(id);
    if (current === undefined) {
      throw new NotFoundError(`skill ${id} does not exist in CXone (or is not a Personal Connection skill)`);
    }
    const currentVersion = settingsVersion(current);
    if (currentVersion !== expectedVersion) {
      throw new VersionConflictError(
        `skill ${id} changed in CXone since it was read (version ${expectedVersion}, now ${currentVersion})`,
      );
    }
    const sending = settingsFor(schedule, current);
    const { apiBase } = await api();
    const url = scheduleUrl(apiBase, id);
    await put(url, putBody(sending));
    // The 200 has no body: read it back. A failed read-back leaves the outcome to be settled
    // by the caller's own read.
    let stored: ScheduleSettings | undefined;
    try {
      stored = await getSettings(id);
    } catch (err) {
      throw new OutcomeUnknownError(
        `PUT ${redactUrl(url)} was accepted, but reading it back failed (${(err as Error).message})`,
        { cause: err },
      );
    }
    if (stored === undefined) throw new NotFoundError(`skill ${id} was written but is gone when read back`);
    const written = live(id, stored, zoneName);
    if (!schedulesEqual(written.schedule, canonicalOf(sending, zoneName))) {
      throw new ReadBackMismatchError(
        `CXone accepted the schedule for skill ${id} but holds another one when read back (${describeHours(written.schedule)} instead of ${describeHours(canonicalOf(sending, zoneName))})`,
        written,
      );
    }
    return { version: written.version as string, schedule: written.schedule };
  }

  /** The business unit's recipient zones (Windows ids): what boundings may name. */
  async function curfewZones(): Promise<NonNullable<PortTarget["curfewZones"]>> {
    const bu = await businessUnit();
    if (bu.zones === undefined) {
      throw new ProtocolError(
        `GET ${redactUrl(bu.url)} has no businessUnits[0].timeZones, so the recipient zones a skill may call are unknown`,
      );
    }
    return { businessUnit: bu.label || "of this tenant", zones: bu.zones };
  }

  /** One PUT, never retried blindly; its answer mapped to the port's errors. */
  async function put(url: string, body: string): Promise<void> {
    let sent: Awaited<ReturnType<Transport["send"]>>;
    try {
      sent = await transport.send({
        kind: "put",
        retryUncertain: false,
        method: "PUT",
        url,
        headers: { ...JSON_ACCEPT, "content-type": "application/json" },
        body,
        tokens,
      });
    } catch (err) {
      if (err instanceof NetworkError) throw new OutcomeUnknownError(err.message, { cause: err });
      throw err;
    }
    const { response, request } = sent;
    if (response.status >= 200 && response.status <= 299) return;
    const err = failure(response, request);
    if (response.status === 400 || response.status === 422) {
      const reason = apiReason(err.responseBody) ?? "CXone gave no reason";
      throw new RejectedError(
        {
          reason,
          answer: String(response.status),
          message: `PUT ${redactUrl(url)} was rejected (${response.status}): ${reason}`,
        },
        { cause: err },
      );
    }
    if (response.status === 404) throw new NotFoundError(err.message, { cause: err });
    if (response.status === 408 || response.status >= 500)
      throw new OutcomeUnknownError(err.message, { cause: err });
    throw err;
  }

  /**
   * The boundings, as writeSchedule writes a schedule: read just before the PUT (a changed hash
   * is a VersionConflict), the active boundings sent (CXone deactivates every other zone), and
   * read back after.
   */
  async function writeCurfews(id: string, curfews: Curfews, expectedVersion: string): Promise<LiveCurfews> {
    checkId(id);
    if (expectedVersion.trim() === "") {
      throw new DialwindowError(
        "DW_NO_VERSION",
        `refusing to write the boundings of skill ${id} without the version they were read at: the write could overwrite a change made since`,
      );
    }
    const why = unsendable(curfews);
    if (why) throw new RejectedError({ reason: why, answer: "not sent", message: `skill ${id}: ${why}` });
    const current = await getTimeZones(id);
    if (current === undefined) {
      throw new NotFoundError(`skill ${id} does not exist in CXone (or is not a Personal Connection skill)`);
    }
    const currentVersion = timeZonesVersion(current);
    if (currentVersion !== expectedVersion) {
      throw new VersionConflictError(
        `the boundings of skill ${id} changed in CXone since they were read (version ${expectedVersion}, now ${currentVersion})`,
      );
    }
    const { apiBase } = await api();
    const url = timeZonesUrl(apiBase, id);
    await put(url, timeZonesPutBody(curfews));
    let stored: TimeZoneSetting[] | undefined;
    try {
      stored = await getTimeZones(id);
    } catch (err) {
      throw new OutcomeUnknownError(
        `PUT ${redactUrl(url)} was accepted, but reading it back failed (${(err as Error).message})`,
        { cause: err },
      );
    }
    if (stored === undefined) throw new NotFoundError(`skill ${id} was written but is gone when read back`);
    const written = liveCurfews(stored);
    if (!curfewsEqual(written.curfews, curfews)) {
      throw new ReadBackMismatchError(
        `CXone accepted the boundings for skill ${id} but holds others when read back (${describeCurfews(written.curfews)} instead of ${describeCurfews(normalizeCurfews(curfews))})`,
        written,
      );
    }
    return written;
  }

  const target = async (targetOptions: { curfews?: boolean } = {}): Promise<PortTarget> => ({
    scheduleZone: await scheduleZone(),
    ...(targetOptions.curfews === true ? { curfewZones: await curfewZones() } : {}),
  });

  return {
    profile: "cxone-admin",
    capabilities: CAPABILITIES["cxone-admin"],
    target,
    get bulkRead() {
      return bulkRead;
    },
    readCampaign,
    readCampaigns,
    writeSchedule,
    writeCurfews,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

function describeHours(s: Schedule): string {
  const hours = s.dialingHours.map((h) => `${h.day} ${h.startTime}-${h.endTime}`).join(", ") || "no windows";
  return s.scheduled === false ? `${hours}, not scheduled` : hours;
}

/** A skill id as dialwindow keeps it: digits in a string. */
function skillIdOf(value: unknown): string | undefined {
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

/** Refused credentials, no connection at all, discovery: reading other skills would repeat them. */
function isWholeCallFailure(err: unknown): boolean {
  if (err instanceof AuthenticationError || err instanceof DiscoveryError) return true;
  if (err instanceof NetworkError && !(err instanceof TimeoutError)) return true;
  return !(err instanceof DialwindowError);
}

function checkId(id: string): string {
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id))
    throw new UsageError(`a skill id is a string of digits, got ${JSON.stringify(id)}`);
  return id;
}

function checkUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return value;
  } catch {
    // reported below
  }
  throw new UsageError(`${name} must be an http:// or https:// URL`);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name} must be a positive integer, got ${value}`);
  return value;
}
