/**
 * The local CXone simulator's `cxone-admin` profile: the real CXone Admin API's shapes, as NICE's
 * published Admin API Swagger gives them, over real HTTP on 127.0.0.1, with an in-process control
 * surface for tests (seed skills, edit one "by hand in the CXone UI", read the request log, revoke
 * tokens, inject faults). This file assembles it and implements that surface; the surface itself
 * is declared in simulator-contract.ts, and one request's path through it is request-pipeline.ts.
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
import { systemClock } from "../../util/clock.js";
import { UsageError } from "../../util/errors.js";
import { type Logger, silentLogger } from "../../util/log.js";
import { listenOrClose } from "../fault-steps.js";
import { seededRandom } from "../faults.js";
import { LoopbackServer } from "../loopback-server.js";
import { SlidingWindowLimiter } from "../rate-limiter.js";
import { RequestLog } from "../request-log.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../simulator.js";
import { AdminApi } from "./admin-api.js";
import { ADMIN_LOGGED_KINDS, AdminFaultQueue, type AdminFaultRule, type AdminLoggedKind } from "./faults.js";
import { IdentityApi } from "./identity-api.js";
import { type AdminServeDeps, serveAdminRequest } from "./request-pipeline.js";
import { API_ENDPOINT_PATH, TOKEN_PATH } from "./routes.js";
import type { ScheduleSettings } from "./schedule-settings.js";
import {
  type AdminSimulatorSettings,
  type BusinessUnit,
  DEFAULT_ADMIN_SETTINGS,
  DEFAULT_BUSINESS_UNIT,
  resolveAdminSettings,
  type TunableAdminSettings,
} from "./settings.js";
import type {
  AdminRequestCounts,
  AdminRequestLogEntry,
  AdminSimulator,
  AdminSimulatorOptions,
} from "./simulator-contract.js";
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
  readonly #pipeline: AdminServeDeps;
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
    this.#server = new LoopbackServer(
      (req, res) => serveAdminRequest(this.#pipeline, req, res),
      this.#logger,
    );
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
    this.#pipeline = {
      log: this.#log,
      now: this.#now,
      settings: this.#settings,
      server: this.#server,
      faults: this.#faults,
      identity: this.#identity,
      api: this.#api,
      logger: this.#logger,
      skills: this,
    };
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
