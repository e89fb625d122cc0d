/**
 * dialwindow.yaml with every default filled in. Defaults live here and only here, and the
 * README's Config reference lists the same values.
 */

import { CAPABILITIES, type ProfileName } from "../live/capabilities.js";
import { type Env, readEnv } from "../util/env.js";
import type { ConfigDocument, CurfewsMode, SyncWindowDocument } from "./documents.js";
import { DEFAULT_MAX_FILE_BYTES } from "./read-source.js";

/** A webhook target as dialwindow.yaml configures it; notify/ signs for it (SigningTarget). */
export interface WebhookTarget {
  name: string;
  url: string;
  /** Name of the environment variable holding the `whsec_<base64>` secret. */
  secretEnv: string;
  /** Per-attempt timeout; where unset (only outside a resolved config), the outbox policy's. */
  timeoutMs?: number;
  /** Attempts before a dead letter; where unset, the outbox policy's. */
  maxAttempts?: number;
}

export interface ResolvedConfig {
  cxone: {
    profile: ProfileName;
    /** cxone-admin: where discovery starts (env CXONE_ISSUER overrides). */
    issuer: string | undefined;
    /** cxone-admin: "30.0" in /services/v30.0/. */
    apiVersion: string;
    /** cxone-admin: the zone schedules are read in; undefined: the business unit's. */
    scheduleTimezone: string | undefined;
    apiUrl: string | undefined;
    tokenUrl: string | undefined;
    scope: string;
    requestsPerMinute: number;
    concurrency: number;
    pageSize: number;
    timeoutMs: number;
    /** Largest response body read, per kind of response. */
    maxResponseBytes: ResponseLimits;
  };
  limits: { maxDialingBlocks: number; maxFileBytes: number };
  /** `curfews`: the default of every campaign's spec.curfews. */
  policy: { callingHours: "enforce" | "off"; packs: string[]; curfews: CurfewsMode };
  webhooks: WebhookTarget[];
  audit: { enabled: boolean; branch: string; path: string; push: boolean };
  reconcile: {
    mode: "enforce" | "report";
    resyncIntervalMs: number;
    gitIntervalMs: number;
    debounceMs: number;
    syncWindows: SyncWindowDocument[];
  };
}

/** Largest response body read from CXone, in bytes, per kind of response. */
export interface ResponseLimits {
  /** OAuth token responses. */
  token: number;
  /** One campaign (GET or PATCH). */
  campaign: number;
  /** One page of the campaign (or skill) list. */
  list: number;
  /** cxone-admin's bulk read of every dialer skill's parameters. */
  bulk: number;
}

/**
 * A list page's cap scales with the page size: 32 KiB a campaign is about 15 times what a
 * campaign with 35 dialing blocks takes, room for fields CXone adds that dialwindow ignores.
 */
export const LIST_RESPONSE_BYTES_PER_CAMPAIGN = 32 * 1024;

export function defaultResponseLimits(pageSize: number): ResponseLimits {
  return {
    token: 64 * 1024,
    campaign: 1024 * 1024,
    list: Math.max(1024 * 1024, pageSize * LIST_RESPONSE_BYTES_PER_CAMPAIGN),
    // Every dialer skill's parameter blocks: a few KiB each, so this holds thousands; a larger
    // answer is not read, and the skills are read one by one instead.
    bulk: 32 * 1024 * 1024,
  };
}

export const DEFAULT_SCOPE = "outbound:campaign:read outbound:campaign:write";
export const DEFAULT_ISSUER = "https://cxone.niceincontact.com";
export const DEFAULT_ADMIN_API_VERSION = "30.0";
export const DEFAULT_POLICY_PACKS = ["us-federal", "us-states"];

/** "500ms" | "30s" | "5m" | "1h" to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] as "ms" | "s" | "m" | "h";
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
}

function duration(text: string | undefined, fallback: string): number {
  return parseDuration(text ?? fallback);
}

/**
 * Fills in defaults. `env` overrides the connection URLs (CXONE_API_URL, CXONE_TOKEN_URL,
 * CXONE_ISSUER) so
 * CI and tests can point the same repository at another endpoint. A variable that is set but
 * empty leaves the URL undefined rather than falling back to the YAML (connect says why).
 */
export function resolveConfig(doc: ConfigDocument | undefined, env: Env = {}): ResolvedConfig {
  const c = doc ?? { apiVersion: "dialwindow/v1", kind: "Config" };
  const pageSize = c.cxone?.pageSize ?? 100;
  const profile = c.cxone?.profile ?? "tutorial";
  return {
    cxone: {
      profile,
      issuer: fromEnvOr(env, "CXONE_ISSUER", c.cxone?.issuer ?? DEFAULT_ISSUER),
      apiVersion: c.cxone?.apiVersion ?? DEFAULT_ADMIN_API_VERSION,
      scheduleTimezone: c.cxone?.scheduleTimezone,
      apiUrl: fromEnvOr(env, "CXONE_API_URL", c.cxone?.apiUrl),
      tokenUrl: fromEnvOr(env, "CXONE_TOKEN_URL", c.cxone?.tokenUrl),
      scope: c.cxone?.scope ?? DEFAULT_SCOPE,
      requestsPerMinute: c.cxone?.requestsPerMinute ?? 180,
      concurrency: c.cxone?.concurrency ?? 4,
      pageSize,
      timeoutMs: duration(c.cxone?.timeout, "30s"),
      maxResponseBytes: { ...defaultResponseLimits(pageSize), ...c.cxone?.maxResponseBytes },
    },
    limits: {
      maxDialingBlocks: c.limits?.maxDialingBlocks ?? CAPABILITIES[profile].defaultMaxDialingBlocks,
      maxFileBytes: c.limits?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    },
    policy: {
      callingHours: c.policy?.callingHours ?? "enforce",
      packs: c.policy?.packs ?? DEFAULT_POLICY_PACKS,
      // Unmanaged unless asked: nobody's boundings change on upgrade.
      curfews: c.policy?.curfews ?? "unmanaged",
    },
    webhooks: (c.webhooks ?? []).map((w) => ({
      name: w.name,
      url: w.url,
      secretEnv: w.secretEnv,
      timeoutMs: duration(w.timeout, "10s"),
      maxAttempts: w.maxAttempts ?? 15,
    })),
    audit: {
      enabled: c.audit?.enabled ?? true,
      branch: c.audit?.branch ?? "dialwindow-audit",
      path: c.audit?.path ?? "audit",
      push: c.audit?.push ?? true,
    },
    reconcile: {
      mode: c.reconcile?.mode ?? "enforce",
      resyncIntervalMs: duration(c.reconcile?.resyncInterval, "5m"),
      gitIntervalMs: duration(c.reconcile?.gitInterval, "1m"),
      debounceMs: duration(c.reconcile?.debounce, "500ms"),
      syncWindows: c.reconcile?.syncWindows ?? [],
    },
  };
}

function fromEnvOr(env: Env, name: string, configured: string | undefined): string | undefined {
  const read = readEnv(env, name);
  return read.state === "set" ? read.value : read.state === "blank" ? undefined : configured;
}
