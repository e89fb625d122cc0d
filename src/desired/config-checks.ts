/**
 * The checks on dialwindow.yaml that the commands using it make at run time, as pure
 * functions. validate reports each as a located finding (rules.ts `checkConfig`); the run-time
 * code (webhook targets, the audit trail, the CXone connection, sync windows) calls the same
 * function and refuses with the same words. So a configuration validate passes is never
 * refused by the apply after merge, and the two cannot drift apart.
 */
import { parseTime } from "./civil-date.js";
import { parseDuration } from "./config.js";
import type { ConfigDocument, SyncWindowDocument } from "./documents.js";
import type { Code } from "./findings.js";
import type { DocPath } from "./source.js";
import { isValidZone, zoneSpelling } from "./zone-clock.js";

export type ConfigSection = "cxone" | "limits" | "policy" | "webhooks" | "audit" | "reconcile";

export interface ConfigProblem {
  path: DocPath;
  code: Code;
  message: string;
  /** Point at the key rather than the value (durations: the key names the setting). */
  target: "key" | "value";
}

const problem = (path: DocPath, code: Code, message: string, target: "key" | "value" = "value") => ({
  path,
  code,
  message,
  target,
});

/** The IANA-zone check every zone in the desired state passes (DW110). */
export function zoneProblem(zone: string): string | undefined {
  if (isValidZone(zone)) return undefined;
  const spelling = zoneSpelling(zone);
  if (spelling !== undefined) {
    return `${JSON.stringify(zone)} is not spelled as an IANA time zone: did you mean ${spelling} (zone names are case-sensitive)? CXone receives the name exactly as written here.`;
  }
  const hint = zone.includes("/")
    ? "Check the spelling against the IANA list (e.g. America/Chicago, Europe/London)."
    : "Use an IANA zone name such as America/Chicago, not an abbreviation or offset (CST, UTC-6): abbreviations cannot follow daylight saving time.";
  return `${JSON.stringify(zone)} is not an IANA time zone. ${hint}`;
}

/**
 * `name` (a key such as webhooks[0].url, or an environment variable) must hold an http(s) URL.
 * The value is never quoted: a URL may carry a token.
 */
export function httpUrlProblem(name: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL; write it in full, e.g. https://host.example.com/path.`;
  }
  if (url.protocol === "https:" || url.protocol === "http:") return undefined;
  return `${name} must be an http:// or https:// URL, not ${url.protocol.slice(0, 20)}; dialwindow only speaks HTTP(S).`;
}

/** Webhook targets: http(s) URLs, and names unique (they key each change's deliveries). */
export function webhookProblems(webhooks: readonly { name: string; url: string }[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  webhooks.forEach((w, i) => {
    if (seen.has(w.name)) {
      out.push(
        problem(
          ["webhooks", i, "name"],
          "DW130",
          `webhook target name ${JSON.stringify(w.name)} is used twice; each target needs its own name (deliveries are recorded per name). Rename one.`,
        ),
      );
    }
    seen.add(w.name);
    const url = httpUrlProblem(`webhooks[${i}].url`, w.url);
    if (url) out.push(problem(["webhooks", i, "url"], "DW172", url));
  });
  return out;
}

/**
 * The audit folder as the trail writes it ("audit", "/audit/" and "ops\\audit" are fine), or
 * undefined with the reason in `auditPathProblem`. It must be a folder of its own on the audit
 * branch: never the branch's top, never above it, never inside .git.
 */
export function normalAuditPath(path: string): string | undefined {
  const trimmed = path.replace(/\\/g, "/").replace(/^\/+|\/+$/g, "");
  const parts = trimmed.split("/");
  const bad =
    trimmed === "" ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    /[\u0000-\u001f\u007f]/.test(trimmed) ||
    parts.some((part) => part === "" || part === "." || part === ".." || part.toLowerCase() === ".git");
  return bad ? undefined : trimmed;
}

export function auditPathProblem(path: string): string | undefined {
  if (normalAuditPath(path) !== undefined) return undefined;
  return `audit.path ${JSON.stringify(path)} must be a folder on the audit branch, such as "audit" or "ops/audit": no "." or ".." parts, no empty parts, no ".git" and no control characters.`;
}

/**
 * Why `name` is not a branch name git accepts (`git check-ref-format --branch`), or undefined.
 * Also refuses "@" and "HEAD", which git reads as the current commit on many command lines.
 */
export function branchNameProblem(what: string, name: string): string | undefined {
  const why = branchNameFault(name);
  return why === undefined
    ? undefined
    : `${what} ${JSON.stringify(name)} is not a valid git branch name: ${why}. Use a name such as dialwindow-audit.`;
}

function branchNameFault(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name === "HEAD" || name === "@") return `${name} is reserved by git`;
  if (name.startsWith("-")) return "it starts with -";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name))
    return "it contains a space, a control character or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return 'it contains ".."';
  if (name.includes("@{")) return 'it contains "@{"';
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//"))
    return "it has an empty part (a leading, trailing or doubled /)";
  if (name.endsWith(".")) return "it ends with .";
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return "a part of it starts with .";
    if (part.endsWith(".lock")) return "a part of it ends with .lock";
  }
  return undefined;
}

export function auditProblems(audit: ConfigDocument["audit"]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (audit?.path !== undefined) {
    const p = auditPathProblem(audit.path);
    if (p) out.push(problem(["audit", "path"], "DW173", p));
  }
  if (audit?.branch !== undefined) {
    const p = branchNameProblem("audit.branch", audit.branch);
    if (p) out.push(problem(["audit", "branch"], "DW174", p));
  }
  return out;
}

export function cxoneProblems(cxone: ConfigDocument["cxone"]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (cxone?.scheduleTimezone !== undefined) {
    const p = zoneProblem(cxone.scheduleTimezone);
    if (p) out.push(problem(["cxone", "scheduleTimezone"], "DW110", p));
  }
  for (const key of ["apiUrl", "tokenUrl", "issuer"] as const) {
    const value = cxone?.[key];
    const p = value === undefined ? undefined : httpUrlProblem(`cxone.${key}`, value);
    if (p) out.push(problem(["cxone", key], "DW172", p));
  }
  return out;
}

/** A deny window: a real zone, and an end after its start on the same day. */
export function syncWindowProblems(w: SyncWindowDocument, base: DocPath): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const zone = zoneProblem(w.timezone);
  if (zone) out.push(problem([...base, "timezone"], "DW110", zone));
  const s = parseTime(w.start);
  const e = parseTime(w.end);
  if (s === undefined || e === undefined || s >= e) {
    out.push(
      problem(
        [...base, "end"],
        "DW170",
        `sync window ${w.start}–${w.end} must end after it starts, within one day (HH:MM); split a window across midnight into two.`,
      ),
    );
  }
  return out;
}

const SECOND = 1000;
const HOUR = 3_600_000;
/** Node's timers cannot wait longer than 2^31-1 ms (24.8 days): a longer one fires at once. */
const MAX_TIMER = 480 * HOUR;

type DurationLimit = [path: DocPath, text: string | undefined, least: number, most: number];

function durationLimits(doc: ConfigDocument, sections: ReadonlySet<ConfigSection>): DurationLimit[] {
  const out: DurationLimit[] = [];
  if (sections.has("cxone")) out.push([["cxone", "timeout"], doc.cxone?.timeout, 100, MAX_TIMER]);
  if (sections.has("webhooks")) {
    (doc.webhooks ?? []).forEach((w, i) => {
      out.push([["webhooks", i, "timeout"], w.timeout, 100, MAX_TIMER]);
    });
  }
  if (sections.has("reconcile")) {
    out.push(
      [["reconcile", "resyncInterval"], doc.reconcile?.resyncInterval, SECOND, MAX_TIMER],
      [["reconcile", "gitInterval"], doc.reconcile?.gitInterval, SECOND, MAX_TIMER],
      // A burst of file changes is held back at most ten debounce periods.
      [["reconcile", "debounce"], doc.reconcile?.debounce, 0, HOUR],
    );
  }
  return out;
}

function durationProblems(doc: ConfigDocument, sections: ReadonlySet<ConfigSection>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [path, text, least, most] of durationLimits(doc, sections)) {
    if (text === undefined) continue;
    const ms = durationMs(text);
    if (ms === undefined || (ms >= least && ms <= most)) continue;
    const name = path
      .map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
      .join("");
    out.push(
      problem(
        path,
        "DW171",
        ms < least
          ? `${name} is ${text}; it must be at least ${formatDuration(least)}: ${least >= SECOND ? "a shorter interval keeps the reconciler busy in a loop" : "a shorter timeout fails every request before it can be answered"}.`
          : `${name} is ${text}; it must be at most ${formatDuration(most)}: ${most === HOUR ? "a longer quiet time would hold changes back for hours" : "Node's timers cannot wait longer (about 24 days) and would fire at once"}.`,
        "key",
      ),
    );
  }
  return out;
}

/** Milliseconds, or undefined when the schema pass has already reported the spelling. */
function durationMs(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

function formatDuration(ms: number): string {
  return ms % HOUR === 0 && ms > 0
    ? `${ms / HOUR}h`
    : ms % SECOND === 0 && ms > 0
      ? `${ms / SECOND}s`
      : `${ms}ms`;
}

export const ALL_SECTIONS: ReadonlySet<ConfigSection> = new Set([
  "cxone",
  "limits",
  "policy",
  "webhooks",
  "audit",
  "reconcile",
]);

/** Every run-time check on a schema-valid dialwindow.yaml, limited to `sections`. */
export function configProblems(
  doc: ConfigDocument,
  sections: ReadonlySet<ConfigSection> = ALL_SECTIONS,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (sections.has("cxone")) out.push(...cxoneProblems(doc.cxone));
  if (sections.has("webhooks")) out.push(...webhookProblems(doc.webhooks ?? []));
  if (sections.has("audit")) out.push(...auditProblems(doc.audit));
  if (sections.has("reconcile")) {
    (doc.reconcile?.syncWindows ?? []).forEach((w, i) => {
      out.push(...syncWindowProblems(w, ["reconcile", "syncWindows", i]));
    });
  }
  out.push(...durationProblems(doc, sections));
  return out;
}
