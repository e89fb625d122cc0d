/**
 * Values from outside in GitHub-flavoured Markdown (the pull-request comment). A value shows as
 * the text it is: it cannot close a code fence, start a heading, a list or a table cell, or
 * become a link, an image, an emoji, math or HTML. Control characters are made visible first
 * (see text.ts), so a value never holds a line break and never starts a line of its own.
 *
 * Three places a value can go: prose (`mdText`, also a table cell), a code span (`mdCode`),
 * and a fenced block (`mdFence`).
 */
import { safeText } from "./text.js";

/**
 * The punctuation that means something inside a line: escapes and code (\ `), emphasis and
 * strikethrough (* _ ~), links, images and footnotes ([ ] ( ) !), HTML and entities (< > &),
 * table cells (|), math ($), emoji and autolinks (: . @), headings and issue references (#),
 * braces and + for good measure. CommonMark lets any ASCII punctuation be backslash-escaped, and
 * GFM's table splitter keeps a pipe that follows a backslash inside its cell. Hyphens, slashes
 * and quotes mean nothing mid-line and stay as they are, so names and paths stay readable.
 */
const MARKUP = /[\\`*_~[\]()!<>&|$:.@#{}+]/g;

/** A value in prose or a table cell (never at the start of a line). */
export function mdText(value: string): string {
  return safeText(value).replace(MARKUP, "\\$&");
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/**
 * A value as an inline code span: shown literally, delimited by more backticks than it holds.
 * In a table cell its pipes are escaped, which GFM removes again before the span is read.
 */
export function mdCode(value: string, options: { inTable?: boolean } = {}): string {
  const text = safeText(value);
  if (text === "") return "` `";
  const ticks = "`".repeat(longestRun(text, "`") + 1);
  // A span that begins or ends with a backtick or a space is padded; CommonMark strips one
  // space from each end of a padded span (unless it is all spaces), so the value is unchanged.
  const pad = text.trim() !== "" && /^[` ]|[` ]$/.test(text) ? " " : "";
  const span = `${ticks}${pad}${text}${pad}${ticks}`;
  return options.inTable ? span.replace(/\|/g, "\\|") : span;
}

/**
 * Lines in a fenced code block: each made safe (so none can hold a line break), fenced by more
 * backticks than any line holds, so no line can close the block early.
 */
export function mdFence(info: string, lines: readonly string[]): string[] {
  const safe = lines.map((l) => safeText(l));
  const fence = "`".repeat(Math.max(3, ...safe.map((l) => longestRun(l, "`") + 1)));
  return [`${fence}${info}`, ...safe, fence];
}
