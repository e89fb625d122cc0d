/**
 * The local CXone simulator's `cxone-admin` profile: the real CXone Admin API's shapes, as NICE's
 * published Admin API Swagger gives them, over real HTTP on 127.0.0.1, with an in-process control
 * surface for tests (seed skills, edit one "by hand in the CXone UI", read the request log, revoke
 * tokens, inject faults).
 *
 * Swagger operations served (under `{api_endpoint}/inContactAPI/services/v{N}.0`):
 * - `get-skills`                                   GET /skills
 * - `get-skills-parameters`                        GET /skills/parameters
 * - `get-skills-id-parameters-schedule-settings`   GET /skills/{skillId}/parameters/schedule-settings
 * - `put-skills-id-parameters-schedule-settings`   PUT /skills/{skillId}/parameters/schedule-settings
 * - `get-skills-id-parameters-time-zones`          GET /skills/{skillId}/parameters/time-zones
 * - `put-skills-id-parameters-time-zones`          PUT /skills/{skillId}/parameters/time-zones
 * - `Business Unit Info`                           GET /business-unit
 * and, outside the Swagger, CXone's discovery (`/.well-known/openid-configuration`,
 * `/.well-known/cxone-configuration?tenantId=`) and token endpoint (password and refresh grants).
 *
 * Stricter than documented, on purpose (a client bug should fail a test, not pass a kind fake):
 * - every API call needs a live Bearer token (401 otherwise); unknown query parameters of
 *   GET /skills are a 400, and so is a missing `mediaTypeId` (the Swagger calls it required);
 * - a page holds at most `maxPageSize` (100) skills whatever `top` asks: the client must follow
 *   `_links.next` / `totalRecords`; an empty page is a 204 without a body (not documented);
 * - the schedule-settings PUT must be `{"scheduleSettings": {...}}` with exactly the 22 fields
 *   (what a partial body does is undocumented), booleans as booleans, times "HH:MM" (or
 *   "HH:MM:SS"), and on an active day the start before the end (no "24:00", no crossing
 *   midnight); anything else is a 400 `{error, error_description}`; the 200 has no body;
 * - a skill that is not Personal Connection (mediaTypeId 4, isOutbound, outboundStrategy
 *   "Personal Connection") answers 404 to its schedule-settings and time-zones, as an unknown
 *   skill does; the bulk read holds PC skills only;
 * - the time-zones PUT must be `{"timeZoneSettings": [...]}` naming only the business unit's zones;
 * - no ETag, If-Match or version anywhere; 429s (rate limit and injected) carry no Retry-After.
 * Where the Swagger says nothing (the time-zones GET answer, the bulk `day` spelling, the token
 * and discovery bodies), the choices are documented at the code that makes them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { systemClock } from "../../util/clock.js";
import { UsageError } from "../../util/errors.js";
import { requestUrl } from "../../util/http-listener.js";
import { type Logger, silentLogger } from "../../util/log.js";
import { admit, breakJson, describeBody, isBreak, listenOrClose, statusReply } from "../fault-steps.js";
import { seededRandom } from "../faults.js";
import { breakConnection, LoopbackServer, writeReply } from "../loopback-server.js";
import { SlidingWindowLimiter } from "../rate-limiter.js";
import type { Reply } from "../reply.js";
import { type RequestCounts, RequestLog, type RequestLogEntry } from "../request-log.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../simulator.js";
import { AdminApi } from "./admin-api.js";
import {
  ADMIN_LOGGED_KINDS,
  type AdminFault,
  AdminFaultQueue,
  type AdminFaultRule,
  type AdminLoggedKind,
} from "./faults.js";
import { IdentityApi } from "./identity-api.js";
import { type AdminRoute, API_ENDPOINT_PATH, adminError, routeAdmin, TOKEN_PATH } from "./routes.js";
import type { ScheduleSettings } from "./schedule-settings.js";
import {
  type AdminSimulatorSettings,
  type BusinessUnit,
  DEFAULT_ADMIN_SETTINGS,
  DEFAULT_BUSINESS_UNIT,
  resolveAdminSettings,
  type TunableAdminSettings,
} from "./settings.js";
import {
  parseSkillId,
  type SkillSeed,
  type SkillSnapshot,
  SkillStore,
  type TimeZoneBinding,
  type TimeZoneBindingInput,
} from "./skill-store.js";
import { AdminTokenStore } from "./tokens.js";

/** The demo access key: the secret has `+` and `/` and ends in `=`, as real ones do, so form-encoding matters. */
export const DEMO_ACCESS_KEY_ID = "DWSIMACCESSKEY0001";
export const DEMO_ACCESS_KEY_SECRET = "dw+sim/Access+Key/Secret/0123456789abcdEF==";
/** The simulated tenant (the `tenantId` claim and the `cxone-configuration?tenantId=` key). */
export const DEMO_TENANT_ID = "11eeb3c1-d1a1-4b6e-9d0a-0242ac110003";

/** The API paths' version when a caller does not name one (`cxone.apiVersion`'s default). */
export const DEFAULT_API_VERSION = "30.0";

export interface AdminSimulatorOptions extends TunableAdminSettings {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number | undefined;
  /** Registered applications, client id -> client secret; default the demo pair (as the tutorial's). */
  clients?: Readonly<Record<string, string>> | undefined;
  /** Access keys, access key id -> secret; default the demo pair. */
  accessKeys?: Readonly<Record<string, string>> | undefined;
  /** Default DEMO_TENANT_ID. */
  tenantId?: string | undefined;
  /** Merged over DEFAULT_BUSINESS_UNIT (Mountain Standard Time, seven US zones). */
  businessUnit?: Partial<BusinessUnit> | undefined;
  skills?: readonly SkillSeed[] | undefined;
  /** The clock (epoch ms) for token expiry, rate-limit windows and the request log; default the system clock. */
  now?: (() => number) | undefined;
  /** Seed of the generator behind `errorRate`; default 1. */
  seed?: number | undefined;
  /** Request-log entries kept (oldest dropped first); counts are never dropped. Default 20,000. */
  requestLogLimit?: number | undefined;
  /** Receives one debug line per request. */
  logger?: Logger | undefined;
}

/** One request as the cxone-admin simulator logged it. */
export interface AdminRequestLogEntry extends RequestLogEntry<AdminLoggedKind> {
  /** The skill of a schedule-settings or time-zones call. */
  skillId: number | undefined;
  /** The `N.0` of `/services/vN.0/`; undefined outside the API. */
  apiVersion: string | undefined;
  /** The Accept header exactly as received. */
  accept: string | undefined;
  /** For API calls: the access key behind the bearer token. (`clientId` is the registered application.) */
  accessKeyId: string | undefined;
}

export type AdminRequestCounts = RequestCounts<AdminLoggedKind>;

export interface AdminSimulator {
  /** The issuer for discovery, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  readonly issuerUrl: string;
  /** What discovery gives as `token_endpoint`. */
  readonly tokenUrl: string;
  /** What discovery gives as `api_endpoint` for the tenant. */
  readonly apiEndpoint: string;
  readonly tenantId: string;
  readonly port: number;
  /** `{apiEndpoint}/inContactAPI/services/v{version}`; default version 30.0. */
  apiBaseUrl(version?: string): string;

  /** Adds skills, or replaces those with the same id. */
  upsertSkills(skills: readonly SkillSeed[]): void;
  /** Replaces every skill. */
  replaceSkills(skills: readonly SkillSeed[]): void;
  /** Deletes a skill (its calls answer 404 afterwards); false when there was none. */
  removeSkill(skillId: number | string): boolean;
  /** A copy of one skill; undefined when unknown. */
  getSkill(skillId: number | string): SkillSnapshot | undefined;
  /** How many skills (of every kind) the simulator holds. */
  skillCount(): number;
  /** A PC skill's schedule-settings as stored (times "HH:MM"); undefined for unknown or non-PC skills. */
  scheduleSettings(skillId: number | string): ScheduleSettings | undefined;
  /**
   * Changes a PC skill's schedule-settings as a person in the CXone UI would: merged over what is
   * stored, unvalidated. Returns the result. Throws for an unknown or non-PC skill.
   */
  editScheduleSettings(skillId: number | string, changes: Partial<ScheduleSettings>): ScheduleSettings;
  /** A PC skill's stored time-zone bindings (undefined: never set, every zone active to call). */
  timeZoneSettings(skillId: number | string): TimeZoneBinding[] | undefined;
  /** Sets a PC skill's time-zone bindings by hand, unvalidated. */
  editTimeZoneSettings(skillId: number | string, bindings: readonly TimeZoneBindingInput[]): void;
  /** The business unit as `GET /business-unit` describes it. */
  businessUnit(): BusinessUnit;
  /** Changes the business unit (its default time zone, say) for requests that arrive afterwards. */
  setBusinessUnit(changes: Partial<BusinessUnit>): void;

  /** Logged requests in arrival order, optionally of one kind. */
  requests(kind?: AdminLoggedKind): AdminRequestLogEntry[];
  /** How many requests (of a kind) arrived since start or the last `clearRequests`. */
  countRequests(kind?: AdminLoggedKind): number;
  /** Counts of every kind at once. */
  requestCounts(): AdminRequestCounts;
  clearRequests(): void;

  /** Invalidates every access and refresh token, or one access key's; returns how many access tokens. */
  revokeTokens(accessKeyId?: string): number;
  /** Every access, id and refresh token handed out so far (for tests that prove none leaks). */
  issuedTokens(): readonly string[];
  /** Queues misbehaviour for upcoming requests (see AdminFaultRule). */
  injectFault(rule: AdminFaultRule): void;
  /** Uses of injected faults not yet consumed. */
  pendingFaults(): number;
  clearFaults(): void;
  /** Changes settings while running; applies to requests that arrive afterwards. */
  configure(changes: TunableAdminSettings): void;
  settings(): Readonly<AdminSimulatorSettings>;

  /** Stops listening and destroys every connection, hung ones included. Safe to call more than once. */
  close(): Promise<void>;
}

/** Starts a cxone-admin simulator on 127.0.0.1 and resolves once it is listening. */
export async function startAdminSimulator(options: AdminSimulatorOptions = {}): Promise<AdminSimulator> {
  const simulator = new RunningAdminSimulator(options, resolveAdminSettings(DEFAULT_ADMIN_SETTINGS, options));
  return listenOrClose(simulator, options.port);
}

class RunningAdminSimulator implements AdminSimulator {
  readonly #settings: AdminSimulatorSettings;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #store = new SkillStore();
  readonly #tokens: AdminTokenStore;
  readonly #limiter = new SlidingWindowLimiter();
  readonly #faults = new AdminFaultQueue();
  readonly #log: RequestLog<AdminLoggedKind, AdminRequestLogEntry>;
  readonly #server: LoopbackServer;
  readonly #identity: IdentityApi;
  readonly #api: AdminApi;
  readonly tenantId: string;
  #businessUnit: BusinessUnit;

  constructor(options: AdminSimulatorOptions, settings: AdminSimulatorSettings) {
    this.#settings = settings;
    this.#now = options.now ?? systemClock.now;
    this.#logger = options.logger ?? silentLogger();
    this.tenantId = options.tenantId ?? DEMO_TENANT_ID;
    this.#businessUnit = mergeBusinessUnit(DEFAULT_BUSINESS_UNIT, options.businessUnit ?? {});
    this.#store.replace(options.skills ?? []);
    this.#tokens = new AdminTokenStore(this.#now);
    const limit = options.requestLogLimit ?? 20_000;
    if (!(limit > 0)) throw new UsageError(`simulator requestLogLimit must be positive, got ${limit}`);
    this.#log = new RequestLog(limit, ADMIN_LOGGED_KINDS);
    this.#server = new LoopbackServer((req, res) => this.#serve(req, res), this.#logger);
    const businessUnit = () => this.#businessUnit;
    this.#identity = new IdentityApi({
      tokens: this.#tokens,
      settings: this.#settings,
      clients: new Map(Object.entries(options.clients ?? { [DEMO_CLIENT_ID]: DEMO_CLIENT_SECRET })),
      accessKeys: new Map(
        Object.entries(options.accessKeys ?? { [DEMO_ACCESS_KEY_ID]: DEMO_ACCESS_KEY_SECRET }),
      ),
      tenantId: this.tenantId,
      businessUnitId: () => this.#businessUnit.businessUnitId,
      // A function: the port is known only once listening.
      urls: () => ({ issuer: this.issuerUrl, tokenEndpoint: this.tokenUrl, apiEndpoint: this.apiEndpoint }),
    });
    this.#api = new AdminApi({
      store: this.#store,
      tokens: this.#tokens,
      limiter: this.#limiter,
      settings: this.#settings,
      businessUnit,
      tenantId: this.tenantId,
      now: this.#now,
      random: seededRandom(options.seed ?? 1),
    });
  }

  get issuerUrl(): string {
    return this.#server.origin;
  }

  get tokenUrl(): string {
    return `${this.#server.origin}${TOKEN_PATH}`;
  }

  get apiEndpoint(): string {
    return `${this.#server.origin}${API_ENDPOINT_PATH}`;
  }

  get port(): number {
    return this.#server.port;
  }

  apiBaseUrl(version = DEFAULT_API_VERSION): string {
    return `${this.apiEndpoint}/inContactAPI/services/v${version}`;
  }

  listen(port: number): Promise<void> {
    return this.#server.listen(port);
  }

  upsertSkills(skills: readonly SkillSeed[]): void {
    this.#store.upsert(skills);
  }

  replaceSkills(skills: readonly SkillSeed[]): void {
    this.#store.replace(skills);
  }

  removeSkill(skillId: number | string): boolean {
    const id = parseSkillId(skillId);
    return id !== undefined && this.#store.remove(id);
  }

  getSkill(skillId: number | string): SkillSnapshot | undefined {
    const id = parseSkillId(skillId);
    return id === undefined ? undefined : this.#store.snapshot(id);
  }

  skillCount(): number {
    return this.#store.size;
  }

  scheduleSettings(skillId: number | string): ScheduleSettings | undefined {
    return this.getSkill(skillId)?.scheduleSettings;
  }

  editScheduleSettings(skillId: number | string, changes: Partial<ScheduleSettings>): ScheduleSettings {
    const id = requireId(skillId);
    const current = this.#store.snapshot(id)?.scheduleSettings;
    const next = { ...(current as ScheduleSettings), ...structuredClone(changes) };
    this.#store.writeSchedule(id, next); // throws for an unknown or non-PC skill
    return structuredClone(next);
  }

  timeZoneSettings(skillId: number | string): TimeZoneBinding[] | undefined {
    return this.getSkill(skillId)?.timeZoneSettings;
  }

  editTimeZoneSettings(skillId: number | string, bindings: readonly TimeZoneBindingInput[]): void {
    this.#store.writeTimeZones(
      requireId(skillId),
      bindings.map((binding) => ({
        standardName: binding.standardName,
        timeZoneActiveToCall: binding.timeZoneActiveToCall ?? true,
        overrideTime: binding.overrideTime ?? false,
        startTime: binding.startTime ?? null,
        endTime: binding.endTime ?? null,
      })),
    );
  }

  businessUnit(): BusinessUnit {
    return structuredClone(this.#businessUnit);
  }

  setBusinessUnit(changes: Partial<BusinessUnit>): void {
    this.#businessUnit = mergeBusinessUnit(this.#businessUnit, changes);
  }

  requests(kind?: AdminLoggedKind): AdminRequestLogEntry[] {
    return this.#log.entries(kind);
  }

  countRequests(kind?: AdminLoggedKind): number {
    return this.#log.count(kind);
  }

  requestCounts(): AdminRequestCounts {
    return this.#log.counts();
  }

  clearRequests(): void {
    this.#log.clear();
  }

  revokeTokens(accessKeyId?: string): number {
    return this.#tokens.revoke(accessKeyId);
  }

  issuedTokens(): readonly string[] {
    return this.#tokens.issued();
  }

  injectFault(rule: AdminFaultRule): void {
    this.#faults.add(rule);
  }

  pendingFaults(): number {
    return this.#faults.pending();
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  configure(changes: TunableAdminSettings): void {
    Object.assign(this.#settings, resolveAdminSettings(this.#settings, changes));
  }

  settings(): Readonly<AdminSimulatorSettings> {
    return { ...this.#settings };
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const method = req.method ?? "GET";
    // A target that is not a path (`//[`) is the client's mistake: a 400, never a crash or a 500.
    const routed: AdminRoute =
      url === undefined
        ? {
            kind: "other",
            skillId: undefined,
            apiVersion: undefined,
            refusal: adminError(400, "BadRequest", "the request target is not a valid path"),
          }
        : routeAdmin(method, url.pathname);
    const query = url?.searchParams ?? new URLSearchParams();
    const entry = this.#log.begin({
      at: this.#now(),
      method,
      path: url?.pathname ?? req.url ?? "",
      query: Object.fromEntries(query),
      kind: routed.kind,
      ifMatch: req.headers["if-match"],
      skillId: routed.skillId,
      apiVersion: routed.apiVersion,
      accept: req.headers.accept,
      accessKeyId: undefined,
    });
    const admitted = await admit(req, {
      entry,
      refusal: routed.refusal,
      tooLarge: adminError(413, "PayloadTooLarge", "the body exceeds 1 MiB"),
      // Secrets never reach the log: the token request's password, client secret and refresh token.
      describeBody: (body) =>
        describeBody(body, routed.kind === "token", ["password", "client_secret", "refresh_token"]),
      latencyMs: this.#settings.latencyMs,
      closing: this.#server.closing,
      // Only asked once the route is known to be served (no refusal).
      takeFault: () =>
        routed.refusal === undefined
          ? this.#faults.take({ kind: routed.kind, skillId: routed.skillId })
          : undefined,
      describeFault,
      statusReply: (f) =>
        statusReply(f, { error: "InjectedFault", error_description: `injected ${f.status}` }),
      send: (reply) => this.#send(res, entry, reply),
    });
    // (A refused route was answered by admit; the second test only tells the compiler so.)
    if (admitted === undefined || routed.refusal !== undefined) return;
    const { body, fault } = admitted;
    if (fault?.type === "edit" && fault.after !== true) this.#handEdit(fault, routed.skillId, entry);
    let reply: Reply;
    if (routed.kind === "discovery") {
      reply = this.#identity.discovery(url?.pathname ?? "", query);
    } else if (routed.kind === "token") {
      const outcome = this.#identity.token(req.headers, body);
      entry.clientId = outcome.clientId;
      reply = outcome.reply;
    } else {
      const outcome = this.#api.handle({
        kind: routed.kind,
        skillId: routed.skillId,
        headers: req.headers,
        url: new URL(`${this.#server.origin}${url?.pathname ?? ""}${url?.search ?? ""}`),
        body,
        ignoreWrite: fault?.type === "ignore-write",
      });
      entry.clientId = outcome.clientId;
      entry.accessKeyId = outcome.accessKeyId;
      if (outcome.fault !== undefined) entry.fault = outcome.fault;
      reply = outcome.reply;
    }
    if (fault?.type === "edit" && fault.after === true) this.#handEdit(fault, routed.skillId, entry);
    if (isBreak(fault)) {
      breakConnection(req, fault.type);
      return;
    }
    if (fault?.type === "malformed-json") reply = breakJson(reply);
    this.#send(res, entry, reply);
  }

  // Saturday toggled unless the rule says what to change: a change every normalisation keeps.
  #handEdit(
    fault: Extract<AdminFault, { type: "edit" }>,
    skillId: number | undefined,
    entry: AdminRequestLogEntry,
  ) {
    const current = skillId === undefined ? undefined : this.scheduleSettings(skillId);
    if (current === undefined || skillId === undefined) {
      entry.fault = "edit skipped: no such Personal Connection skill";
      return;
    }
    if (fault.timeZones !== undefined) this.editTimeZoneSettings(skillId, fault.timeZones);
    if (fault.settings !== undefined || fault.timeZones === undefined)
      this.editScheduleSettings(skillId, fault.settings ?? { saturdayIsActive: !current.saturdayIsActive });
  }

  #send(res: ServerResponse, entry: AdminRequestLogEntry, reply: Reply): void {
    entry.status = reply.status;
    this.#logger.debug(
      {
        method: entry.method,
        path: entry.path,
        kind: entry.kind,
        status: reply.status,
        skillId: entry.skillId,
      },
      "simulator request",
    );
    writeReply(res, reply);
  }
}

function requireId(skillId: number | string): number {
  const id = parseSkillId(skillId);
  if (id === undefined) throw new UsageError(`skill id ${JSON.stringify(skillId)} is not a positive integer`);
  return id;
}

function mergeBusinessUnit(base: Readonly<BusinessUnit>, changes: Partial<BusinessUnit>): BusinessUnit {
  const merged = structuredClone({ ...base, ...changes });
  if (!merged.timeZones.some((zone) => zone.standardName === merged.defaultTimeZone)) {
    throw new UsageError(
      `the business unit's defaultTimeZone ${merged.defaultTimeZone} is not one of its timeZones' standardName`,
    );
  }
  return merged;
}

function describeFault(fault: AdminFault): string {
  if (fault.type === "status") return `status ${fault.status}`;
  if (fault.type === "edit") return fault.after === true ? "edit after" : "edit before";
  return fault.type;
}
