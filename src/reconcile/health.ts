/**
 * How the daemon reports itself: whether it can do its work (/readyz) and where every campaign
 * stands (/status). Ready means the daemon works: the first resync read CXone, CXone accepts
 * the credentials, the journal can be written, dialwindow.yaml is valid. Invalid campaign
 * files, calendars and policies, and failing campaigns, are problems of the data, reported by
 * /status, the metrics and the log: a 503 for them would take the daemon out of its Service
 * (and away from the git webhook that brings the fix).
 */
import { Locator } from "../desired/source.js";
import { AuthenticationError } from "../live/errors.js";
import type { CampaignBoard, CampaignState } from "./campaign-status.js";
import type { AttemptWitness, FailureReason } from "./failure-reason.js";
import type { Readiness } from "./http-server.js";
import type { Snapshot } from "./snapshot.js";

/** One blocked or failing campaign, as /status lists it. */
export interface CampaignStatusEntry {
  campaignId: string;
  name: string;
  file: string;
  /** The line of the finding that blocks it, or of its metadata.campaignId. */
  line?: number;
  state: "blocked" | "failing";
  reason: FailureReason;
  message: string;
  failures: number;
  since: string;
  nextRetryAt: string | null;
}

/** The `/status` document. */
export interface DaemonStatus {
  ready: boolean;
  mode: "enforce" | "report";
  revision: string | null;
  counts: Record<CampaignState, number>;
  /** Set while writes to every campaign are frozen: the desired state is invalid or unreadable. */
  frozen: { reason: FailureReason; message: string; file?: string; line?: number } | null;
  invalidFiles: { file: string; findings: { line: number; col: number; code: string; message: string }[] }[];
  /** Every blocked or failing campaign: blocked first, then by file. */
  problems: CampaignStatusEntry[];
}

/** What the daemon has learnt about its own ability to work. */
export class DaemonHealth {
  /** The first resync read CXone. */
  initialSyncDone = false;
  stopping = false;
  /** Why the last resync could not read CXone. */
  lastResyncError: string | undefined;
  /** Set while CXone refuses the credentials (the last read or write said so). */
  credentialError: string | undefined;
  /** Set while the journal in the state directory cannot be written. */
  stateDirError: string | undefined;

  /** What one write attempt showed: whether the journal could be written, whether CXone refused us. */
  noteAttempt(witness: AttemptWitness): void {
    if (witness.journalError !== undefined) {
      this.stateDirError =
        witness.journalError instanceof Error ? witness.journalError.message : String(witness.journalError);
    } else if (witness.journalCalls > 0) {
      this.stateDirError = undefined;
    }
    if (witness.cxoneError instanceof AuthenticationError) this.credentialError = witness.cxoneError.message;
  }
}

export interface Standing {
  health: DaemonHealth;
  mode: "enforce" | "report";
  snapshot: Snapshot;
  /** Set while the desired state cannot be read at all. */
  readError: string | undefined;
  board: CampaignBoard;
  drifted: number;
}

export function readiness(s: Standing): Readiness {
  const h = s.health;
  const reasons: string[] = [];
  if (h.stopping) reasons.push("shutting down");
  if (!h.initialSyncDone) {
    reasons.push(
      h.lastResyncError ? `cannot read CXone: ${h.lastResyncError}` : "initial sync with CXone not done yet",
    );
  }
  if (h.credentialError) reasons.push(`CXone refuses the credentials: ${h.credentialError}`);
  if (h.stateDirError)
    reasons.push(`the journal in the state directory cannot be written: ${h.stateDirError}`);
  const config = s.snapshot.frozen
    ? s.snapshot.invalidFiles.find((f) => f.file === "dialwindow.yaml")
    : undefined;
  if (config)
    reasons.push(
      `dialwindow.yaml is invalid: ${config.reasons[0] ?? "see validate"}; the previous valid configuration stays in force`,
    );
  return {
    ready: reasons.length === 0,
    reasons,
    details: {
      mode: s.mode,
      revision: s.snapshot.revision,
      campaigns: s.snapshot.campaigns.size,
      drifted: s.drifted,
      states: s.board.counts(),
    },
  };
}

/** The `/status` document: where every campaign stands, and every blocked or failing one in full. */
export function statusDocument(s: Standing): DaemonStatus {
  const snapshot = s.snapshot;
  const locator = new Locator();
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const problems: CampaignStatusEntry[] = s.board.problems().map(([id, p]) => {
    const c = snapshot.campaigns.get(id);
    const detail = snapshot.blockedDetail.get(id);
    const where = c
      ? { name: c.name, file: c.file, line: locator.locate(c.document, ["metadata", "campaignId"]).line }
      : {
          name: detail?.name ?? id,
          file: detail?.file ?? "",
          ...(detail?.finding ? { line: detail.finding.line } : {}),
        };
    return {
      campaignId: id,
      ...where,
      state: p.state,
      reason: p.reason,
      message: p.message,
      failures: p.failures,
      since: iso(p.since) as string,
      nextRetryAt: iso(p.nextRetryAt),
    };
  });
  problems.sort(
    (a, b) =>
      (a.state === b.state ? 0 : a.state === "blocked" ? -1 : 1) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.line ?? 0) - (b.line ?? 0),
  );
  const frozen: DaemonStatus["frozen"] = s.readError
    ? { reason: "desired_state_invalid", message: `cannot read the desired state: ${s.readError}` }
    : snapshot.frozen
      ? {
          reason: "desired_state_invalid",
          message: snapshot.frozen,
          ...(snapshot.frozenAt ? { file: snapshot.frozenAt.file, line: snapshot.frozenAt.line } : {}),
        }
      : null;
  return {
    ready: readiness(s).ready,
    mode: s.mode,
    revision: snapshot.revision,
    counts: s.board.counts(),
    frozen,
    invalidFiles: snapshot.invalidFiles.map((f) => ({
      file: f.file,
      findings: f.findings.map(({ line, col, code, message }) => ({ line, col, code, message })),
    })),
    problems,
  };
}
