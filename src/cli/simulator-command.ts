/** `dialwindow simulator`: the local CXone stand-in, optionally seeded from a desired-state directory. */
import { resolve } from "node:path";
import { effectiveSchedule } from "../desired/effective.js";
import { validateDesiredState } from "../desired/validate.js";
import { runAdminSimulator } from "../simulator/admin/run.js";
import { runSimulator } from "../simulator/run.js";
import { UsageError } from "../util/errors.js";
import { type CliIo, EXIT } from "./io.js";
import { validationText } from "./validate-command.js";

export interface SimulatorFlags {
  /** `tutorial` (default) or `cxone-admin`. */
  profile?: string;
  port?: string;
  campaigns?: string;
  seed?: string;
  rpm?: string;
  state?: string;
  /** cxone-admin only: seed from `{"skills": [...]}`. */
  skills?: string;
}

const PROFILES = ["tutorial", "cxone-admin"];

function int(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} ${value} is not a whole number.`);
  return n;
}

export async function simulatorCommand(
  io: CliIo,
  flags: SimulatorFlags,
  signal?: AbortSignal,
): Promise<number> {
  const profile = flags.profile ?? "tutorial";
  if (!PROFILES.includes(profile)) {
    throw new UsageError(`--profile ${profile} is not a simulator profile (use ${PROFILES.join(" or ")}).`);
  }
  if (profile === "cxone-admin") return adminSimulator(io, flags, signal);
  if (flags.skills) throw new UsageError("--skills FILE is for --profile cxone-admin; use --campaigns FILE.");
  if (flags.campaigns && flags.seed) throw new UsageError("give --campaigns FILE or --seed DIR, not both.");
  let campaigns: { id: string; name: string; schedule: ReturnType<typeof effectiveSchedule> }[] | undefined;
  if (flags.seed) {
    const at = io.now();
    const result = await validateDesiredState(resolve(io.cwd, flags.seed), { at, env: io.env });
    if (!result.valid) {
      io.stderr(validationText(result));
      return EXIT.failure;
    }
    // Seeded in sync with the desired state as of now; edit campaigns through the API to make drift.
    campaigns = result.campaigns.map((c) => ({
      id: c.campaignId,
      name: c.name,
      schedule: effectiveSchedule(c, at),
    }));
  }
  await runSimulator(
    {
      port: int("--port", flags.port),
      campaignsFile: flags.campaigns ? resolve(io.cwd, flags.campaigns) : undefined,
      campaigns,
      rpm: int("--rpm", flags.rpm),
      stateFile: flags.state ? resolve(io.cwd, flags.state) : undefined,
    },
    { stdout: { write: (t: string) => io.stdout(t) }, logger: io.logger("warn"), signal },
  );
  return EXIT.ok;
}

async function adminSimulator(
  io: CliIo,
  flags: SimulatorFlags,
  signal: AbortSignal | undefined,
): Promise<number> {
  for (const [flag, given, instead] of [
    ["--campaigns", flags.campaigns, "--skills FILE"],
    ["--state", flags.state, "a --skills FILE"],
    [
      "--seed",
      flags.seed,
      "--skills FILE (seeding from a desired-state directory comes with metadata.skillId)",
    ],
  ] as const) {
    if (given) throw new UsageError(`${flag} is not available with --profile cxone-admin; use ${instead}.`);
  }
  await runAdminSimulator(
    {
      port: int("--port", flags.port),
      skillsFile: flags.skills ? resolve(io.cwd, flags.skills) : undefined,
      rpm: int("--rpm", flags.rpm),
    },
    { stdout: { write: (t: string) => io.stdout(t) }, logger: io.logger("warn"), signal },
  );
  return EXIT.ok;
}
