/**
 * Reads a desired-state directory: dialwindow.yaml, campaigns/**, calendars/**, policies/**.
 * The files come from the listing (tree.ts), each is read safely (read-source.ts) and ingested
 * (ingest.ts, with the fast path of fast-yaml.ts). Nothing here throws for bad input: every
 * problem becomes a located finding, and documents that pass come back typed. I/O only at the
 * edges: reading files. No network, no clock.
 */
import { relative, sep } from "node:path";
import { CONFIG_FILE, type ConfigDocument, DOCUMENT_FOLDERS, type DocumentKind } from "./documents.js";
import { type Finding, finding } from "./findings.js";
import { emptyState, ingest, type LoadedState, unreadableFile } from "./ingest.js";
import { DEFAULT_MAX_FILE_BYTES, readSource, type SourceRead, sourceFromBytes } from "./read-source.js";
import { SchemaValidators } from "./schema.js";
import type { LoadedDocument } from "./source.js";
import { listDesiredTree } from "./tree.js";

export interface LoadOptions {
  /** Reuse compiled schemas across loads (the daemon loads many times). */
  schemas?: SchemaValidators;
}

export async function loadDesiredState(dir: string, options: LoadOptions = {}): Promise<LoadedState> {
  const schemas = options.schemas ?? new SchemaValidators();
  const state = emptyState(dir);
  // Links are judged here, once: what comes back is safe to open (see tree.ts).
  const tree = await listDesiredTree(dir, CONFIG_FILE, DOCUMENT_FOLDERS);
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

function rel(dir: string, path: string): string {
  return relative(dir, path).split(sep).join("/");
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
  ingest(state, schemas, sourceFromBytes(file, bytes), "Config");
  return { config: state.config, findings: state.findings };
}
