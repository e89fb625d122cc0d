export {
  type AuditBreak,
  type AuditBreakReason,
  type AuditEntry,
  canonicalJson,
  formatLine,
  GENESIS_HASH,
  walkChain,
} from "./chain.js";
export { AuditError } from "./errors.js";
export { AUDIT_TRAILER, type CommitSummary, isAuditCommit, parseTrailers } from "./message.js";
export {
  type AppendMeta,
  type AppendResult,
  type AuditTrail,
  type AuditTrailOptions,
  openAuditTrail,
  type PushResult,
  type PushStatus,
} from "./trail.js";
export {
  type AuditVerification,
  readAuditRecords,
  readChangeRecords,
  type VerifyOptions,
  verifyAuditTrail,
} from "./verify.js";
