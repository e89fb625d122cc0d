import { DialwindowError } from "../util/errors.js";

/**
 * Why an audit operation could not go ahead. Callers branch on `code`:
 * - DW_AUDIT_RECORD: a change record cannot be placed in the trail (no changeId, bad `at`).
 * - DW_AUDIT_WORKDIR: the working directory is something other than a dialwindow audit repository.
 * - DW_AUDIT_REMOTE: the remote could not be read (verify needs it; append tolerates it).
 * - DW_AUDIT_NO_TRAIL: the audit branch does not exist where verify looked.
 * - DW_AUDIT_GIT: a git command failed unexpectedly.
 */
export class AuditError extends DialwindowError {}

/** A git command that exited non-zero (or could not run); `exitCode` is -1 when git never ran. */
export class GitCommandError extends AuditError {
  readonly exitCode: number;
  readonly stderr: string;
  readonly command: string;

  constructor(command: string, exitCode: number, stderr: string, options?: { cause?: unknown }) {
    const detail =
      redactUrls(stderr)
        .split("\n")
        .find((line) => line.trim() !== "") ?? "no output";
    super("DW_AUDIT_GIT", `git ${command} failed (exit ${exitCode}): ${detail}`, options);
    this.exitCode = exitCode;
    this.stderr = redactUrls(stderr);
    this.command = command;
  }
}

/**
 * Blanks the user-info part of any URL in `text`. Remotes are often written with a token in
 * them (https://x-access-token:…@github.com/…) and git echoes the URL in its errors.
 */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}
