/**
 * `--config-from REV`: the sections of dialwindow.yaml that decide where credentials, signed
 * webhooks and audit pushes go (cxone, webhooks, audit) are read from the file as committed at
 * git revision REV (the base branch, in CI), never from the work tree, which a pull request
 * can edit. Everything else (limits, policy, reconcile) still comes from the work tree: that is
 * what the pull request proposes.
 *
 * The file is read with git from the repository holding the desired-state directory, at the
 * same path inside it, and goes through the same checks as one on disk. I/O at the edge only:
 * reading git. Merging and comparing sections is pure.
 */
import { UsageError } from "../util/errors.js";
import { type GitRunOptions, git, gitBytes, gitMaybe } from "../util/git.js";
import type { ConfigDocument } from "./documents.js";
import { CONFIG_FILE } from "./documents.js";
import { type Finding, finding } from "./findings.js";
import { loadConfigText } from "./load.js";
import { DEFAULT_MAX_FILE_BYTES } from "./read-source.js";
import { SchemaValidators } from "./schema.js";
import type { LoadedDocument } from "./source.js";

const GIT_TIMEOUT_MS = 30_000;

/** The sections taken from REV, in the order messages name them. */
export const TRUSTED_SECTIONS = ["cxone", "webhooks", "audit"] as const;
export type TrustedSection = (typeof TRUSTED_SECTIONS)[number];

export interface TrustedConfig {
  rev: string;
  /** The commit REV resolved to. */
  commit: string;
  /** How findings and messages name the file: "main:desired-state/dialwindow.yaml". */
  file: string;
  /** REV's Config document, undefined when it is invalid (then `findings` say why). */
  document: LoadedDocument<ConfigDocument> | undefined;
  findings: Finding[];
}

/** What a plan says about it (the `configFrom` of the JSON plan). */
export interface ConfigFrom {
  rev: string;
  commit: string;
  file: string;
  sections: TrustedSection[];
  /** Trusted sections the work tree changes: they take effect after merge. */
  changed: TrustedSection[];
  message: string;
}

/**
 * Reads dialwindow.yaml at `rev` from the repository holding `dir`. Throws UsageError (before
 * anything is sent anywhere) when `dir` is not in a git repository, `rev` does not exist, or
 * the file is missing there; problems inside the file are findings.
 */
export async function loadTrustedConfig(
  dir: string,
  rev: string,
  options: { schemas?: SchemaValidators } = {},
): Promise<TrustedConfig> {
  const flag = `--config-from ${rev}`;
  if (rev.trim() === "" || rev.startsWith("-")) {
    throw new UsageError(
      `${flag}: give a git revision, e.g. --config-from main or --config-from origin/main.`,
    );
  }
  const { gitDir, prefix } = await locate(dir, flag);
  const inRepo: GitRunOptions = { cwd: gitDir, gitDir, timeoutMs: GIT_TIMEOUT_MS };
  const commit = (
    await gitMaybe(["rev-parse", "--verify", "-q", `${rev}^{commit}`], inRepo).catch(() => undefined)
  )?.trim();
  if (!commit) {
    throw new UsageError(
      `${flag}: no such revision in ${gitDir}. In CI, fetch the base branch first (actions/checkout with fetch-depth: 0), or pass its commit.`,
    );
  }
  const path = `${prefix}${CONFIG_FILE}`;
  const file = `${rev}:${path}`;
  const entry = (await git(["ls-tree", "-l", "-z", "--full-tree", commit, "--", path], inRepo)).split(
    "\0",
  )[0];
  const [, mode, type, sha, size] = /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t/.exec(entry ?? "") ?? [];
  if (mode === undefined || sha === undefined) {
    throw new UsageError(
      `${flag}: ${file} does not exist. --config-from reads dialwindow.yaml at the same path as --dir inside the repository; check --dir and the revision.`,
    );
  }
  if (type !== "blob" || mode === "120000") {
    throw new UsageError(
      `${flag}: ${file} is ${mode === "120000" ? "a symbolic link" : "not a file"} in that revision; dialwindow reads only a regular file there.`,
    );
  }
  if (Number(size) > DEFAULT_MAX_FILE_BYTES) {
    return {
      rev,
      commit,
      file,
      document: undefined,
      findings: [
        finding(
          "DW002",
          "error",
          `${file} is ${size} bytes, over the ${DEFAULT_MAX_FILE_BYTES}-byte limit for dialwindow.yaml; it was not read.`,
          { file, line: 1, col: 1 },
        ),
      ],
    };
  }
  const loaded = loadConfigText(
    file,
    await gitBytes(["cat-file", "blob", sha], inRepo),
    options.schemas ?? new SchemaValidators(),
  );
  const findings = [...loaded.findings];
  if (loaded.config === undefined && !findings.some((f) => f.severity === "error")) {
    findings.push(
      finding(
        "DW007",
        "error",
        `${file} holds no Config document; --config-from needs a dialwindow.yaml at that revision.`,
        { file, line: 1, col: 1 },
      ),
    );
  }
  return { rev, commit, file, document: loaded.config, findings };
}

async function locate(dir: string, flag: string): Promise<{ gitDir: string; prefix: string }> {
  try {
    const stdout = await git(["rev-parse", "--absolute-git-dir", "--show-prefix"], {
      cwd: dir,
      timeoutMs: GIT_TIMEOUT_MS,
    });
    const [gitDir, prefix = ""] = stdout.split("\n");
    if (gitDir) return { gitDir, prefix };
  } catch {
    // Reported below.
  }
  throw new UsageError(
    `${flag}: ${dir} is not inside a git repository; --config-from reads dialwindow.yaml from a commit of the repository holding --dir.`,
  );
}

/** The work tree's document with the trusted sections replaced by REV's (absent there: absent). */
export function withTrustedSections(
  worktree: ConfigDocument | undefined,
  trusted: ConfigDocument | undefined,
): ConfigDocument {
  const out: ConfigDocument = { ...(worktree ?? { apiVersion: "dialwindow/v1", kind: "Config" }) };
  delete out.cxone;
  delete out.webhooks;
  delete out.audit;
  if (trusted?.cxone !== undefined) out.cxone = trusted.cxone;
  if (trusted?.webhooks !== undefined) out.webhooks = trusted.webhooks;
  if (trusted?.audit !== undefined) out.audit = trusted.audit;
  return out;
}

/** Trusted sections whose content differs between the work tree and REV. */
export function changedSections(
  worktree: ConfigDocument | undefined,
  trusted: ConfigDocument | undefined,
): TrustedSection[] {
  return TRUSTED_SECTIONS.filter((k) => canonical(worktree?.[k]) !== canonical(trusted?.[k]));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function describeConfigFrom(trusted: TrustedConfig, changed: TrustedSection[]): ConfigFrom {
  const list = (names: readonly string[]) =>
    names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const message =
    `${CONFIG_FILE}: ${list(TRUSTED_SECTIONS)} come from ${trusted.rev} (${trusted.file}), not from the work tree.` +
    (changed.length > 0 ? ` The work tree's changes to ${list(changed)} take effect after merge.` : "");
  return {
    rev: trusted.rev,
    commit: trusted.commit,
    file: trusted.file,
    sections: [...TRUSTED_SECTIONS],
    changed,
    message,
  };
}
