/** The cxone-admin simulator's knobs: what tests may turn while it runs, and the business unit. */
import { UsageError } from "../../util/errors.js";

export type BulkEndpointMode = "available" | "missing" | "failing";

export interface AdminSimulatorSettings {
  /** Lifetime of access tokens (`expires_in`); default 3600. */
  tokenTtlSeconds: number;
  /** Lifetime of refresh tokens; default 86,400. */
  refreshTokenTtlSeconds: number;
  /** API calls per access key per sliding 60 s (429 without Retry-After beyond); Infinity for none. */
  rpm: number;
  /** The most skills one `GET /skills` page holds: a larger `top` is cut down to it. Default 100. */
  maxPageSize: number;
  /** How an empty `GET /skills` page is answered: 204 without a body (default), or 200 with `skills: []`. */
  emptyPageStatus: 200 | 204;
  /** `GET /skills/parameters`: answered (default), 404 (`missing`) or 500 (`failing`). */
  bulkEndpoint: BulkEndpointMode;
  /** Times in GET answers as "HH:MM:SS" instead of "HH:MM". */
  timesWithSeconds: boolean;
  /** False issues access and id tokens without the `tenantId` claim. */
  tenantIdClaim: boolean;
  /** Delay before every answer. */
  latencyMs: number;
  /** Share of API calls (0..1) answered with a random 500 or 503. */
  errorRate: number;
}

export const DEFAULT_ADMIN_SETTINGS: Readonly<AdminSimulatorSettings> = {
  tokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 86_400,
  // No limit is documented; this leaves dialwindow's default budget of 180 room, as the tutorial does.
  rpm: 200,
  maxPageSize: 100,
  emptyPageStatus: 204,
  bulkEndpoint: "available",
  timesWithSeconds: false,
  tenantIdClaim: true,
  latencyMs: 0,
  errorRate: 0,
};

export type TunableAdminSettings = {
  [K in keyof AdminSimulatorSettings]?: AdminSimulatorSettings[K] | undefined;
};

/** One of the business unit's recipient time zones (Windows ids, as the API names them). */
export interface BusinessUnitTimeZone {
  displayName: string;
  standardName: string;
}

export interface BusinessUnit {
  businessUnitId: number;
  businessUnitName: string;
  /** A Windows zone id, e.g. "Mountain Standard Time": the zone schedule-settings are read in. */
  defaultTimeZone: string;
  timeZones: BusinessUnitTimeZone[];
}

export const DEFAULT_BUSINESS_UNIT: Readonly<BusinessUnit> = {
  businessUnitId: 4_600_001,
  businessUnitName: "dialwindow simulator",
  defaultTimeZone: "Mountain Standard Time",
  timeZones: [
    { displayName: "(UTC-10:00) Hawaii", standardName: "Hawaiian Standard Time" },
    { displayName: "(UTC-09:00) Alaska", standardName: "Alaskan Standard Time" },
    { displayName: "(UTC-08:00) Pacific Time (US & Canada)", standardName: "Pacific Standard Time" },
    { displayName: "(UTC-07:00) Arizona", standardName: "US Mountain Standard Time" },
    { displayName: "(UTC-07:00) Mountain Time (US & Canada)", standardName: "Mountain Standard Time" },
    { displayName: "(UTC-06:00) Central Time (US & Canada)", standardName: "Central Standard Time" },
    { displayName: "(UTC-05:00) Eastern Time (US & Canada)", standardName: "Eastern Standard Time" },
  ],
};

export function resolveAdminSettings(
  base: Readonly<AdminSimulatorSettings>,
  changes: TunableAdminSettings,
): AdminSimulatorSettings {
  const pick = <K extends keyof AdminSimulatorSettings>(key: K): AdminSimulatorSettings[K] =>
    changes[key] ?? base[key];
  const rpm = pick("rpm");
  if (!(rpm > 0)) throw new UsageError(`simulator rpm must be positive (or Infinity), got ${rpm}`);
  const errorRate = pick("errorRate");
  if (!(errorRate >= 0 && errorRate <= 1)) {
    throw new UsageError(`simulator errorRate must be between 0 and 1, got ${errorRate}`);
  }
  const emptyPageStatus = pick("emptyPageStatus");
  if (emptyPageStatus !== 200 && emptyPageStatus !== 204) {
    throw new UsageError(`simulator emptyPageStatus must be 200 or 204, got ${String(emptyPageStatus)}`);
  }
  const bulkEndpoint = pick("bulkEndpoint");
  if (!["available", "missing", "failing"].includes(bulkEndpoint)) {
    throw new UsageError(
      `simulator bulkEndpoint must be available, missing or failing, got ${String(bulkEndpoint)}`,
    );
  }
  const maxPageSize = pick("maxPageSize");
  if (!(Number.isInteger(maxPageSize) && maxPageSize > 0)) {
    throw new UsageError(`simulator maxPageSize must be a positive integer, got ${maxPageSize}`);
  }
  return {
    tokenTtlSeconds: positive(pick("tokenTtlSeconds"), "tokenTtlSeconds"),
    refreshTokenTtlSeconds: positive(pick("refreshTokenTtlSeconds"), "refreshTokenTtlSeconds"),
    rpm,
    maxPageSize,
    emptyPageStatus,
    bulkEndpoint,
    timesWithSeconds: pick("timesWithSeconds"),
    tenantIdClaim: pick("tenantIdClaim"),
    latencyMs: nonNegative(pick("latencyMs"), "latencyMs"),
    errorRate,
  };
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new UsageError(`simulator ${name} must be positive, got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0)) throw new UsageError(`simulator ${name} must be zero or more, got ${value}`);
  return value;
}
