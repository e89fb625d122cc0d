/**
 * Real git repositories in temporary directories for the audit tests: a bare repository
 * stands in for the remote, and a plain checkout plays the person who edits it by hand.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditTrail, AuditTrailOptions } from "../../src/audit/index.js";
import { openAuditTrail } from "../../src/audit/index.js";
import type { ChangeRecord } from "../../src/state/change-record.js";
import { createLogger, type Logger, silentLogger } from "../../src/util/log.js";
import { removeTemp } from "../helpers/fs.js";
import { git } from "../helpers/git.js";

export { git } from "../helpers/git.js";

export class Sandbox {
  readonly #dirs: string[] = [];

  async dir(prefix = "dw-audit-"): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  /** A new bare repository to act as the remote. */
  async remote(): Promise<string> {
    const dir = join(await this.dir("dw-audit-remote-"), "remote.git");
    git(tmpdir(), "init", "-q", "--bare", dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.map((dir) => removeTemp(dir)));
  }
}

export function record(id: string, at: string, overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  return {
    changeId: `chg_${id}`,
    campaignId: `10${id}`,
    name: `campaign-${id}`,
    file: `campaigns/${id}.yaml`,
    revision: "0123456789abcdef0123456789abcdef01234567",
    before: { timezone: "America/Chicago", dialingHours: [], pauseConditions: [] },
    after: {
      timezone: "America/Chicago",
      dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
      pauseConditions: ["BUSY"],
    },
    versionBefore: `"e${id}-1"`,
    versionAfter: `"e${id}-2"`,
    actor: "dialwindow apply (tester@host)",
    at,
    ...overrides,
  } as ChangeRecord;
}

export const META = {
  revision: "0123456789abcdef0123456789abcdef01234567",
  actor: "dialwindow apply (tester@host)",
};

export async function openTrail(
  workDir: string,
  overrides: Partial<AuditTrailOptions> = {},
): Promise<AuditTrail> {
  return openAuditTrail({
    workDir,
    branch: "dialwindow-audit",
    path: "audit",
    push: true,
    author: { name: "dialwindow", email: "dialwindow@example.test" },
    logger: silentLogger(),
    now: () => new Date("2026-03-14T12:00:00Z"),
    ...overrides,
  });
}

/** A logger whose lines can be inspected. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "debug",
    destination: {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines };
}

/**
 * Edits a file on `branch` of `remote` the way a person would: clone, change, commit, push
 * (a normal fast-forward push, so the remote's history shows the edit).
 */
export async function editOnRemote(
  sandbox: Sandbox,
  remote: string,
  branch: string,
  file: string,
  edit: (lines: string[]) => string[],
): Promise<void> {
  const work = join(await sandbox.dir("dw-audit-edit-"), "work");
  git(tmpdir(), "clone", "-q", "--branch", branch, remote, work);
  const path = join(work, file);
  const lines = (await readFile(path, "utf8")).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const edited = edit(lines);
  await writeFile(path, edited.length === 0 ? "" : `${edited.join("\n")}\n`);
  git(work, "commit", "-q", "-am", "edit the audit trail by hand");
  git(work, "push", "-q", "origin", branch);
}

/** Subjects of `branch` in a repository, newest first. */
export function subjects(repo: string, branch: string): string[] {
  return git(repo, "log", "--format=%s", branch).trim().split("\n").filter(Boolean);
}
