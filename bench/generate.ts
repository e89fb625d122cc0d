/**
 * Writes a desired-state repository of N campaigns with the mix a US contact centre has:
 * five time zones, one or two windows per weekday, weekends for some, recipients in one or
 * two zones, state regions with stricter rules, a federal and a company holiday calendar, a
 * company no-holiday-calls policy, and seasonal overrides. Every campaign is valid and
 * policy-compliant with no warnings: windows are derived from the calling-hours bounds of
 * every recipient zone in winter and in summer, and every override lists each weekday the
 * weekly hours have (or validate would warn DW124).
 *
 * Deterministic: the same N and seed always give the same files.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Random } from "./random.js";

interface Zone {
  name: string;
  short: string;
  /** UTC offsets in hours, in winter and in summer. */
  winter: number;
  summer: number;
  regions: readonly string[];
  neighbours: readonly string[];
  weight: number;
}

const ZONES: readonly Zone[] = [
  {
    name: "America/New_York",
    short: "east",
    winter: -5,
    summer: -4,
    regions: ["US-NY", "US-GA", "US-FL", "US-NC"],
    neighbours: ["America/Chicago"],
    weight: 35,
  },
  {
    name: "America/Chicago",
    short: "central",
    winter: -6,
    summer: -5,
    regions: ["US-TX", "US-OK", "US-AL", "US-MS", "US-LA", "US-IL"],
    neighbours: ["America/New_York", "America/Denver"],
    weight: 30,
  },
  {
    name: "America/Denver",
    short: "mountain",
    winter: -7,
    summer: -6,
    regions: ["US-CO", "US-UT"],
    neighbours: ["America/Chicago", "America/Los_Angeles", "America/Phoenix"],
    weight: 10,
  },
  {
    name: "America/Phoenix",
    short: "arizona",
    winter: -7,
    summer: -7,
    regions: ["US-AZ"],
    neighbours: ["America/Los_Angeles", "America/Denver"],
    weight: 5,
  },
  {
    name: "America/Los_Angeles",
    short: "west",
    winter: -8,
    summer: -7,
    regions: ["US-CA", "US-WA", "US-OR"],
    neighbours: ["America/Denver", "America/Phoenix"],
    weight: 20,
  },
];

const TEAMS = ["collections", "care", "sales", "retention", "surveys"] as const;
const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
type Day = (typeof WEEKDAYS)[number];
const PAUSE = ["NO_ANSWER", "BUSY", "DISCONNECTED", "ANSWERING_MACHINE"] as const;
/** Regions whose pack rule ends calls at 20:00 (us-states: Florida, Oklahoma). */
const EARLY_CLOSE = new Set(["US-FL", "US-OK"]);
/** Regions with no Sunday calls (us-states: Alabama, Louisiana, Mississippi). */
const NO_SUNDAY = new Set(["US-AL", "US-LA", "US-MS"]);

export const FEDERAL_HOLIDAYS: ReadonlyArray<readonly [string, string]> = [
  ["2026-01-01", "New Year's Day"],
  ["2026-01-19", "Martin Luther King Jr. Day"],
  ["2026-02-16", "Washington's Birthday"],
  ["2026-05-25", "Memorial Day"],
  ["2026-06-19", "Juneteenth"],
  ["2026-07-03", "Independence Day (observed)"],
  ["2026-09-07", "Labor Day"],
  ["2026-10-12", "Columbus Day"],
  ["2026-11-11", "Veterans Day"],
  ["2026-11-26", "Thanksgiving Day"],
  ["2026-12-25", "Christmas Day"],
  ["2027-01-01", "New Year's Day"],
  ["2027-01-18", "Martin Luther King Jr. Day"],
  ["2027-02-15", "Washington's Birthday"],
  ["2027-05-31", "Memorial Day"],
  ["2027-06-18", "Juneteenth (observed)"],
  ["2027-07-05", "Independence Day (observed)"],
  ["2027-09-06", "Labor Day"],
  ["2027-10-11", "Columbus Day"],
  ["2027-11-11", "Veterans Day"],
  ["2027-11-25", "Thanksgiving Day"],
  ["2027-12-24", "Christmas Day (observed)"],
  ["2027-12-31", "New Year's Day 2028 (observed)"],
];

export const COMPANY_HOLIDAYS: ReadonlyArray<readonly [string, string]> = [
  ["2026-12-24", "Christmas Eve"],
  ["2026-12-31", "New Year's Eve"],
  ["2027-11-26", "Day after Thanksgiving"],
  ["2027-12-23", "Christmas Eve (observed)"],
];

/** Extra per-campaign closures, none of them already in a calendar. */
const EXTRA_DATES = ["2026-12-23", "2027-07-02", "2027-12-30"] as const;

/** Seasonal overrides; their ranges never overlap one another. */
const OVERRIDES = [
  { name: "holiday-peak", from: "2026-12-14", to: "2026-12-23" },
  { name: "year-end", from: "2026-12-28", to: "2027-01-08" },
  // Spans the 2027 spring DST change.
  { name: "spring-push", from: "2027-03-01", to: "2027-03-14" },
  { name: "back-to-school", from: "2027-08-16", to: "2027-08-27" },
] as const;

export interface GenerateOptions {
  n: number;
  seed: number;
  pageSize: number;
  webhookUrl: string;
  /** Env var holding the webhook secret. */
  webhookSecretEnv: string;
}

export interface GeneratedCampaign {
  id: string;
  name: string;
  /** Local dates the tutorial's loop would be handed as `holidays`. */
  holidays: string[];
}

export interface GeneratedRepo {
  campaigns: GeneratedCampaign[];
  files: number;
}

interface Window {
  start: number;
  end: number;
}

interface HoursEntry {
  days: Day[];
  window: Window;
}

export function campaignId(i: number): string {
  // 18 digits, like real CXone ids: above 2^53, so only ever a string.
  return (700_000_000_000_000_000n + BigInt(i)).toString();
}

export async function generateRepo(dir: string, options: GenerateOptions): Promise<GeneratedRepo> {
  const random = new Random(options.seed);
  await mkdir(join(dir, "calendars"), { recursive: true });
  await mkdir(join(dir, "policies"), { recursive: true });
  await writeFile(join(dir, "dialwindow.yaml"), configYaml(options));
  await writeFile(join(dir, "calendars", "us-federal.yaml"), calendarYaml("us-federal", FEDERAL_HOLIDAYS));
  await writeFile(join(dir, "calendars", "company.yaml"), calendarYaml("company", COMPANY_HOLIDAYS));
  await writeFile(join(dir, "policies", "no-holiday-calls.yaml"), POLICY_YAML);

  const campaigns: GeneratedCampaign[] = [];
  const folders = new Set<string>();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < options.n; i++) {
    const { yaml, campaign, folder, file } = generateCampaign(random, i);
    const path = join(dir, "campaigns", folder);
    if (!folders.has(folder)) {
      folders.add(folder);
      await mkdir(path, { recursive: true });
    }
    pending.push(writeFile(join(path, file), yaml));
    campaigns.push(campaign);
    // Bounded batches: tens of thousands of open writes at once would only exhaust descriptors.
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { campaigns, files: options.n + 4 };
}

function generateCampaign(
  random: Random,
  i: number,
): { yaml: string; campaign: GeneratedCampaign; folder: string; file: string } {
  const zone = random.weighted(ZONES.map((z) => [z, z.weight] as const));
  const team = random.pick(TEAMS);
  const recipients = [zone];
  if (random.chance(0.4)) {
    const other = ZONES.find((z) => z.name === random.pick(zone.neighbours));
    if (other) recipients.push(other);
  }
  const regionPool = recipients.flatMap((z) => z.regions);
  const regions = random.chance(0.5)
    ? [...new Set([random.pick(regionPool), ...(random.chance(0.3) ? [random.pick(regionPool)] : [])])]
    : [];
  const cap = regions.some((r) => EARLY_CLOSE.has(r)) ? 20 : 21;
  const sundayAllowed = !regions.some((r) => NO_SUNDAY.has(r));

  // The widest campaign-local window that is legal for every recipient zone, in winter and in
  // summer: a window [s, e) reaches a zone d hours ahead at [s+d, e+d).
  let lo = 8 * 60;
  let hi = cap * 60;
  for (const r of recipients) {
    const dWinter = r.winter - zone.winter;
    const dSummer = r.summer - zone.summer;
    lo = Math.max(lo, (8 - Math.min(dWinter, dSummer)) * 60);
    hi = Math.min(hi, (cap - Math.max(dWinter, dSummer)) * 60);
  }

  const hours = weeklyHours(random, lo, hi, sundayAllowed);
  const weeklyDays = WEEKDAYS.filter((d) => hours.some((h) => h.days.includes(d)));
  const pause = PAUSE.filter(() => random.chance(0.5));
  if (pause.length === 0) pause.push("NO_ANSWER");

  const calendars = ["us-federal", ...(random.chance(0.3) ? ["company"] : [])];
  const dates = random.chance(0.2) ? [random.pick(EXTRA_DATES)] : [];
  const overrideCount = random.chance(0.25) ? (random.chance(0.2) ? 2 : 1) : 0;
  const overrides = random.sample(OVERRIDES.length, overrideCount).map((k) => {
    const o = OVERRIDES[k] as (typeof OVERRIDES)[number];
    // Longer hours, on every day the weekly hours have: nothing is closed by the override.
    const window = { start: lo, end: hi - (random.chance(0.5) ? 60 : 0) };
    return { ...o, hours: [{ days: weeklyDays, window }] };
  });

  const name = `${team}-${zone.short}-${String(i).padStart(6, "0")}`;
  const id = campaignId(i);
  const holidays = [
    ...FEDERAL_HOLIDAYS.map(([d]) => d),
    ...(calendars.includes("company") ? COMPANY_HOLIDAYS.map(([d]) => d) : []),
    ...dates,
  ];

  const lines = [
    "apiVersion: dialwindow/v1",
    "kind: CampaignSchedule",
    "metadata:",
    `  name: ${name}`,
    `  campaignId: "${id}"`,
    ...(random.chance(0.5) ? [`  description: ${team} outreach, ${zone.short} desk.`] : []),
    `  labels: { team: ${team}, region: ${zone.short} }`,
    "spec:",
    `  timezone: ${zone.name}`,
    "  dialingHours:",
    ...hours.flatMap((h) => [
      `    - days: [${h.days.join(", ")}]`,
      `      start: "${hhmm(h.window.start)}"`,
      `      end: "${hhmm(h.window.end)}"`,
    ]),
    `  pauseConditions: [${pause.join(", ")}]`,
    "  recipients:",
    `    timezones: [${recipients.map((z) => z.name).join(", ")}]`,
    ...(regions.length > 0 ? [`    regions: [${regions.join(", ")}]`] : []),
    "  holidays:",
    `    calendars: [${calendars.join(", ")}]`,
    ...(dates.length > 0 ? [`    dates: [${dates.map((d) => `"${d}"`).join(", ")}]`] : []),
    ...(overrides.length > 0 ? ["  overrides:"] : []),
    ...overrides.flatMap((o) => [
      `    - name: ${o.name}`,
      `      from: "${o.from}"`,
      `      to: "${o.to}"`,
      "      dialingHours:",
      ...o.hours.map(
        (h) =>
          `        - { days: [${h.days.join(", ")}], start: "${hhmm(h.window.start)}", end: "${hhmm(h.window.end)}" }`,
      ),
    ]),
  ];
  return {
    yaml: `${lines.join("\n")}\n`,
    campaign: { id, name, holidays },
    folder: join(team, zone.short),
    file: `${name}.yaml`,
  };
}

/** One or two windows per weekday, a Saturday for half, a Sunday for some where it is legal. */
function weeklyHours(random: Random, lo: number, hi: number, sundayAllowed: boolean): HoursEntry[] {
  let start = lo + 30 * random.int(0, 4);
  let end = hi - 30 * random.int(0, 4);
  if (end - start < 6 * 60) {
    start = lo;
    end = hi;
  }
  const weekdays: Day[] = ["MON", "TUE", "WED", "THU", "FRI"];
  const shape = random.weighted([
    ["one", 50],
    ["lunch", 30],
    ["short-friday", 20],
  ] as const);
  const out: HoursEntry[] = [];
  if (shape === "lunch" && start <= 11 * 60 && end >= 14 * 60) {
    out.push({ days: weekdays, window: { start, end: 12 * 60 } });
    out.push({ days: weekdays, window: { start: 13 * 60, end } });
  } else if (shape === "short-friday" && end - 120 >= start + 60) {
    out.push({ days: ["MON", "TUE", "WED", "THU"], window: { start, end } });
    out.push({ days: ["FRI"], window: { start, end: end - 120 } });
  } else {
    out.push({ days: weekdays, window: { start, end } });
  }
  if (random.chance(0.5)) {
    out.push({
      days: ["SAT"],
      window: { start: Math.max(lo, 10 * 60), end: Math.min(hi, 14 * 60 + 30 * random.int(0, 4)) },
    });
  }
  if (sundayAllowed && random.chance(0.15)) {
    out.push({ days: ["SUN"], window: { start: Math.max(lo, 12 * 60), end: Math.min(hi, 17 * 60) } });
  }
  return out;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function configYaml(o: GenerateOptions): string {
  return `# Generated by npm run bench.
apiVersion: dialwindow/v1
kind: Config
cxone:
  profile: tutorial
  apiUrl: https://bench.invalid/api/v2      # CXONE_API_URL points it at the simulator
  tokenUrl: https://bench.invalid/oauth/token
  # The local simulator has no rate limit; the "at 200 req/min" column is computed instead.
  requestsPerMinute: 100000
  concurrency: 4
  pageSize: ${o.pageSize}
limits:
  maxDialingBlocks: 50
policy:
  callingHours: enforce
  packs: [us-federal, us-states, no-holiday-calls]
webhooks:
  - name: wfm
    url: ${o.webhookUrl}
    secretEnv: ${o.webhookSecretEnv}
audit:
  enabled: true
  branch: dialwindow-audit
  path: audit
  push: true
`;
}

function calendarYaml(name: string, holidays: ReadonlyArray<readonly [string, string]>): string {
  return `apiVersion: dialwindow/v1
kind: HolidayCalendar
metadata:
  name: ${name}
spec:
  holidays:
${holidays.map(([date, label]) => `    - { date: "${date}", name: ${label} }`).join("\n")}
`;
}

const POLICY_YAML = `apiVersion: dialwindow/v1
kind: CallingPolicy
metadata:
  name: no-holiday-calls
spec:
  disclaimer: "Benchmark company policy."
  rules:
    - name: no calls on federal holidays
      noCallDates:
        calendars: [us-federal]
`;
