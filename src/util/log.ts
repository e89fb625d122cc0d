/**
 * Logging: pino JSON lines by default, pretty when stdout is a terminal. Every logger is made
 * here so the redaction list is in one place; a test proves secrets never reach the output.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths pino blanks out wherever they appear in a log call's metadata. */
export const REDACT_PATHS = [
  "authorization",
  "Authorization",
  "*.authorization",
  "*.Authorization",
  "headers.authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "request.headers.authorization",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "access_token",
  "*.access_token",
  "clientSecret",
  "*.clientSecret",
  "client_secret",
  "*.client_secret",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "webhookSecret",
  "*.webhookSecret",
];

export interface LoggerOptions {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Write here instead of stdout (tests). */
  destination?: DestinationStream;
  /** Log to stderr instead of stdout (one-shot commands, whose stdout is their output). */
  stderr?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.DIALWINDOW_LOG_LEVEL ?? "info";
  const base = {
    level,
    base: { name: "dialwindow" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  const stream = options.stderr ? process.stderr : process.stdout;
  const pretty = options.pretty ?? stream.isTTY === true;
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: "pino-pretty",
        options: { colorize: true, ignore: "pid,hostname,name", destination: options.stderr ? 2 : 1 },
      },
    });
  }
  return pino(base, pino.destination({ fd: options.stderr ? 2 : 1, sync: true }));
}

/** A logger that discards everything (for library calls and tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
