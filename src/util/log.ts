/**
 * Logging: pino JSON lines by default, pretty when stdout is a terminal. Every logger is made
 * here so the redaction list is in one place; a test proves secrets never reach the output.
 *
 * Log lines carry values from outside (campaign names, CXone's reasons, receivers' answers).
 * JSON lines are written through safeJsonText; pretty lines are formatted in-process from the
 * line with every string made visible (escape/text.ts), so neither can drive a terminal or
 * issue a CI command.
 */

import { type DestinationStream, type Logger, pino } from "pino";
import { prettyFactory } from "pino-pretty";
import { safeJsonText } from "../escape/json.js";
import { safeLines, safeText } from "../escape/text.js";

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
  /** Write here instead of stdout (tests); JSON unless `pretty` is true. */
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
    // "level":"warn", not 40: what people grep for and log pipelines map without a table.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const stream = options.stderr ? process.stderr : process.stdout;
  const out = options.destination ?? pino.destination({ fd: options.stderr ? 2 : 1, sync: true });
  const pretty = options.pretty ?? (options.destination === undefined && stream.isTTY === true);
  if (pretty) return pino(base, prettyStream(out, options.destination === undefined));
  return pino(base, { write: (line: string) => out.write(safeJsonText(line)) });
}

/** Every string in a log line made visible; a stack keeps its line breaks. */
function visibleValues(value: unknown, key?: string): unknown {
  if (typeof value === "string") return key === "stack" ? safeLines(value) : safeText(value);
  if (Array.isArray(value)) return value.map((v) => visibleValues(v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [safeText(k), visibleValues(v, k)]));
  }
  return value;
}

/** pino-pretty, formatting each line in-process (synchronously) from its made-visible values. */
function prettyStream(out: DestinationStream, colorize: boolean): DestinationStream {
  const format = prettyFactory({ colorize, ignore: "pid,hostname,name" });
  return { write: (line: string) => out.write(format(visibleValues(JSON.parse(line)))) };
}

/** A logger that discards everything (for library calls and tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
