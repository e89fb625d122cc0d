import { DialwindowError } from "../util/errors.js";

/**
 * Why an audit operation could not go ahead. Callers branch on `code`:
 * - DW_AUDIT_RECORD: a change record cannot be placed in the trail (no changeId, bad `at`).
 * - DW_AUDIT_WORKDIR: the working directory is something other than a dialwindow audit repository.
 * - DW_AUDIT_REMOTE: the remote could not be read (verify needs it; append tolerates it).
 * - DW_AUDIT_NO_TRAIL: the audit branch does not exist where verify looked.
 * - DW_AUDIT_GIT: the trail cannot be written where it goes (a file in the way).
 * A git command that fails is a GitError (util/git.ts).
 */
export class AuditError extends DialwindowError {}
