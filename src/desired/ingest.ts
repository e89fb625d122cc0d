/**
 * Ingesting what was read: each file parsed as YAML 1.2 (one or more documents, an alias
 * limit), each document checked for secrets and against its JSON Schema. Documents that pass
 * come back typed; every problem becomes a located finding, and the documents that failed are
 * listed with whatever could still be read of them (which campaign, whose labels).
 */
import { LineCounter, type Node, parseAllDocuments } from "yaml";
import {
  type AnyDocument,
  type CallingPolicyDocument,
  type CampaignScheduleDocument,
  CONFIG_FILE,
  type ConfigDocument,
  DOCUMENT_FOLDERS,
  type DocumentKind,
  type HolidayCalendarDocument,
} from "./documents.js";
import { fastDocuments } from "./fast-yaml.js";
import { type Finding, finding } from "./findings.js";
import type { SourceRead } from "./read-source.js";
import type { SchemaValidators } from "./schema.js";
import { findSecrets, secretMessage } from "./secrets.js";
import { type DocPath, type LoadedDocument, positionIn, scalarSource, YAML_OPTIONS } from "./source.js";

/** Aliases one document may expand; far above honest use, far below a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

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
export function unreadableFile(file: string): InvalidDocument {
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

export function ingest(
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
  const fast = expected === "Config" ? undefined : fastDocuments(schemas, source, expected);
  if (fast) {
    for (const doc of fast) addDocument(state, expected, doc);
    return;
  }
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
          secretMessage(hit),
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
      const home = Object.entries(DOCUMENT_FOLDERS).find(([, k]) => k === kind)?.[0];
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

export function emptyState(dir: string): LoadedState {
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
