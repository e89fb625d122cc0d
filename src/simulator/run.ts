/**
 * `dialwindow simulator`: runs the simulator in the foreground until SIGINT/SIGTERM and tells
 * the user how to point dialwindow at it. The CLI parses argv and calls `runSimulator`.
 */
import { UsageError } from "../util/errors.js";
import type { CampaignSeed } from "./campaign-store.js";
import { type RunSimulatorIo, readSeedFile, serveInForeground, throwSeedProblems } from "./foreground.js";
import { isPlainObject, validateSchedule } from "./schedule-validation.js";
import { DEFAULT_SETTINGS, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startSimulator } from "./simulator.js";

export interface RunSimulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port, printed on start). */
  port?: number | undefined;
  /** A JSON file `{ "campaigns": [ {id, name, status?, schedule} ] }` to seed from. */
  campaignsFile?: string | undefined;
  /** Campaigns built by the caller (e.g. from `--seed DIR`); not together with `campaignsFile`. */
  campaigns?: readonly CampaignSeed[] | undefined;
  /** API calls per client per minute; default 200. */
  rpm?: number | undefined;
  /** Keep campaigns in this file across restarts; when it exists it wins over the seeds. */
  stateFile?: string | undefined;
}

export type { RunSimulatorIo } from "./foreground.js";

/** Runs until SIGINT, SIGTERM or `io.signal`, then closes the simulator (flushing its state). */
export async function runSimulator(options: RunSimulatorOptions, io: RunSimulatorIo): Promise<void> {
  if (options.campaignsFile !== undefined && options.campaigns !== undefined) {
    throw new UsageError("give either a campaigns file or seed campaigns, not both");
  }
  const campaigns =
    options.campaignsFile === undefined ? options.campaigns : await loadCampaignsFile(options.campaignsFile);
  const simulator = await startSimulator({
    port: options.port,
    rpm: options.rpm,
    campaigns,
    stateFile: options.stateFile,
    logger: io.logger,
  });
  const rpm = simulator.settings().rpm;
  await serveInForeground(
    simulator,
    [
      `dialwindow CXone simulator (tutorial API profile) listening on ${simulator.apiUrl}`,
      `  campaigns: ${simulator.campaignCount()}${options.stateFile === undefined ? "" : ` (state kept in ${options.stateFile})`}`,
      `  rate limit: ${Number.isFinite(rpm) ? `${rpm} requests per minute per client` : "none"}`,
      "Point dialwindow at it with:",
      `  export CXONE_API_URL=${simulator.apiUrl}`,
      `  export CXONE_TOKEN_URL=${simulator.tokenUrl}`,
      `  export CXONE_CLIENT_ID=${DEMO_CLIENT_ID}`,
      `  export CXONE_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`,
    ],
    io,
  );
}

/**
 * Reads `{ "campaigns": [ {id, name, status?, schedule} ] }`, checking every schedule as a
 * PATCH would be checked, so a typo in a seed file is reported rather than served.
 */
export async function loadCampaignsFile(path: string): Promise<CampaignSeed[]> {
  const parsed = await readSeedFile(path, "campaigns");
  const problems: string[] = [];
  const seen = new Set<string>();
  const campaigns: CampaignSeed[] = [];
  parsed.campaigns.forEach((item: unknown, index) => {
    const at = `campaigns[${index}]`;
    if (!isPlainObject(item)) {
      problems.push(`${at}: must be an object with id, name and schedule`);
      return;
    }
    const found: string[] = [];
    for (const key of Object.keys(item)) {
      if (!["id", "name", "status", "schedule"].includes(key)) {
        found.push(`${at}.${key}: unexpected key (allowed: id, name, status, schedule)`);
      }
    }
    const { id, name, status } = item;
    if (typeof id === "number") found.push(`${at}.id: must be a string (CXone ids exceed 2^53); quote it`);
    else if (typeof id !== "string" || id === "") found.push(`${at}.id: must be a non-empty string`);
    else if (seen.has(id)) found.push(`${at}.id: ${id} appears more than once`);
    if (typeof name !== "string") found.push(`${at}.name: must be a string`);
    if (status !== undefined && typeof status !== "string") found.push(`${at}.status: must be a string`);
    const schedule = validateSchedule(
      item.schedule,
      { maxDialingBlocks: DEFAULT_SETTINGS.maxDialingBlocks },
      `${at}.schedule`,
    );
    if (!schedule.ok) found.push(...schedule.details);
    if (typeof id === "string") seen.add(id);
    if (found.length > 0 || !schedule.ok) {
      problems.push(...found);
      return;
    }
    campaigns.push({
      id: id as string,
      name: name as string,
      ...(typeof status === "string" ? { status } : {}),
      schedule: schedule.value,
    });
  });
  throwSeedProblems(path, problems);
  return campaigns;
}
