/**
 * `dialwindow diff`: what a change to the desired state does to real dialing time, between
 * two git revisions, with no network and no credentials: what a reviewer of a pull request
 * needs. Exit 0 no effective change, 2 changes, 1 a revision does not validate.
 */

import { diffJson, renderDiffMarkdown, renderDiffText } from "../review/render.js";
import { review } from "../review/review.js";
import { UsageError } from "../util/errors.js";
import { matches, parseAt, parseSelectors, resolveDir } from "./common.js";
import { markdownEscapes, terminalSafe } from "./escape.js";
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
}

const MAX_WEEKS = 104;

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
  });
  const invalid = [result.base, result.head].filter((side) => !side.validation.valid);
  if (format === "json") {
    const doc = { ...diffJson(result), headFindings: result.head.validation.findings };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (format === "markdown") {
    const md = markdownEscapes();
    let text = renderDiffMarkdown(result, md);
    for (const side of invalid) {
      const errors = side.validation.findings.filter((f) => f.severity === "error");
      text += `\n#### ✗ ${md.text(side.label)} does not validate (${errors.length} errors)\n\n`;
      const body = validationText(side.validation);
      const fence = md.fence(body);
      text += `${fence}text\n${body}${fence}\n`;
    }
    io.stdout(text);
  } else {
    let text = renderDiffText(result, terminalSafe);
    for (const side of invalid) {
      text += `\n✗ ${terminalSafe(side.label)} does not validate:\n${terminalSafe(validationText(side.validation))}`;
    }
    io.stdout(text);
  }
  if (invalid.length > 0) return EXIT.failure;
  return result.changed ? EXIT.changes : EXIT.ok;
}
