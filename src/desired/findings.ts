/**
 * A finding is one problem in the desired state, located at file:line:col, with a stable code
 * (what CI annotations, tests and people search for) and a message that says what to do.
 * Codes never change meaning; new problems get new codes. The README's Findings table lists them all.
 */

export type Severity = "error" | "warning";

export interface Finding {
  /** Stable code, e.g. "DW102". */
  code: string;
  /** Stable kebab-case name of the rule, e.g. "overlapping-windows". */
  rule: string;
  severity: Severity;
  message: string;
  /** Path relative to the desired-state directory, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

/** Every code dialwindow emits, with its rule name. One place, so codes stay unique. */
export const CODES = {
  DW001: "yaml-syntax",
  DW002: "file-too-large",
  DW003: "not-utf8",
  DW004: "yaml-alias-limit",
  DW005: "unknown-kind",
  DW006: "empty-repository",
  DW007: "missing-config",
  DW008: "unreadable-file",
  DW009: "misplaced-document",
  DW010: "schema",
  DW011: "unknown-key",
  DW012: "missing-key",
  DW013: "wrong-type",
  DW014: "campaign-id-not-string",
  DW015: "invalid-value",
  DW016: "empty-file",
  DW017: "link-leaves-directory",
  DW101: "window-start-not-before-end",
  DW102: "overlapping-windows",
  DW103: "repeated-day",
  DW110: "unknown-timezone",
  DW120: "unknown-calendar",
  DW121: "invalid-date",
  DW122: "override-range-reversed",
  DW123: "overlapping-overrides",
  DW124: "override-closes-day",
  DW125: "duplicate-holiday",
  DW126: "calendar-runs-out",
  DW130: "duplicate-name",
  DW131: "duplicate-campaign-id",
  DW132: "campaign-id-key",
  DW140: "too-many-dialing-blocks",
  DW141: "too-many-windows-per-day",
  DW142: "pause-conditions-unsupported",
  DW143: "window-leaves-day-in-schedule-zone",
  DW144: "curfews-unsupported",
  DW145: "recipient-zone-not-in-cxone",
  DW146: "curfew-never-reached",
  DW147: "curfews-need-calling-hours",
  DW150: "secret-in-yaml",
  DW160: "unknown-policy-pack",
  DW161: "policy-disabled",
  DW162: "policy-rule-invalid",
  DW163: "no-calling-hours-rule",
  DW164: "builtin-pack-replaced",
  DW170: "sync-window-invalid",
  DW171: "duration-out-of-range",
  DW172: "url-not-http",
  DW173: "audit-path-invalid",
  DW174: "audit-branch-invalid",
  DW200: "outside-calling-hours",
  DW201: "no-call-day",
  DW202: "no-call-date",
} as const;

export type Code = keyof typeof CODES;

export function finding(
  code: Code,
  severity: Severity,
  message: string,
  where: { file: string; line: number; col: number },
): Finding {
  return { code, rule: CODES[code], severity, message, file: where.file, line: where.line, col: where.col };
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}

/** File, then line, then column, then code: the order a person fixes things in. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** Closest candidate within edit distance 2, for "did you mean" hints. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  const lower = input.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
