/**
 * Values from outside (CXone's answers, file names, YAML values, a receiver's reply) made safe
 * to print on a terminal or in a CI log. Control characters, bidi overrides and line separators
 * become visible escapes (`\n`, `\x1b`, `\u202e`), so a value can neither move the cursor, clear
 * the screen, retitle the window, reorder what is shown, nor start a line of its own. The text
 * that GitHub Actions reads from any log line as a command (`::name::` at the start of a line,
 * `##[name]` anywhere) is broken up as well, because plan and validate print into CI logs.
 *
 * Escape each value where it is put into the output, never whole outputs: dialwindow's own
 * line breaks must survive, and only the values are untrusted.
 */

/**
 * C0 controls, DEL, C1 controls, the bidi controls "Trojan Source" uses (LRE..RLO, LRI..PDI,
 * LRM, RLM, ALM), the Unicode line and paragraph separators, and the byte-order mark.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value, on one line, with nothing in it a terminal or a CI runner would act on. */
export function safeText(value: string): string {
  return value
    .replace(UNSAFE, visible)
    .replace(/##\[/g, "##\\x5b")
    .replace(/^(\s*)::/, "$1\\x3a:");
}

/** Text that is meant to span lines (a stack trace, a multi-line message): each line made safe. */
export function safeLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => safeText(line))
    .join("\n");
}
