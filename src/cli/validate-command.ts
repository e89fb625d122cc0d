/** `dialwindow validate`: schema, semantic and policy checks, as text, JSON or GitHub annotations. */
import { relative, sep } from "node:path";
import type { Finding } from "../desired/findings.js";
import { type ValidationResult, validateDesiredState } from "../desired/validate.js";
import { workflowCommand } from "../escape/github.js";
import { toJson } from "../escape/json.js";
import { safeText as t } from "../escape/text.js";
import { UsageError } from "../util/errors.js";
import { parseAt, resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";

export interface ValidateFlags {
  dir?: string;
  format?: string;
  at?: string;
}

export async function validateCommand(io: CliIo, flags: ValidateFlags): Promise<number> {
  const format = flags.format ?? "text";
  if (!["text", "json", "github"].includes(format)) {
    throw new UsageError(`--format ${format} is not one of text, json, github.`);
  }
  const dir = resolveDir(io, flags.dir);
  const result = await validateDesiredState(dir, { at: parseAt(io, flags.at), env: io.env });
  if (format === "json") io.stdout(`${toJson(validationJson(result), 2)}\n`);
  else if (format === "github") io.stdout(githubAnnotations(io, result));
  else io.stdout(validationText(result));
  return result.valid ? EXIT.ok : EXIT.failure;
}

export function formatFinding(f: Finding): string {
  return `${t(f.file)}:${f.line}:${f.col}: ${f.severity} ${f.code} ${f.rule}: ${t(f.message)}`;
}

export function validationText(result: ValidationResult): string {
  const lines = result.findings.map(formatFinding);
  const errors = result.findings.filter((f) => f.severity === "error").length;
  const warnings = result.findings.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (errors > 0) {
    const files = new Set(result.findings.filter((f) => f.severity === "error").map((f) => f.file)).size;
    lines.push(
      "",
      `✗ ${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""} in ${plural(files, "file")} (${plural(result.files, "file")} checked). Nothing was sent to CXone.`,
    );
  } else {
    if (lines.length > 0) lines.push("");
    lines.push(
      `✓ valid: ${plural(result.campaigns.length, "campaign")}, ${plural(result.calendars.size, "calendar")}, ${plural(result.files, "file")}${warnings ? ` (${plural(warnings, "warning")})` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A stable, versioned document: add fields, never rename or remove them. */
export function validationJson(result: ValidationResult) {
  const errors = result.findings.filter((f) => f.severity === "error").length;
  return {
    formatVersion: 1,
    valid: result.valid,
    summary: {
      files: result.files,
      campaigns: result.campaigns.length,
      errors,
      warnings: result.findings.length - errors,
    },
    findings: result.findings.map((f) => ({
      file: f.file,
      line: f.line,
      col: f.col,
      severity: f.severity,
      code: f.code,
      rule: f.rule,
      message: f.message,
    })),
  };
}

export function githubAnnotations(io: CliIo, result: ValidationResult): string {
  // Annotations need paths relative to the workspace (the current directory in Actions).
  const prefix = relative(io.cwd, result.dir).split(sep).join("/");
  const lines = result.findings.map((f) => {
    const file = prefix ? `${prefix}/${f.file}` : f.file;
    return workflowCommand(
      f.severity === "error" ? "error" : "warning",
      { file, line: f.line, col: f.col, title: `${f.code} ${f.rule}` },
      f.message,
    );
  });
  const errors = result.findings.filter((f) => f.severity === "error").length;
  lines.push(
    result.valid
      ? `dialwindow: valid (${result.campaigns.length} campaigns)`
      : `dialwindow: ${errors} errors`,
  );
  return `${lines.join("\n")}\n`;
}
