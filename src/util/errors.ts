/**
 * The base of every error dialwindow raises on purpose. `code` is stable and is what callers
 * branch on; messages are for people and may change. The top-level error boundaries (the CLI
 * and the daemon) tell these apart from bugs: a DialwindowError is reported as its message,
 * anything else as an internal error with a stack.
 */
export class DialwindowError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A problem with how the tool was invoked or configured: the user can fix it. */
export class UsageError extends DialwindowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DW_USAGE", message, options);
  }
}
