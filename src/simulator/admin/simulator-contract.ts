/**
 * The cxone-admin simulator as tests and `run.ts` drive it: the options it starts with, the
 * AdminSimulator control surface (seed, edit and inspect skills and the business unit, read the
 * request log, revoke tokens, inject faults, change settings), and the shape of a logged request.
 * The implementation is in simulator.ts; what the simulated API serves is described there.
 */
import type { Logger } from "../../util/log.js";
import type { RequestCounts, RequestLogEntry } from "../request-log.js";
import type { AdminFaultRule, AdminLoggedKind } from "./faults.js";
import type { ScheduleSettings } from "./schedule-settings.js";
import type { AdminSimulatorSettings, BusinessUnit, TunableAdminSettings } from "./settings.js";
import type { SkillSeed, SkillSnapshot, TimeZoneBinding, TimeZoneBindingInput } from "./skill-store.js";

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
