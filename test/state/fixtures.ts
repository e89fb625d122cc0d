/** Shared test fixtures: change records, temp dirs and a logger whose output can be read back. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Schedule } from "../../src/desired/schedule.js";
import type { ChangeRecord } from "../../src/state/change-record.js";
import type { IntentInput } from "../../src/state/journal.js";
import { createLogger, type Logger } from "../../src/util/log.js";
import { removeTemp } from "../helpers/fs.js";

export const BEFORE: Schedule = {
  timezone: "America/Chicago",
  dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
  pauseConditions: ["BUSY"],
};

export const AFTER: Schedule = {
  timezone: "America/Chicago",
  dialingHours: [
    { day: "MON", startTime: "08:00", endTime: "16:00" },
    { day: "SAT", startTime: "10:00", endTime: "14:00" },
  ],
  pauseConditions: ["BUSY", "NO_ANSWER"],
};

export function intentFor(n: number): IntentInput {
  return {
    intentId: `int_${n}`,
    campaignId: String(100000000000000000n + BigInt(n)),
    name: `campaign-${n}`,
    file: `campaigns/campaign-${n}.yaml`,
    revision: "0123456789abcdef0123456789abcdef01234567",
    before: BEFORE,
    after: AFTER,
    versionBefore: `"etag-${n}-a"`,
  };
}

export function changeFor(n: number, overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  const intent = intentFor(n);
  return {
    changeId: `chg_${String(n).padStart(4, "0")}`,
    campaignId: intent.campaignId,
    name: intent.name,
    file: intent.file,
    revision: intent.revision,
    before: BEFORE,
    after: AFTER,
    versionBefore: intent.versionBefore,
    versionAfter: `"etag-${n}-b"`,
    actor: "dialwindow apply (test@host)",
    at: "2026-03-01T12:00:00.000Z",
    ...overrides,
  } as ChangeRecord;
}

/** A fresh temp dir, removed when the test ends. */
export async function tempDir(
  t: { after(fn: () => Promise<void>): void },
  prefix = "dialwindow-test-",
): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => removeTemp(path));
  return path;
}

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  /** Parsed records. */
  records(): Record<string, unknown>[];
  text(): string;
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (msg: string) => void lines.push(msg) },
  });
  return {
    logger,
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join(""),
  };
}
