/**
 * What plan, apply and import share: read and validate the desired state (nothing reaches
 * the network unless it is valid), select campaigns, connect, read live state.
 */
import type { DateTime } from "luxon";
import type { CampaignSchedule } from "../desired/model.js";
import { readDesiredRevision } from "../desired/revision.js";
import { SchemaValidators } from "../desired/schema.js";
import { matches, type Selector } from "../desired/selector.js";
import { loadTrustedConfig } from "../desired/trusted-config.js";
import { type ValidationResult, validateDesiredState } from "../desired/validate.js";
import { type Connection, connect } from "../live/connect.js";
import type { CxonePort, ReadResult } from "../live/port.js";
import { buildPlan, type Plan, type PlanTarget } from "../plan/plan.js";
import type { Logger } from "../util/log.js";
import { type CliIo, clockOption } from "./io.js";
import { validationText } from "./validate-command.js";

export interface Desired {
  result: ValidationResult;
  campaigns: CampaignSchedule[];
  revision: string | null;
  /** Why there is no revision (outside git, no commit yet); empty when there is one. */
  noRevision: string;
}

/**
 * The validated desired state, or undefined after printing why it is not valid. With
 * `configFrom` (--config-from REV), dialwindow.yaml's cxone, webhooks and audit sections come
 * from REV, and are validated there.
 */
export async function loadDesired(
  io: CliIo,
  dir: string,
  at: DateTime,
  selector: Selector,
  configFrom?: string,
): Promise<Desired | undefined> {
  const schemas = new SchemaValidators();
  const trustedConfig =
    configFrom === undefined ? undefined : await loadTrustedConfig(dir, configFrom, { schemas });
  const result = await validateDesiredState(dir, {
    at,
    env: io.env,
    schemas,
    ...(trustedConfig ? { trustedConfig } : {}),
  });
  if (!result.valid) {
    io.stderr(validationText(result));
    io.stderr(
      "dialwindow: the desired state is not valid (see above); nothing was read from or sent to CXone.\n",
    );
    return undefined;
  }
  const campaigns = result.campaigns.filter((c) => matches(selector, c.labels));
  const revision = await readDesiredRevision(dir);
  return {
    result,
    campaigns,
    revision: revision.revision,
    noRevision: revision.revision === null ? revision.note : "",
  };
}

export interface LiveRead {
  connection: Connection;
  read: ReadResult;
  target: PlanTarget;
}

/**
 * What the plan is made for: the port's capabilities and the tenant facts it settles (with
 * `campaigns` of which some manage their curfews, the business unit's recipient zones too).
 */
export async function planTargetOf(
  port: CxonePort,
  campaigns: readonly CampaignSchedule[] = [],
): Promise<PlanTarget> {
  const curfews = port.capabilities.curfews && campaigns.some((c) => c.curfews !== undefined);
  return { capabilities: port.capabilities, ...(await port.target(curfews ? { curfews: true } : {})) };
}

/** The campaigns whose boundings are read: those with curfews: managed, and no other. */
export function curfewIds(campaigns: readonly CampaignSchedule[]): string[] {
  return campaigns.filter((c) => c.curfews !== undefined).map((c) => c.campaignId);
}

export async function readLive(
  io: CliIo,
  desired: Desired,
  logger: Logger,
  options: { includeUnrequested?: boolean } = {},
): Promise<LiveRead> {
  const connection = connect(desired.result.config, io.env, { logger, ...clockOption(io) });
  try {
    const target = await planTargetOf(connection.port, desired.campaigns);
    const read = await connection.port.readCampaigns(
      desired.campaigns.map((c) => c.campaignId),
      { includeUnrequested: options.includeUnrequested ?? false, curfews: curfewIds(desired.campaigns) },
    );
    return { connection, read, target };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** `withTransitions: false` (apply) skips listing upcoming transitions nobody will read. */
export function planFrom(
  desired: Desired,
  read: ReadResult,
  target: PlanTarget,
  at: DateTime,
  showUnmanaged: boolean,
  withTransitions = true,
  baseline?: ReadonlyMap<string, CampaignSchedule>,
): Plan {
  const plan = buildPlan({
    ...(baseline ? { baseline } : {}),
    ...(withTransitions ? {} : { transitionDays: 0 }),
    target,
    campaigns: desired.campaigns,
    live: read.campaigns,
    problems: read.problems,
    at,
    revision: desired.revision,
    showUnmanaged,
  });
  const { configFrom } = desired.result;
  return configFrom ? { ...plan, configFrom } : plan;
}
