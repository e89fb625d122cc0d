/**
 * The files `dialwindow import` writes, as text: a CampaignSchedule per live campaign or PC skill
 * and the dialwindow.yaml beside them. Every value from CXone goes in as a quoted scalar with
 * every control escaped, and nothing that would point a checkout at this machine (a local
 * simulator's URLs) or carry a credential is committed.
 */
import { parseTime } from "../desired/civil-date.js";
import { DEFAULT_ISSUER } from "../desired/config.js";
import type { CurfewsMode } from "../desired/documents.js";
import { normalizeSchedule, type Schedule, WEEKDAYS } from "../desired/schedule.js";
import { toJson } from "../escape/json.js";
import { urlWithoutCredentials } from "../live/http.js";
import type { LiveCampaign } from "../live/port.js";

/**
 * A YAML double-quoted scalar on one line: JSON's escapes (valid YAML 1.2 and 1.1 escapes),
 * plus \u escapes for what JSON leaves raw but a YAML 1.1 parser or a terminal takes as a line
 * break or a control (NEL, C1 controls, LS/PS, bidi and invisible format characters).
 */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Windows grouped by identical hours, so Monday–Friday 08:00–16:00 is one entry. */
export function dialingHoursYaml(schedule: Schedule): string[] {
  const groups = new Map<string, { start: string; end: string; days: string[] }>();
  for (const h of normalizeSchedule(schedule).dialingHours) {
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
export function campaignYaml(
  live: LiveCampaign,
  name: string,
  idKey: "campaignId" | "skillId" = "campaignId",
  curfews?: CurfewsMode,
): string {
  const s = normalizeSchedule(live.schedule);
  const hours = dialingHoursYaml(s);
  return [
    `# Imported from CXone by dialwindow import${live.name ? ` (CXone name: ${yamlString(live.name)})` : ""}.`,
    ...(s.scheduled === false
      ? [
          "# CXone does not apply this schedule now (isScheduled is false): the skill dials whenever it is",
          "# started. The first apply switches the schedule on.",
        ]
      : []),
    ...(idKey === "skillId"
      ? ["# The windows are in the zone CXone reads this tenant's schedules in (cxone.scheduleTimezone)."]
      : []),
    "apiVersion: dialwindow/v1",
    "kind: CampaignSchedule",
    "metadata:",
    `  name: ${name}`,
    `  ${idKey}: ${yamlString(live.id)}`,
    "spec:",
    `  timezone: ${yamlString(s.timezone)}`,
    hours.length > 0 ? "  dialingHours:" : "  dialingHours: []",
    ...hours,
    ...(idKey === "skillId" ? [] : [`  pauseConditions: [${s.pauseConditions.join(", ")}]`]),
    ...(curfews === "managed"
      ? [
          "  # CXone's recipient time-zone boundings were what the calling-hours policy gives; kept so.",
          "  curfews: managed",
        ]
      : curfews === "unmanaged"
        ? [
            "  # CXone's recipient time-zone boundings differ from what the policy gives; left as they are.",
            "  curfews: unmanaged",
          ]
        : []),
    "",
  ].join("\n");
}

export function adminConfigYaml(
  issuer: string | undefined,
  zone: string | undefined,
  maxBlocks: number,
): string {
  const cleaned = issuer ? urlWithoutCredentials(issuer) : undefined;
  return [
    "# Written by dialwindow import. Credentials never go here: use CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET,",
    "# CXONE_CLIENT_ID and CXONE_CLIENT_SECRET.",
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: cxone-admin",
    // A loopback issuer is the importing machine's simulator, never a tenant: not committed.
    ...(cleaned && cleaned.url.replace(/\/+$/, "") !== DEFAULT_ISSUER && !isLocalUrl(cleaned.url)
      ? [`  issuer: ${yamlString(cleaned.url)}`]
      : cleaned && isLocalUrl(cleaned.url)
        ? ["  # issuer: left out (it was this machine at import time); set yours, or CXONE_ISSUER"]
        : []),
    ...(zone
      ? [`  scheduleTimezone: ${yamlString(zone)}   # the zone CXone read the imported schedules in`]
      : []),
    "limits:",
    `  maxDialingBlocks: ${maxBlocks}   # one window a weekday at most; the largest imported skill uses ${maxBlocks}`,
    "",
  ].join("\n");
}

export interface CommittableUrls {
  api: string | undefined;
  token: string | undefined;
  /** Some credential (user:password@, ?access_token=) was cut from a URL. */
  credentialsRemoved: boolean;
  /** URLs on this machine, left out entirely. */
  local: string[];
}

/**
 * The CXone URLs as they may go into a committed dialwindow.yaml. They often come from
 * CXONE_API_URL / CXONE_TOKEN_URL, so any credential they carry is cut, and a URL on this
 * machine (a simulator on 127.0.0.1) is left out: committed, it would point every other
 * checkout, CI job and daemon at nothing.
 */
export function committableUrls(apiUrl: string | undefined, tokenUrl: string | undefined): CommittableUrls {
  const local: string[] = [];
  let credentialsRemoved = false;
  const keep = (url: string | undefined): string | undefined => {
    if (url === undefined) return undefined;
    const cut = urlWithoutCredentials(url);
    credentialsRemoved ||= cut.removed;
    if (isLocalUrl(cut.url)) {
      local.push(cut.url);
      return undefined;
    }
    return cut.url;
  };
  return { api: keep(apiUrl), token: keep(tokenUrl), credentialsRemoved, local };
}

/** localhost, 127.0.0.0/8, ::1 or the unspecified address: this machine, never a tenant. */
export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === "0.0.0.0" ||
    host === "[::1]" ||
    host === "[::]" ||
    host === "[::ffff:7f00:1]"
  );
}

export function configYaml(urls: CommittableUrls, maxBlocks: number): string {
  return [
    "# Written by dialwindow import. Credentials never go here: use CXONE_CLIENT_ID / CXONE_CLIENT_SECRET.",
    ...(urls.credentialsRemoved
      ? [
          "# The CXone URLs carried credentials (user:password@ or a secret query parameter); they were left out",
          "# here. Keep them in CXONE_API_URL / CXONE_TOKEN_URL in the environment if the endpoint needs them.",
        ]
      : []),
    ...(urls.local.length > 0
      ? [
          "# The CXone URLs at import time were on the importing machine (a local simulator?), so apiUrl and",
          "# tokenUrl are left out. Add your tenant's here, or set CXONE_API_URL / CXONE_TOKEN_URL.",
        ]
      : []),
    "apiVersion: dialwindow/v1",
    "kind: Config",
    "cxone:",
    "  profile: tutorial",
    ...(urls.api ? [`  apiUrl: ${yamlString(urls.api)}`] : []),
    ...(urls.token ? [`  tokenUrl: ${yamlString(urls.token)}`] : []),
    "limits:",
    `  maxDialingBlocks: ${maxBlocks}   # your CXone licence tier's cap; the largest imported campaign uses ${maxBlocks}`,
    "",
  ].join("\n");
}
