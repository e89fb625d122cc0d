/**
 * What the daemon enforces, derived from a validation result and the previous snapshot. Pure.
 *
 * - A campaign whose document has an error is blocked: no writes to it, and the reason is
 *   reported (readiness, logs, metrics). A file that cannot be parsed at all blocks the
 *   campaigns it declared in the previous snapshot.
 * - An error outside campaign files (dialwindow.yaml, a calendar, a policy) could change any
 *   campaign's meaning, so the whole previous snapshot stays in force until it is fixed.
 * - Nothing partial or unvalidated is ever enforced.
 */
import type { ResolvedConfig } from "../desired/config.js";
import type { Finding } from "../desired/findings.js";
import type { CampaignSchedule } from "../desired/model.js";
import type { ValidationResult } from "../desired/validate.js";

export interface Snapshot {
  revision: string | null;
  config: ResolvedConfig;
  /** Campaigns to enforce, by CXone id. */
  campaigns: ReadonlyMap<string, CampaignSchedule>;
  /** Campaigns that must not be written, by id, with why ("file:line:col CODE message"). */
  blocked: ReadonlyMap<string, string>;
  /** Files with errors, with their first few findings. */
  invalidFiles: { file: string; reasons: string[] }[];
  /** Set when an error outside campaign files keeps the previous state in force. */
  held: string | undefined;
}

/** Only the campaigns whose labels match (`--selector`); the others are left alone entirely. */
export function selectCampaigns(s: Snapshot, selector: ReadonlyMap<string, string>): Snapshot {
  if (selector.size === 0) return s;
  const match = (labels: Readonly<Record<string, string>>) =>
    [...selector].every(([k, v]) => labels[k] === v);
  const campaigns = new Map([...s.campaigns].filter(([, c]) => match(c.labels)));
  return { ...s, campaigns };
}

function describe(f: Finding): string {
  return `${f.file}:${f.line}:${f.col} ${f.code} ${f.message}`;
}

export function nextSnapshot(
  result: ValidationResult,
  revision: string | null,
  previous: Snapshot | undefined,
): Snapshot {
  const errors = result.findings.filter((f) => f.severity === "error");
  const byFile = new Map<string, Finding[]>();
  for (const f of errors) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const invalidFiles = [...byFile].map(([file, fs]) => ({ file, reasons: fs.slice(0, 3).map(describe) }));

  if (result.globalErrors) {
    const first = errors.find((f) => !f.file.startsWith("campaigns/"));
    return {
      revision: previous?.revision ?? null,
      config: previous?.config ?? result.config,
      campaigns: previous?.campaigns ?? new Map(),
      blocked: previous?.blocked ?? new Map(),
      invalidFiles,
      held: `${first ? describe(first) : "a file outside campaigns/ is invalid"}; the previous valid desired state stays in force until this is fixed`,
    };
  }

  const campaigns = new Map(result.campaigns.map((c) => [c.campaignId, c]));
  const blocked = new Map<string, string>();
  for (const doc of result.blocked) {
    const reason = (byFile.get(doc.file) ?? []).map(describe)[0] ?? `${doc.file} is invalid`;
    if (doc.campaignId !== undefined) {
      blocked.set(doc.campaignId, reason);
    } else {
      // Unreadable or unparseable: the campaigns this file declared before are affected.
      for (const [id, c] of previous?.campaigns ?? []) if (c.file === doc.file) blocked.set(id, reason);
      for (const [id, why] of previous?.blocked ?? [])
        if (why.startsWith(`${doc.file}:`)) blocked.set(id, reason);
    }
  }
  for (const id of blocked.keys()) campaigns.delete(id);
  return { revision, config: result.config, campaigns, blocked, invalidFiles, held: undefined };
}
