/** `dialwindow plan`: desired (effective at --at) against live; no writes. Exit 0 / 2 changes / 1 error. */
import { resolve } from "node:path";
import { NOT_A_CHECKOUT } from "../desired/revision.js";
import { parseSelectors } from "../desired/selector.js";
import { toJson } from "../escape/json.js";
import { planExitCode } from "../plan/plan.js";
import { renderMarkdown, renderText } from "../plan/render.js";
import { sealPlan, writePlanFile } from "../plan/saved-plan.js";
import { baselineAt } from "../review/review.js";
import { UsageError } from "../util/errors.js";
import { parseAt, resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";
import { loadDesired, planFrom, readLive } from "./session.js";

export interface PlanFlags {
  dir?: string;
  format?: string;
  out?: string;
  at?: string;
  selector?: string[];
  showUnmanaged?: boolean;
  /** --config-from REV: cxone, webhooks and audit from REV's dialwindow.yaml. */
  configFrom?: string;
  /** --base REV: the revision updates are attributed against (default --config-from's, or diff's). */
  base?: string;
}

export async function planCommand(io: CliIo, flags: PlanFlags): Promise<number> {
  const format = flags.format ?? "text";
  if (!["text", "json", "markdown"].includes(format))
    throw new UsageError(`--format ${format} is not one of text, json, markdown.`);
  const at = parseAt(io, flags.at);
  const dir = resolveDir(io, flags.dir);
  const desired = await loadDesired(io, dir, at, parseSelectors(flags.selector), flags.configFrom);
  if (!desired) return EXIT.failure;
  const base = flags.base ?? flags.configFrom;
  // Outside git there is no default base to compare with; asking git again would only say so.
  const baseline =
    base === undefined && desired.noRevision === NOT_A_CHECKOUT
      ? undefined
      : await baselineAt(dir, base, at, io.env);
  const logger = io.logger("warn");
  const { connection, read, target } = await readLive(io, desired, logger, {
    includeUnrequested: flags.showUnmanaged === true,
  });
  try {
    const plan = planFrom(desired, read, target, at, flags.showUnmanaged === true, true, baseline?.campaigns);
    if (flags.out) await writePlanFile(resolve(io.cwd, flags.out), plan);
    const noRevision = plan.revision ? {} : { noRevision: desired.noRevision };
    if (format === "json") io.stdout(`${toJson(sealPlan(plan), 2)}\n`);
    else if (format === "markdown") io.stdout(renderMarkdown(plan, noRevision));
    else io.stdout(renderText(plan, { target: connection.endpoint, ...noRevision }));
    if (flags.out && format !== "json")
      io.stderr(
        `Saved the plan to ${flags.out}; apply exactly it with: dialwindow apply --plan ${flags.out}\n`,
      );
    const code = planExitCode(plan);
    return code === 2 ? EXIT.changes : code === 1 ? EXIT.failure : EXIT.ok;
  } finally {
    await connection.close();
  }
}
