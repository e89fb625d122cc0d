/**
 * The desired-state documents exactly as written in YAML (after schema validation). These are
 * not what the planner compares: see model.ts for the normalised values built from them.
 */
import type { PauseCondition, Weekday } from "./schedule.js";

export const API_VERSION = "dialwindow/v1";

export interface DialingHoursDocument {
  days: Weekday[];
  start: string;
  end: string;
}

export interface CampaignScheduleDocument {
  apiVersion: typeof API_VERSION;
  kind: "CampaignSchedule";
  metadata: {
    name: string;
    /** The CXone id under the tutorial profile. Exactly one of campaignId and skillId. */
    campaignId?: string;
    /** The PC skill id under the cxone-admin profile. */
    skillId?: string;
    description?: string;
    labels?: Record<string, string>;
  };
  spec: {
    timezone: string;
    dialingHours: DialingHoursDocument[];
    pauseConditions?: PauseCondition[];
    recipients?: { timezones?: string[]; regions?: string[] };
    holidays?: { calendars?: string[]; dates?: string[] };
    overrides?: OverrideDocument[];
    /** Whether dialwindow keeps the skill's recipient time-zone boundings (default policy.curfews). */
    curfews?: CurfewsMode;
  };
}

export type CurfewsMode = "managed" | "unmanaged";

/** The CXone id a CampaignSchedule names, and under which key (undefined when it names none). */
export function liveIdOf(metadata: CampaignScheduleDocument["metadata"]): string | undefined {
  return metadata.campaignId ?? metadata.skillId;
}

export interface OverrideDocument {
  name: string;
  from: string;
  to: string;
  dialingHours: DialingHoursDocument[];
}

export interface HolidayCalendarDocument {
  apiVersion: typeof API_VERSION;
  kind: "HolidayCalendar";
  metadata: { name: string; description?: string };
  spec: { holidays: { date: string; name: string }[] };
}

export interface CallingPolicyRuleDocument {
  name: string;
  description?: string;
  citation?: string;
  /** ISO 3166-2 codes (US-FL). Absent: the rule applies to every recipient. */
  regions?: string[];
  allowedHours?: { start: string; end: string };
  noCallDays?: Weekday[];
  noCallDates?: { calendars?: string[]; dates?: string[] };
}

export interface CallingPolicyDocument {
  apiVersion: typeof API_VERSION;
  kind: "CallingPolicy";
  metadata: { name: string; description?: string };
  spec: { disclaimer?: string; rules: CallingPolicyRuleDocument[] };
}

export interface SyncWindowDocument {
  kind: "deny";
  timezone: string;
  days: Weekday[];
  start: string;
  end: string;
}

export interface WebhookTargetDocument {
  name: string;
  url: string;
  secretEnv: string;
  timeout?: string;
  maxAttempts?: number;
}

export interface ConfigDocument {
  apiVersion: typeof API_VERSION;
  kind: "Config";
  cxone?: {
    profile?: "tutorial" | "cxone-admin";
    issuer?: string;
    apiVersion?: string;
    scheduleTimezone?: string;
    apiUrl?: string;
    tokenUrl?: string;
    scope?: string;
    requestsPerMinute?: number;
    concurrency?: number;
    pageSize?: number;
    timeout?: string;
    maxResponseBytes?: { token?: number; campaign?: number; list?: number; bulk?: number };
  };
  limits?: { maxDialingBlocks?: number; maxFileBytes?: number };
  policy?: { callingHours?: "enforce" | "off"; packs?: string[]; curfews?: CurfewsMode };
  webhooks?: WebhookTargetDocument[];
  audit?: { enabled?: boolean; branch?: string; path?: string; push?: boolean };
  reconcile?: {
    mode?: "enforce" | "report";
    resyncInterval?: string;
    gitInterval?: string;
    debounce?: string;
    syncWindows?: SyncWindowDocument[];
  };
}

export type AnyDocument =
  | CampaignScheduleDocument
  | HolidayCalendarDocument
  | CallingPolicyDocument
  | ConfigDocument;

export type DocumentKind = AnyDocument["kind"];

/** The configuration file at the top of a desired-state directory. */
export const CONFIG_FILE = "dialwindow.yaml";

/** Which folder holds which kind of document. */
export const DOCUMENT_FOLDERS: Readonly<Record<string, DocumentKind>> = {
  campaigns: "CampaignSchedule",
  calendars: "HolidayCalendar",
  policies: "CallingPolicy",
};
