/**
 * `dialwindow diff`: what a change to the desired state does to real dialing time, between
 * two git revisions, with no network and no credentials: what a reviewer of a pull request
 * needs. Exit 0 no effective change, 2 changes, 1 a revision does not validate.
 */

import { matches, parseSelectors } from "../desired/selector.js";
import { toJson } from "../escape/json.js";
import { mdCode, mdFence, mdText } from "../escape/markdown.js";
import { safeLines, safeText } from "../escape/text.js";
import { diffJson, renderDiffMarkdown, renderDiffText } from "../review/render.js";
import { review } from "../review/review.js";
import { UsageError } from "../util/errors.js";
import { parseAt, resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";
import { validationText } from "./validate-command.js";

export interface DiffFlags {
  dir?: string;
  base?: string;
  head?: string;
  from?: string;
  weeks?: string;
  format?: string;
  selector?: string[];
  at?: string;
  configFrom?: string;
}

const MAX_WEEKS = 104;

const MARKDOWN = {
  text: mdText,
  code: (s: string) => mdCode(s),
  fence: (lines: readonly string[]) => mdFence("text", lines),
};

export async function diffCommand(io: CliIo, flags: DiffFlags): Promise<number> {
  const format = flags.format ?? "text";
  if (!["text", "json", "markdown"].includes(format)) {
    throw new UsageError(`--format ${format} is not one of text, markdown, json.`);
  }
  const weeks = Number(flags.weeks ?? "8");
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) {
    throw new UsageError(`--weeks ${flags.weeks} is not a whole number of weeks from 1 to ${MAX_WEEKS}.`);
  }
  const selector = parseSelectors(flags.selector);
  const result = await review({
    dir: resolveDir(io, flags.dir),
    ...(flags.base === undefined ? {} : { base: flags.base }),
    ...(flags.head === undefined ? {} : { head: flags.head }),
    ...(flags.from === undefined ? {} : { from: flags.from }),
    weeks,
    at: parseAt(io, flags.at),
    env: io.env,
    select: (labels) => matches(selector, labels),
    ...(flags.configFrom === undefined ? {} : { configFrom: flags.configFrom }),
  });
  const invalid = [result.base, result.head].filter((side) => !side.validation.valid);
  if (format === "json") {
    const doc = { ...diffJson(result), headFindings: result.head.validation.findings };
    io.stdout(`${toJson(doc, 2)}\n`);
  } else if (format === "markdown") {
    let text = renderDiffMarkdown(result, MARKDOWN);
    for (const side of invalid) {
      const errors = side.validation.findings.filter((f) => f.severity === "error");
      text += `\n#### ✗ ${mdText(side.label)} does not validate (${errors.length} errors)\n\n`;
      text += `${mdFence("text", validationText(side.validation).trimEnd().split("\n")).join("\n")}\n`;
    }
    io.stdout(text);
  } else {
    let text = renderDiffText(result, safeText);
    for (const side of invalid) {
      text += `\n✗ ${safeText(side.label)} does not validate:\n${safeLines(validationText(side.validation))}`;
    }
    io.stdout(text);
  }
  if (invalid.length > 0) return EXIT.failure;
  return result.changed ? EXIT.changes : EXIT.ok;
}
