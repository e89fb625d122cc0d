/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`), built so that a value
 * from outside (a file name, a message quoting YAML) stays inside its own command: the runner
 * reads a line as one command, properties end at `,` and the message starts after `::`, so
 * those characters (and line breaks, and the `%` that escapes them) are percent-encoded as the
 * runner decodes them. Control characters are made visible first (see text.ts), so nothing
 * reaches the job log raw either.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { safeText } from "./text.js";

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export type AnnotationLevel = "error" | "warning" | "notice";

/** One workflow command on one line; property order is kept. */
export function workflowCommand(
  command: AnnotationLevel,
  properties: Readonly<Record<string, string | number>>,
  message: string,
): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(safeText(String(value)))}`)
    .join(",");
  return `::${command}${props ? ` ${props}` : ""}::${escapeData(safeText(message))}`;
}
