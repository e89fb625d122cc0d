/**
 * The fast YAML path: js-yaml where its answer provably matches the `yaml` library's (see
 * fastDocuments), for the common case of thousands of small valid files. Anything it is not
 * sure of goes to the slow path in ingest.ts, which reports problems with their positions.
 */
import jsyaml from "js-yaml";
import type { AnyDocument, DocumentKind } from "./documents.js";
import type { SchemaValidators } from "./schema.js";
import { findSecrets } from "./secrets.js";
import type { LoadedDocument, SourceFile } from "./source.js";

/**
 * The documents of a file that parses cleanly and is valid, or undefined to take the slow path.
 *
 * The `yaml` library is the authority (YAML 1.2 core schema, node positions for findings,
 * alias limits), but it spends ~300 µs per small file: three seconds for ten thousand
 * campaigns. js-yaml parses the same text fifteen times faster. It is used only where its
 * answer provably matches: no anchors, aliases, tags or merge keys (so no alias bombs and no
 * shared references), its CORE_SCHEMA (the YAML 1.2 core types, as `yaml` uses), and documents
 * whose leaves are all strings, none shaped like a float (the one place the two type plain
 * scalars differently: js-yaml keeps "-.5" a string). And its result is kept only when the file has no
 * finding at all; any problem sends the file through `yaml`, which reports it with its
 * position. A differential property test holds the two to the same values.
 */
export function fastDocuments(
  schemas: SchemaValidators,
  source: SourceFile,
  expected: DocumentKind,
): LoadedDocument<AnyDocument>[] | undefined {
  const values = parseFast(source.text);
  if (!values) return undefined;
  const accepted: LoadedDocument<AnyDocument>[] = [];
  for (const [index, value] of values.entries()) {
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value) || (value as { kind?: unknown }).kind !== expected)
      return undefined;
    if (findSecrets(value).length > 0) return undefined;
    if (schemas.validate(expected, value, () => undefined).length > 0) return undefined;
    accepted.push({ value: value as AnyDocument, source, index });
  }
  return accepted.length === 0 ? undefined : accepted; // no documents: the slow path warns (DW016)
}

/**
 * The documents of `text` by js-yaml, or undefined when the text is not eligible for the fast
 * path (see fastDocuments) or js-yaml refuses it. Where it answers, it answers what `yaml` would.
 */
export function parseFast(text: string): unknown[] | undefined {
  if (FAST_PATH_BLOCKERS.test(text) || !plainLayout(text)) return undefined;
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  return values.every(onlyPlainStrings) ? values : undefined;
}

/**
 * What the slow path handles, found by one regular expression:
 * - anchors (&), aliases (*), tags (!) and merge keys (<<);
 * - directives (`%YAML 1.1` makes yaml read `10:00` as the number 600; js-yaml ignores it);
 * - content on a `---` or `...` line (yaml refuses `--- a: b`, js-yaml reads it);
 * - a carriage return not followed by a line feed (js-yaml breaks lines at it, yaml does not,
 *   so a whole CR-only file is one comment to yaml).
 */
const FAST_PATH_BLOCKERS = /[&*!]|<<|^%|^(?:---|\.\.\.)[ \t]+[^\s#]|\r(?!\n)/m;

/** yaml refuses implicit keys longer than 1024 characters; js-yaml takes any length. */
const MAX_FAST_LINE = 1000;

const TAB = 9;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const SQUOTE = 39;
const COMMA = 44;
const DASH = 45;
const COLON = 58;
const QUESTION = 63;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/**
 * Whether every line is laid out the way js-yaml and yaml read alike. yaml requires a flow
 * collection or quoted scalar continued onto another line to be indented deeper than its
 * block, and js-yaml does not check; js-yaml turns a flow collection used as a key into a
 * string of its items, yaml into its YAML text; js-yaml lets a comment touch a closing quote
 * or bracket, yaml does not. So: no line longer than MAX_FAST_LINE, no flow collection or
 * quoted scalar left open at the end of a line, no flow collection or `?` as a key, and a `#`
 * after a closed node only behind white space. The scan may refuse what the parsers agree on
 * (a quote that opens a line of a block scalar), never the reverse; a refusal only costs time.
 */
function plainLayout(text: string): boolean {
  const n = text.length;
  if (n > MAX_FAST_LINE) {
    for (let from = 0; from < n; ) {
      let to = text.indexOf("\n", from);
      if (to < 0) to = n;
      if (to - from > MAX_FAST_LINE) return false;
      from = to + 1;
    }
  }
  // Only lines holding one of these can fail plainLine; the regular expression skips the rest
  // (comments, `name: x`, `spec:`) natively, which keeps this to a few microseconds a file.
  const sensitive = LAYOUT_SENSITIVE;
  for (let from = 0; from < n; ) {
    sensitive.lastIndex = from;
    const hit = sensitive.exec(text);
    if (hit === null) return true;
    const start = text.lastIndexOf("\n", hit.index) + 1;
    let end = text.indexOf("\n", hit.index);
    if (end < 0) end = n;
    if (!plainLine(text, start, end)) return false;
    from = end + 1;
  }
  return true;
}

const LAYOUT_SENSITIVE = /["'[{?]/g;

const NODE = 0; // where a node may start
const PLAIN = 1; // inside a plain scalar
const AFTER_QUOTED = 2; // a quoted scalar just closed
const AFTER_FLOW = 3; // a flow collection just closed

/** The character code at `i`, or -1 at the end of the line. */
function codeAt(t: string, i: number, to: number): number {
  return i < to ? t.charCodeAt(i) : -1;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === -1;
}

function plainLine(t: string, from: number, to: number): boolean {
  let depth = 0;
  let state = NODE;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (state === PLAIN) {
      // The hot path: most characters sit inside plain scalars and matter not at all.
      if (c > COLON && c !== LBRACKET && c !== RBRACKET && c !== LBRACE && c !== RBRACE) continue;
      if (c === COLON) {
        const next = codeAt(t, i + 1, to);
        if (isBlank(next) || (depth > 0 && (next === COMMA || next === RBRACKET || next === RBRACE)))
          state = NODE;
      } else if (c === HASH) {
        if (isBlank(t.charCodeAt(i - 1))) return depth === 0;
      } else if (depth > 0) {
        if (c === COMMA) state = NODE;
        else if (c === RBRACKET || c === RBRACE) {
          depth--;
          state = AFTER_FLOW;
        } else if (c === LBRACKET || c === LBRACE) return false;
      }
    } else if (state === NODE) {
      if (c === SPACE || c === TAB) continue;
      if (c === HASH) return depth === 0;
      if (c === DQUOTE || c === SQUOTE) {
        i = endOfQuoted(t, i, to);
        if (i < 0) return false;
        state = AFTER_QUOTED;
      } else if (c === LBRACKET || c === LBRACE) depth++;
      else if (depth > 0 && (c === RBRACKET || c === RBRACE)) {
        depth--;
        state = AFTER_FLOW;
      } else if (depth > 0 && c === COMMA) {
        // an empty entry: yaml and js-yaml both refuse it
      } else if ((c === DASH || c === QUESTION || c === COLON) && isBlank(codeAt(t, i + 1, to))) {
        if (c === QUESTION) return false; // an explicit key
      } else state = PLAIN;
    } else {
      // A quoted scalar or a flow collection has just closed.
      if (c === SPACE || c === TAB) continue;
      if (c === COLON) {
        if (state === AFTER_FLOW) return false; // a flow collection as a key
        state = NODE;
      } else if (c === HASH) return depth === 0 && isBlank(t.charCodeAt(i - 1));
      else if (depth > 0 && c === COMMA) state = NODE;
      else if (depth > 0 && (c === RBRACKET || c === RBRACE)) {
        depth--;
        state = AFTER_FLOW;
      } else return false; // text after a closed node: malformed; yaml says how
    }
  }
  return depth === 0;
}

/**
 * The index of the closing quote of the quoted scalar opening at `i`, or -1 when it does not
 * close on this line.
 */
function endOfQuoted(t: string, i: number, to: number): number {
  const quote = t.charCodeAt(i);
  for (let k = i + 1; k < to; k++) {
    const c = t.charCodeAt(k);
    if (quote === DQUOTE && c === BACKSLASH) k++;
    else if (c === quote) {
      if (quote === SQUOTE && codeAt(t, k + 1, to) === SQUOTE) k++;
      else return k;
    }
  }
  return -1;
}

/** Strings YAML 1.2 core would read as floats if unquoted; where js-yaml and yaml may differ. */
const FLOAT_LIKE =
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;

/**
 * Keys js-yaml may have made from a plain scalar that YAML 1.2 core does not read as a string:
 * `~: x` is "null" to js-yaml and "" to yaml. Numbers and booleans become the same text in
 * both today, but a key spelled like one (or like what one turns into: 31, 1e+21, Infinity,
 * NaN) is refused too, so the two never have to agree on how they print.
 */
const NON_STRING_KEY =
  /^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?Infinity|NaN|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)$/;

/** NON_STRING_KEY, with the regular expression only for keys starting as one of those can. */
function isNonStringKey(key: string): boolean {
  const c = key.charCodeAt(0);
  // Ordinary keys (apiVersion, spec, dialingHours) start with a lower-case letter none of
  // those spellings start with; n, t and f start null, true and false.
  if (c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) return false;
  return NON_STRING_KEY.test(key);
}

/**
 * Campaigns, calendars and policies hold only strings in their leaves, so a number, boolean or
 * null anywhere is a schema error the slow path must report anyway; and the parsers type plain
 * scalars alike except for some float spellings. Accepting only non-float-like strings (and
 * keys that can only be strings) makes the two paths' values identical, not merely close.
 */
function onlyPlainStrings(value: unknown): boolean {
  if (value === null || value === undefined) return true; // an empty document
  if (typeof value === "string") return !FLOAT_LIKE.test(value);
  if (Array.isArray(value)) return value.every((v) => v !== null && onlyPlainStrings(v));
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (v === null || isNonStringKey(k) || !onlyPlainStrings(v)) return false;
    }
    return true;
  }
  return false;
}
