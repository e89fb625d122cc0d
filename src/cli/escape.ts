/** Values from files and from CXone, made safe for a terminal and for a GitHub comment. */
import type { MarkdownEscapes } from "../review/render.js";

// C0 and C1 controls (tab and newline aside), DEL, and the bidirectional overrides that can
// make text read differently from what it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function markdownEscapes(): MarkdownEscapes {
  return {
    text: (s) =>
      terminalSafe(s)
        .replace(/[\r\n\t]+/g, " ")
        // Every ASCII punctuation mark that means something in GitHub Markdown (links,
        // autolinks, emphasis, HTML, tables, math) is backslash-escaped, which CommonMark
        // renders as the character itself.
        .replace(/[!#$&()*+\-.:<=>@[\\\]^_`{|}~]/g, "\\$&"),
    code: (s) => {
      const body = terminalSafe(s).replace(/[\r\n]+/g, " ");
      const runs = body.match(/`+/g) ?? [];
      const ticks = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
      const pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
      return `${ticks}${pad}${body}${pad}${ticks}`;
    },
    fence: (body) => {
      const runs = body.match(/`{3,}/g) ?? [];
      return "`".repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
    },
  };
}
