/**
 * What the daemon enforces, derived from a validation result and the previous snapshot. Pure.
 *
 * - A campaign whose document has an error is blocked: no writes to it, and the reason is
 *   reported (/status, logs, metrics). A file that cannot be parsed at all blocks the
 *   campaigns it declared in the previous snapshot.
 * - An error outside campaign files (dialwindow.yaml, a calendar, a policy) could change any
 *   campaign's meaning, so the whole previous snapshot stays in force until it is fixed.
 * - Nothing partial or unvalidated is ever enforced.
 * - With a selector (`--selector`), everything else is left alone, errors included: only the
 *   selected campaigns, their files' errors and the files outside campaigns/ are reported. An
 *   invalid campaign is the daemon's when its labels can be read and match, or when it was
 *   the daemon's before; a file that cannot be read is when it declared one of its campaigns.
 */
import type { ResolvedConfig } from "../desired/config.js";
import type { Finding } from "../desired/findings.js";
import type { InvalidDocument } from "../desired/ingest.js";
import type { CampaignSchedule } from "../desired/model.js";
import { matches, type Selector } from "../desired/selector.js";
import type { ValidationResult } from "../desired/validate.js";

/** Where a finding points, for /status: file, line and column, and its code. */
export interface FindingAt {
  file: string;
  line: number;
  col: number;
  code: string;
  message: string;
}

/** Why a campaign is blocked, located where the loader could tell. */
export interface BlockedCampaign {
  /** metadata.name, when the document could be read that far. */
  name: string | undefined;
  file: string;
  /** The first error in its file; undefined when the file could not be read at all. */
  finding: FindingAt | undefined;
}

export interface Snapshot {
  revision: string | null;
  config: ResolvedConfig;
  /** Campaigns to enforce, by CXone id. */
  campaigns: ReadonlyMap<string, CampaignSchedule>;
  /** Campaigns that must not be written, by id, with why ("file:line:col CODE message"). */
  blocked: ReadonlyMap<string, string>;
  /** The same campaigns, with their file, name and finding. */
  blockedDetail: ReadonlyMap<string, BlockedCampaign>;
  /** Files with errors, with their first few findings (as text, and located). */
  invalidFiles: { file: string; reasons: string[]; findings: FindingAt[] }[];
  /** Set when an error outside campaign files freezes every write: the previous state stays in force. */
  frozen: string | undefined;
  /** The error behind `frozen`, when there is one to point at. */
  frozenAt?: FindingAt | undefined;
}

/** Whether an invalid document belongs to a daemon with this selector (see the opening comment). */
function isSelected(doc: InvalidDocument, selector: Selector, previous: Snapshot | undefined): boolean {
  if (doc.campaignId === undefined) {
    const before = [...(previous?.campaigns.values() ?? []), ...(previous?.blockedDetail.values() ?? [])];
    return before.some((c) => c.file === doc.file);
  }
  if (doc.labels !== undefined) return matches(selector, doc.labels);
  return previous?.campaigns.has(doc.campaignId) === true || previous?.blocked.has(doc.campaignId) === true;
}

function describe(f: Finding): string {
  return `${f.file}:${f.line}:${f.col} ${f.code} ${f.message}`;
}

function at(f: Finding): FindingAt {
  return { file: f.file, line: f.line, col: f.col, code: f.code, message: f.message };
}

/** Findings listed per invalid file; the rest are counted by `validate`. */
const FINDINGS_PER_FILE = 10;

export function nextSnapshot(
  result: ValidationResult,
  revision: string | null,
  previous: Snapshot | undefined,
  selector: Selector = new Map(),
): Snapshot {
  const selected = result.campaigns.filter((c) => matches(selector, c.labels));
  const ours =
    selector.size === 0
      ? result.blocked
      : result.blocked.filter((doc) => isSelected(doc, selector, previous));
  // A file with nothing of ours in it is another team's business, and so are its errors.
  const ourFiles = new Set([...selected.map((c) => c.file), ...ours.map((doc) => doc.file)]);
  const errors = result.findings.filter(
    (f) =>
      f.severity === "error" &&
      (selector.size === 0 || !f.file.startsWith("campaigns/") || ourFiles.has(f.file)),
  );
  const byFile = new Map<string, Finding[]>();
  for (const f of errors) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const invalidFiles = [...byFile].map(([file, fs]) => ({
    file,
    reasons: fs.slice(0, 3).map(describe),
    findings: fs.slice(0, FINDINGS_PER_FILE).map(at),
  }));

  if (result.globalErrors) {
    const first = errors.find((f) => !f.file.startsWith("campaigns/"));
    return {
      revision: previous?.revision ?? null,
      config: previous?.config ?? result.config,
      campaigns: previous?.campaigns ?? new Map(),
      blocked: previous?.blocked ?? new Map(),
      blockedDetail: previous?.blockedDetail ?? new Map(),
      invalidFiles,
      frozen: `${first ? describe(first) : "a file outside campaigns/ is invalid"}; the previous valid desired state stays in force until this is fixed`,
      frozenAt: first ? at(first) : undefined,
    };
  }

  const campaigns = new Map(selected.map((c) => [c.campaignId, c]));
  const blocked = new Map<string, string>();
  const blockedDetail = new Map<string, BlockedCampaign>();
  for (const doc of ours) {
    const first = byFile.get(doc.file)?.[0];
    const reason = first ? describe(first) : `${doc.file} is invalid`;
    const block = (id: string, name: string | undefined) => {
      blocked.set(id, reason);
      blockedDetail.set(id, { name, file: doc.file, finding: first ? at(first) : undefined });
    };
    if (doc.campaignId !== undefined) {
      block(doc.campaignId, doc.name);
    } else {
      // Unreadable or unparseable: the campaigns this file declared before are affected.
      for (const [id, c] of previous?.campaigns ?? []) if (c.file === doc.file) block(id, c.name);
      for (const [id, was] of previous?.blockedDetail ?? []) if (was.file === doc.file) block(id, was.name);
    }
  }
  for (const id of blocked.keys()) campaigns.delete(id);
  return {
    revision,
    config: result.config,
    campaigns,
    blocked,
    blockedDetail,
    invalidFiles,
    frozen: undefined,
  };
}
