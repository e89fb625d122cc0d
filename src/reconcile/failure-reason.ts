/**
 * Why a campaign is not reconciled, as one word from a small fixed set: the label of the
 * `dialwindow_campaign_problems` and `dialwindow_campaign_failures_total` metrics and the
 * `reason` of /status and of the log lines. Never free text, so alerts can match on it and a
 * metric never grows a series per error message; the message beside it says the rest.
 */
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  PreconditionFailedError,
  ProtocolError,
  ResponseTooLargeError,
  UnprocessableError,
} from "../live/errors.js";
import {
  NotFoundError,
  OutcomeUnknownError,
  ReadBackMismatchError,
  RejectedError,
  VersionConflictError,
} from "../live/port.js";

export const FAILURE_REASONS = [
  /** Blocked: the campaign's own file is invalid. */
  "invalid_file",
  /** Blocked: dialwindow.yaml, a calendar or a policy is invalid, or the folder cannot be read. */
  "desired_state_invalid",
  /** CXone refused the schedule (422, another 4xx). */
  "rejected",
  /** The campaign kept changing under the write (412s). */
  "conflict",
  /** CXone has no campaign with this id. */
  "not_found",
  /** The credentials or their permissions were refused (401, 403). */
  "unauthorized",
  /** No usable answer: network, timeout, 5xx, 408, 429 after the retries. */
  "unavailable",
  /** An answer dialwindow cannot use: malformed, too large, no version to write against. */
  "invalid_response",
  /** The state directory (journal) could not be written. */
  "state_dir",
  /** Anything else: a bug; the message and the log say more. */
  "other",
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The reason for an error thrown while talking to CXone. */
export function reasonOf(err: unknown): FailureReason {
  // The port's own errors first: they are what both profiles' adapters throw.
  if (err instanceof RejectedError || err instanceof ReadBackMismatchError) return "rejected";
  if (err instanceof VersionConflictError) return "conflict";
  if (err instanceof NotFoundError) return "not_found";
  if (err instanceof OutcomeUnknownError) return "unavailable";
  if (err instanceof UnprocessableError) return "rejected";
  if (err instanceof PreconditionFailedError) return "conflict";
  if (err instanceof AuthenticationError) return "unauthorized";
  if (err instanceof HttpError) {
    if (err.status === 401 || err.status === 403) return "unauthorized";
    if (err.status === 404) return "not_found";
    if (err.status === 408 || err.status === 429 || err.status >= 500) return "unavailable";
    return "rejected";
  }
  if (err instanceof NetworkError) return "unavailable";
  if (err instanceof ProtocolError || err instanceof ResponseTooLargeError) return "invalid_response";
  return "other";
}

/**
 * Watches what one attempt did through the objects it was handed (the CXone port, the journal
 * recorder) without knowing their methods: a call that rejects is remembered with where it
 * happened, and a CXone read that resolves to nothing means the campaign is gone. The apply
 * engine reports a failed outcome as text; this gives the reconciler its reason.
 */
export class AttemptWitness {
  cxoneError: unknown;
  journalError: unknown;
  /** A CXone call resolved to undefined (a read of a campaign that does not exist). */
  missing = false;
  journalCalls = 0;

  watch<T extends object>(target: T, side: "cxone" | "journal"): T {
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const value = Reflect.get(obj, key, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(out instanceof Promise)) return out;
          return out.then(
            (resolved) => {
              if (side === "journal") this.journalCalls++;
              else if (resolved === undefined) this.missing = true;
              return resolved;
            },
            (err: unknown) => {
              if (side === "journal") this.journalError = err;
              else this.cxoneError = err;
              throw err;
            },
          );
        };
      },
    });
  }

  /** Why the attempt failed, from what it saw; `thrown` when the attempt itself threw. */
  reason(thrown?: unknown): FailureReason {
    if (this.journalError !== undefined) return "state_dir";
    if (thrown !== undefined && this.cxoneError === undefined) return reasonOf(thrown);
    if (this.missing) return "not_found";
    if (this.cxoneError !== undefined) return reasonOf(this.cxoneError);
    return "other";
  }
}
