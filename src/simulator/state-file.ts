/**
 * Optional persistence of the simulator's campaigns (and their ETags, so a saved plan stays
 * applicable across a simulator restart). Writes are coalesced: a burst of PATCHes produces
 * one write of the whole store, not one per PATCH, and each write is atomic (temp file, then
 * rename), so a crash leaves either the old or the new state, never half of one.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { WireSchedule } from "../desired/wire.js";
import { DialwindowError } from "../util/errors.js";
import type { CampaignSeed, CampaignSnapshot } from "./campaign-store.js";
import { isPlainObject } from "./schedule-validation.js";

export const STATE_FORMAT_VERSION = 1;

export type PersistedCampaign = CampaignSeed & { etag?: string | undefined };

/** Reads a state file; undefined when it does not exist yet. */
export async function readStateFile(path: string): Promise<PersistedCampaign[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DialwindowError("DW_SIMULATOR_STATE", `cannot read simulator state ${path}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DialwindowError("DW_SIMULATOR_STATE", `simulator state ${path} is not valid JSON`, {
      cause: error,
    });
  }
  if (
    !isPlainObject(parsed) ||
    parsed.formatVersion !== STATE_FORMAT_VERSION ||
    !Array.isArray(parsed.campaigns)
  ) {
    throw new DialwindowError(
      "DW_SIMULATOR_STATE",
      `simulator state ${path} is not a format-version ${STATE_FORMAT_VERSION} state file`,
    );
  }
  return parsed.campaigns.map((item: unknown, index) => {
    if (
      !isPlainObject(item) ||
      typeof item.id !== "string" ||
      typeof item.name !== "string" ||
      typeof item.status !== "string" ||
      typeof item.etag !== "string" ||
      !isPlainObject(item.schedule)
    ) {
      throw new DialwindowError(
        "DW_SIMULATOR_STATE",
        `simulator state ${path}: campaigns[${index}] needs string id, name, status, etag and a schedule object`,
      );
    }
    // Stored schedules are not re-validated: tests may seed deliberately odd live state.
    return {
      id: item.id,
      name: item.name,
      status: item.status,
      etag: item.etag,
      schedule: item.schedule as unknown as WireSchedule,
    };
  });
}

export function serializeState(campaigns: ReadonlyArray<Readonly<CampaignSnapshot>>): string {
  return JSON.stringify({ formatVersion: STATE_FORMAT_VERSION, campaigns });
}

/** Writes `data` to `path` so that readers only ever see a complete file. */
export async function writeAtomically(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, data, "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new DialwindowError("DW_SIMULATOR_STATE", `cannot write simulator state ${path}`, { cause: error });
  }
}

/**
 * Coalesces change notifications into whole-file writes, at most one in flight. `flush`
 * writes whatever is pending and reports the failure, if any, to its caller.
 */
export class StateWriter {
  readonly #path: string;
  readonly #serialize: () => string;
  readonly #delayMs: number;
  readonly #onBackgroundError: (error: unknown) => void;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(init: {
    path: string;
    serialize: () => string;
    delayMs: number;
    onBackgroundError: (error: unknown) => void;
  }) {
    this.#path = init.path;
    this.#serialize = init.serialize;
    this.#delayMs = init.delayMs;
    this.#onBackgroundError = init.onBackgroundError;
  }

  markDirty(): void {
    this.#dirty = true;
    // A write in flight picks the change up when it finishes; no second timer needed.
    if (this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain().catch(this.#onBackgroundError);
    }, this.#delayMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // An earlier background write may have failed; its error was reported there, and the
    // data is still dirty, so the drain below retries it and reports to this caller.
    await this.#running?.catch(() => undefined);
    await this.#drain();
  }

  #drain(): Promise<void> {
    if (this.#running === undefined) {
      // `.finally` runs asynchronously, so it cannot clear `#running` before it is set.
      const run = this.#writeWhileDirty().finally(() => {
        if (this.#running === run) this.#running = undefined;
      });
      this.#running = run;
    }
    return this.#running;
  }

  async #writeWhileDirty(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await writeAtomically(this.#path, this.#serialize());
      } catch (error) {
        this.#dirty = true;
        throw error;
      }
    }
  }
}
