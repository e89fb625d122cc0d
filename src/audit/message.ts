/**
 * Audit commit messages: written here, read back here (to replay unpushed commits) and
 * recognised here (so the reconciler never treats an audit commit as a desired-state change).
 */
import type { ChangeRecord } from "../state/change-record.js";

export const AUDIT_TRAILER = "Dialwindow-Audit";
export const REVISION_TRAILER = "Desired-State-Revision";
export const CHANGE_IDS_TRAILER = "Change-Ids";
export const ACTOR_TRAILER = "Dialwindow-Actor";
/** The chain's last hash after this commit; lets verify notice lines cut off the end later. */
export const HEAD_TRAILER = "Dialwindow-Audit-Head";

const SUBJECT_MAX = 72;
const BODY_MAX_LINES = 50;

export interface AuditCommitMeta {
  revision: string | null;
  actor: string;
}

/** Newlines in a value would end the trailer and start a forged one. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function subject(records: readonly ChangeRecord[]): string {
  const count = records.length;
  const curfews = records.filter((r) => r.part === "curfews").length;
  const kind = curfews === 0 ? "schedule change" : curfews === count ? "curfews change" : "change";
  const head = `audit: ${count} ${kind}${count === 1 ? "" : "s"}`;
  const names = [...new Set(records.map((r) => oneLine(r.name)))];
  const render = (shown: readonly string[]): string =>
    `${head} (${shown.join(", ")}${shown.length < names.length ? ", …" : ""})`;
  let shown: string[] = [];
  for (const name of names) {
    const next = [...shown, name];
    if (shown.length > 0 && render(next).length > SUBJECT_MAX) break;
    shown = next;
  }
  return render(shown);
}

export function formatAuditMessage(
  records: readonly ChangeRecord[],
  meta: AuditCommitMeta,
  chainHead: string,
): string {
  const body = records
    .slice(0, BODY_MAX_LINES)
    .map(
      (r) =>
        `- ${oneLine(r.name)} (campaign ${oneLine(r.campaignId)}, ${oneLine(r.file)}): ${r.part === "curfews" ? "curfews " : ""}version ${oneLine(r.versionBefore)} -> ${oneLine(r.versionAfter)} at ${oneLine(r.at)}`,
    );
  if (records.length > BODY_MAX_LINES) {
    body.push(`- … and ${records.length - BODY_MAX_LINES} more (see ${CHANGE_IDS_TRAILER})`);
  }
  const trailers = [
    `${REVISION_TRAILER}: ${meta.revision === null ? "none" : oneLine(meta.revision)}`,
    `${CHANGE_IDS_TRAILER}: ${records.map((r) => oneLine(r.changeId)).join(", ")}`,
    `${ACTOR_TRAILER}: ${oneLine(meta.actor)}`,
    `${HEAD_TRAILER}: ${chainHead}`,
    `${AUDIT_TRAILER}: true`,
  ];
  return `${subject(records)}\n\n${body.join("\n")}\n\n${trailers.join("\n")}\n`;
}

/** Trailers of the message's last paragraph, keys lower-cased; the first occurrence wins. */
export function parseTrailers(message: string): Map<string, string> {
  const paragraphs = message.trim().split(/\n[ \t]*\n/);
  const last = paragraphs.at(-1) ?? "";
  const trailers = new Map<string, string>();
  for (const line of last.split("\n")) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
    if (!match) continue;
    const key = (match[1] as string).toLowerCase();
    if (!trailers.has(key)) trailers.set(key, (match[2] as string).trim());
  }
  return trailers;
}

/** What an audit commit's trailers say, or null when the message is not an audit commit's. */
export function parseAuditMessage(
  message: string,
): { meta: AuditCommitMeta; changeIds: string[]; chainHead: string | null } | null {
  const trailers = parseTrailers(message);
  if (trailers.get(AUDIT_TRAILER.toLowerCase())?.toLowerCase() !== "true") return null;
  const revision = trailers.get(REVISION_TRAILER.toLowerCase()) ?? "none";
  const changeIds = (trailers.get(CHANGE_IDS_TRAILER.toLowerCase()) ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  return {
    meta: {
      revision: revision === "none" ? null : revision,
      actor: trailers.get(ACTOR_TRAILER.toLowerCase()) ?? "",
    },
    changeIds,
    chainHead: trailers.get(HEAD_TRAILER.toLowerCase()) ?? null,
  };
}

export interface CommitSummary {
  /** The full commit message. */
  message: string;
  /** Paths the commit changed, when known. */
  files?: readonly string[];
}

/**
 * True for commits the reconciler must ignore: those carrying `Dialwindow-Audit: true`, and
 * those that touch nothing but files under the audit path (a hand edit of the trail changes
 * no schedule either).
 */
export function isAuditCommit(commit: CommitSummary, options: { path?: string } = {}): boolean {
  if (parseAuditMessage(commit.message) !== null) return true;
  const files = commit.files ?? [];
  if (files.length === 0) return false;
  const prefix = `${(options.path ?? "audit").replace(/^\/+|\/+$/g, "")}/`;
  return files.every((file) => file.startsWith(prefix));
}
