/**
 * Reads a desired-state directory: dialwindow.yaml, campaigns/**, calendars/**, policies/**.
 * Every file is read with a size limit, checked to be UTF-8, parsed as YAML 1.2 (one or more
 * documents) with an alias limit, and each document is checked against its JSON Schema.
 * Nothing here throws for bad input: every problem becomes a located finding, and documents
 * that pass come back typed. I/O only at the edges: reading files. No network, no clock.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import jsyaml from "js-yaml";
import { LineCounter, type Node, parseAllDocuments } from "yaml";
import type {
  AnyDocument,
  CallingPolicyDocument,
  CampaignScheduleDocument,
  ConfigDocument,
  DocumentKind,
  HolidayCalendarDocument,
} from "./documents.js";
import { type Code, type Finding, finding } from "./findings.js";
import { SchemaValidators } from "./schema.js";
import { findSecrets } from "./secrets.js";
import {
  type DocPath,
  type LoadedDocument,
  positionIn,
  type SourceFile,
  scalarSource,
  YAML_OPTIONS,
} from "./source.js";
import { listDesiredTree } from "./tree.js";

export const CONFIG_FILE = "dialwindow.yaml";
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Aliases one document may expand; far above honest use, far below a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

/** Which folder holds which kind of document. */
const FOLDERS: Record<string, DocumentKind> = {
  campaigns: "CampaignSchedule",
  calendars: "HolidayCalendar",
  policies: "CallingPolicy",
};

export interface LoadedState {
  dir: string;
  config: LoadedDocument<ConfigDocument> | undefined;
  campaigns: LoadedDocument<CampaignScheduleDocument>[];
  calendars: LoadedDocument<HolidayCalendarDocument>[];
  policies: LoadedDocument<CallingPolicyDocument>[];
  /** Files and their invalid documents, for deciding which campaigns an error blocks. */
  invalid: InvalidDocument[];
  findings: Finding[];
  /** Number of YAML files read. */
  files: number;
}

export interface InvalidDocument {
  file: string;
  /** Document index in the file; undefined when the whole file could not be read or parsed. */
  index: number | undefined;
  kind: string | undefined;
  /** metadata.name / metadata.campaignId when they could be read despite the errors. */
  name: string | undefined;
  campaignId: string | undefined;
  /** metadata.labels (its string values) when it could be read: whose campaign it is (--selector). */
  labels: Readonly<Record<string, string>> | undefined;
}

/** A file that could not be read or listed: nothing in it can be told. */
function unreadableFile(file: string): InvalidDocument {
  return {
    file,
    index: undefined,
    kind: undefined,
    name: undefined,
    campaignId: undefined,
    labels: undefined,
  };
}

/** The string values of `metadata.labels` (none when it is left out), unless it is not a mapping. */
function readableLabels(labels: unknown): Record<string, string> | undefined {
  if (labels === undefined) return {};
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return undefined;
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === "string"));
}

export interface LoadOptions {
  /** Reuse compiled schemas across loads (the daemon loads many times). */
  schemas?: SchemaValidators;
}

export async function loadDesiredState(dir: string, options: LoadOptions = {}): Promise<LoadedState> {
  const schemas = options.schemas ?? new SchemaValidators();
  const state = emptyState(dir);
  // Links are judged here, once: what comes back is safe to open (see tree.ts).
  const tree = await listDesiredTree(dir, CONFIG_FILE, FOLDERS);
  for (const p of tree.problems) {
    state.findings.push(finding(p.code, "error", p.message, { file: p.file, line: 1, col: 1 }));
    state.invalid.push(unreadableFile(p.file));
  }

  const configProblem = tree.problems.some((p) => p.file === CONFIG_FILE);
  const configRead: SourceRead = tree.config
    ? readSource(tree.config.file, tree.config.path, DEFAULT_MAX_FILE_BYTES)
    : { kind: "missing" };
  let maxFileBytes = DEFAULT_MAX_FILE_BYTES;
  if (configRead.kind === "missing") {
    // Reported below, once we know whether the directory holds anything at all.
  } else {
    state.files++;
    ingest(state, schemas, configRead, "Config");
    maxFileBytes = state.config?.value.limits?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  for (const f of tree.files) {
    state.files++;
    ingest(state, schemas, readSource(f.file, f.path, maxFileBytes), f.kind);
  }

  if (configRead.kind === "missing" && !configProblem) {
    const empty = tree.files.length === 0 && tree.problems.length === 0;
    state.findings.push(
      finding(
        empty ? "DW006" : "DW007",
        "error",
        empty
          ? `no desired state found in ${dir}: expected ${CONFIG_FILE} and campaigns/*.yaml. Run dialwindow from your desired-state repository, pass --dir, or start from the example in desired-state/.`
          : `${CONFIG_FILE} is missing: every desired-state directory needs one (apiVersion: dialwindow/v1, kind: Config). See the README's Config reference.`,
        { file: CONFIG_FILE, line: 1, col: 1 },
      ),
    );
  }
  return state;
}

type SourceRead =
  | { kind: "ok"; source: SourceFile }
  | { kind: "missing" }
  | { kind: "failed"; file: string; code: Code; message: string; line: number; col: number };

function rel(dir: string, path: string): string {
  return relative(dir, path).split(sep).join("/");
}

/** Windows has no O_NOFOLLOW; the tree is checked for links before anything is opened anyway. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Reads one file (`path`, shown as `file`): size checked before reading, UTF-8 checked after.
 * Synchronous on purpose: parsing is synchronous anyway, and for thousands of small files sync
 * reads are several times faster than going through the thread pool four times per file.
 * `follow` only for dialwindow's own files (a package manager may install them as links).
 */
function readSource(file: string, path: string, maxBytes: number, follow = false): SourceRead {
  let fd: number;
  try {
    // Non-blocking, so a named pipe called *.yaml is reported below instead of hanging validate.
    // No-follow: listDesiredTree judged every link; one that appeared since is not read either.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return {
      kind: "failed",
      file,
      code: "DW008",
      message: `cannot read ${file} (${code ?? String(err)}); check its permissions.`,
      line: 1,
      col: 1,
    };
  }
  try {
    const stat = fstatSync(fd);
    const { size } = stat;
    if (!stat.isFile()) {
      return {
        kind: "failed",
        file,
        code: "DW008",
        message: `cannot read ${file}: it is ${stat.isDirectory() ? "a folder (or a link to one)" : "not a regular file (a pipe, socket or device)"}, not a YAML file. Rename or remove it.`,
        line: 1,
        col: 1,
      };
    }
    if (size > maxBytes) {
      return {
        kind: "failed",
        file,
        code: "DW002",
        message: `${file} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for a desired-state file; split it into smaller files (one campaign per file is usual), or raise limits.maxFileBytes in ${CONFIG_FILE} if it is really meant to be this large.`,
        line: 1,
        col: 1,
      };
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(fd);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        kind: "failed",
        file,
        code: "DW008",
        message: `cannot read ${file} (${code ?? String(err)}); check the file and its permissions.`,
        line: 1,
        col: 1,
      };
    }
    const decoded = decodeUtf8(bytes);
    if (typeof decoded !== "string") {
      return {
        kind: "failed",
        file,
        code: "DW003",
        message: `${file} is not UTF-8 (${decoded.reason} at byte ${decoded.offset}); save it as UTF-8.`,
        line: decoded.line,
        col: decoded.col,
      };
    }
    return { kind: "ok", source: { path: file, text: decoded } };
  } finally {
    closeSync(fd);
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The text, or where the first byte that is not valid UTF-8 sits. */
export function decodeUtf8(
  bytes: Uint8Array,
): string | { reason: string; offset: number; line: number; col: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { reason: "it starts with a UTF-16 byte order mark", offset: 0, line: 1, col: 1 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { reason: "it starts with a UTF-16 byte order mark", offset: 0, line: 1, col: 1 };
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const col = new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1;
    return {
      reason: `invalid byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")}`,
      offset,
      line,
      col,
    };
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    const need =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
    }
    // Overlong 3/4-byte forms, surrogates and > U+10FFFF.
    const c1 = b[i + 1] as number;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += need + 1;
  }
  return b.length;
}

function ingest(
  state: LoadedState,
  schemas: SchemaValidators,
  read: SourceRead,
  expected: DocumentKind,
): void {
  if (read.kind === "missing") return;
  if (read.kind === "failed") {
    state.findings.push(finding(read.code, "error", read.message, read));
    state.invalid.push(unreadableFile(read.file));
    return;
  }
  const { source } = read;
  if (expected !== "Config" && ingestFast(state, schemas, source, expected)) return;
  const lc = new LineCounter();
  const docs = parseAllDocuments(source.text, { ...YAML_OPTIONS, lineCounter: lc });
  const list = Array.isArray(docs) ? docs : [];
  const at = (root: Node | null | undefined, path: DocPath, target: "key" | "value") => ({
    file: source.path,
    ...positionIn(root, path, lc, target),
  });
  const fail = (index: number | undefined, value: unknown) => {
    const meta = (
      value as
        | { metadata?: { name?: unknown; campaignId?: unknown; skillId?: unknown; labels?: unknown } }
        | undefined
    )?.metadata;
    state.invalid.push({
      file: source.path,
      index,
      kind:
        typeof (value as { kind?: unknown })?.kind === "string"
          ? String((value as { kind: string }).kind)
          : undefined,
      name: typeof meta?.name === "string" ? meta.name : undefined,
      campaignId:
        typeof meta?.campaignId === "string"
          ? meta.campaignId
          : typeof meta?.skillId === "string"
            ? meta.skillId
            : undefined,
      labels: readableLabels(meta?.labels),
    });
  };

  let contents = 0;
  list.forEach((doc, index) => {
    if (doc.contents !== null) contents++;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
        const what = err.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? err.message;
        state.findings.push(
          finding(
            "DW001",
            "error",
            `YAML syntax error: ${what}. Fix the YAML at this position (check indentation, quotes and brackets).`,
            {
              file: source.path,
              ...pos,
            },
          ),
        );
      }
      fail(index, undefined);
      return;
    }
    const root = doc.contents as Node | null;
    if (root === null) return; // an empty document (only comments) is harmless
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      if (err instanceof ReferenceError || err instanceof RangeError) {
        state.findings.push(
          finding(
            "DW004",
            "error",
            `this document expands YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times, which is how "billion laughs" attacks look; write the values out instead of aliasing them.`,
            at(root, [], "value"),
          ),
        );
        fail(index, undefined);
        return;
      }
      throw err;
    }

    const secretHits = findSecrets(value);
    for (const hit of secretHits) {
      state.findings.push(
        finding(
          "DW150",
          "error",
          hit.kind === "key"
            ? `\`${hit.key}\` looks like a secret, and secrets never go in desired-state YAML (it is reviewed, printed in plans and kept in git history). Remove it and provide the secret through the environment: CXONE_CLIENT_SECRET for CXone, and webhooks[].secretEnv naming the variable for webhook signing secrets.`
            : hit.kind === "url"
              ? `the URL in \`${hit.key}\` carries a credential in ${hit.part} (not shown), and secrets never go in desired-state YAML. Remove it from the URL and rotate it (it may already be in git history). Webhooks are authenticated by their signature (webhooks[].secretEnv), CXone by CXONE_CLIENT_ID / CXONE_CLIENT_SECRET; a CXone URL that must carry a credential belongs in CXONE_API_URL / CXONE_TOKEN_URL in the environment.`
              : `the value of \`${hit.key}\` looks like a secret (not shown), and secrets never go in desired-state YAML. Remove it, rotate it (it may already be in git history), and provide it through the environment instead.`,
          at(root, hit.path, hit.kind === "key" ? "key" : "value"),
        ),
      );
    }

    const kind = (value as { kind?: unknown } | null)?.kind;
    if (value === null || typeof value !== "object" || Array.isArray(value) || typeof kind !== "string") {
      state.findings.push(
        finding(
          "DW005",
          "error",
          `this document has no \`kind\`; a desired-state document starts with apiVersion: dialwindow/v1 and kind: ${expected}.`,
          at(root, [], "value"),
        ),
      );
      fail(index, value);
      return;
    }
    if (kind !== expected) {
      const known = ["CampaignSchedule", "HolidayCalendar", "CallingPolicy", "Config"];
      const home = Object.entries(FOLDERS).find(([, k]) => k === kind)?.[0];
      const message = !known.includes(kind)
        ? `unknown kind ${JSON.stringify(kind)}; this file holds ${expected} documents.`
        : kind === "Config"
          ? `a Config document belongs in ${CONFIG_FILE} at the top of the desired-state directory, not in ${source.path}.`
          : expected === "Config"
            ? `${CONFIG_FILE} must hold the Config document, not a ${kind}; move the ${kind} to ${home}/.`
            : `a ${kind} belongs in ${home}/, not in ${source.path}; move it there.`;
      state.findings.push(
        finding(known.includes(kind) ? "DW009" : "DW005", "error", message, at(root, ["kind"], "value")),
      );
      fail(index, value);
      return;
    }
    if (expected === "Config" && index > 0) {
      state.findings.push(
        finding(
          "DW009",
          "error",
          `${CONFIG_FILE} must hold exactly one Config document; remove the extra one.`,
          at(root, [], "value"),
        ),
      );
      return;
    }

    const secretPaths = new Set(secretHits.map((h) => h.path.join("\u0000")));
    const problems = schemas
      .validate(expected, value, (path) => scalarSource(root, path))
      .filter((p) => !(p.code === "DW011" && secretPaths.has(p.path.join("\u0000"))));
    for (const p of problems)
      state.findings.push(finding(p.code, "error", p.message, at(root, p.path, p.target)));
    if (problems.length > 0 || secretHits.length > 0) {
      fail(index, value);
      return;
    }

    addDocument(state, expected, { value: value as AnyDocument, source, index });
  });
  if (contents === 0 && expected !== "Config" && list.every((doc) => doc.errors.length === 0)) {
    // A file that declares nothing is almost always a mistake that would otherwise pass in
    // silence: a campaign whose file yaml reads as one long comment is simply not managed.
    const loneCr = /\r(?!\n)/.test(source.text)
      ? " It contains carriage returns without line feeds (old Mac line endings), which are not line breaks here: save it with LF (or CRLF) line endings."
      : "";
    state.findings.push(
      finding(
        "DW016",
        "warning",
        `${source.path} holds no documents; if it should declare a ${expected}, check its line endings/indentation, otherwise delete it.${loneCr}`,
        { file: source.path, line: 1, col: 1 },
      ),
    );
  }
}

/**
 * A fast path for the common case: a file that parses cleanly and is valid.
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
function ingestFast(
  state: LoadedState,
  schemas: SchemaValidators,
  source: SourceFile,
  expected: DocumentKind,
): boolean {
  const values = parseFast(source.text);
  if (!values) return false;
  const accepted: LoadedDocument<AnyDocument>[] = [];
  for (const [index, value] of values.entries()) {
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value) || (value as { kind?: unknown }).kind !== expected)
      return false;
    if (findSecrets(value).length > 0) return false;
    if (schemas.validate(expected, value, () => undefined).length > 0) return false;
    accepted.push({ value: value as AnyDocument, source, index });
  }
  if (accepted.length === 0) return false; // no documents: the slow path warns (DW016)
  for (const doc of accepted) addDocument(state, expected, doc);
  return true;
}

/**
 * The documents of `text` by js-yaml, or undefined when the text is not eligible for the fast
 * path (see ingestFast) or js-yaml refuses it. Where it answers, it answers what `yaml` would.
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

function addDocument(state: LoadedState, kind: DocumentKind, loaded: LoadedDocument<AnyDocument>): void {
  switch (kind) {
    case "CampaignSchedule":
      state.campaigns.push(loaded as LoadedDocument<CampaignScheduleDocument>);
      break;
    case "HolidayCalendar":
      state.calendars.push(loaded as LoadedDocument<HolidayCalendarDocument>);
      break;
    case "CallingPolicy":
      state.policies.push(loaded as LoadedDocument<CallingPolicyDocument>);
      break;
    case "Config":
      state.config = loaded as LoadedDocument<ConfigDocument>;
      break;
  }
}

/** Loads the given files as documents of one kind (the built-in policy packs). */
export async function loadFilesOfKind(
  root: string,
  paths: readonly string[],
  kind: DocumentKind,
  options: LoadOptions = {},
): Promise<LoadedState> {
  const schemas = options.schemas ?? new SchemaValidators();
  const state = emptyState(root);
  for (const path of paths) {
    state.files++;
    ingest(state, schemas, readSource(rel(root, path), path, DEFAULT_MAX_FILE_BYTES, true), kind);
  }
  return state;
}

/**
 * A dialwindow.yaml read from somewhere other than the directory (a git revision, for
 * --config-from), through the same checks as one on disk: UTF-8, YAML, secrets, schema.
 * `file` names it in findings. The caller checks the size before reading the bytes.
 */
export function loadConfigText(
  file: string,
  bytes: Uint8Array,
  schemas: SchemaValidators,
): { config: LoadedDocument<ConfigDocument> | undefined; findings: Finding[] } {
  const state = emptyState(file);
  const decoded = decodeUtf8(bytes);
  const read: SourceRead =
    typeof decoded === "string"
      ? { kind: "ok", source: { path: file, text: decoded } }
      : {
          kind: "failed",
          file,
          code: "DW003",
          message: `${file} is not UTF-8 (${decoded.reason} at byte ${decoded.offset}); save it as UTF-8.`,
          line: decoded.line,
          col: decoded.col,
        };
  ingest(state, schemas, read, "Config");
  return { config: state.config, findings: state.findings };
}

function emptyState(dir: string): LoadedState {
  return {
    dir,
    config: undefined,
    campaigns: [],
    calendars: [],
    policies: [],
    invalid: [],
    findings: [],
    files: 0,
  };
}

export type { AnyDocument };
