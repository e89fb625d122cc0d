/**
 * `dialwindow reconcile`: the daemon. Runs until SIGTERM/SIGINT (exit 0 after finishing
 * in-flight writes and flushing the journal), or with --once for a single pass (exit 1 if a
 * campaign could not be reconciled).
 */

import { noRevisionNote } from "../desired/revision.js";
import { parseSelectors } from "../desired/selector.js";
import { safeText as t } from "../escape/text.js";
import { shortRevision } from "../plan/render.js";
import { type OnceReport, Reconciler } from "../reconcile/reconciler.js";
import { systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import { afterWriteLines, auditFailure, outcomeLines, recoveryLines } from "./apply-command.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";

export interface ReconcileFlags {
  dir?: string;
  repo?: string;
  branch?: string;
  once?: boolean;
  mode?: string;
  listen?: string;
  stateDir?: string;
  selector?: string[];
}

/** A daemon that cannot finish its shutdown in this long exits anyway: the journal is already on disk. */
const SHUTDOWN_LIMIT_MS = 45_000;

export async function reconcileCommand(io: CliIo, flags: ReconcileFlags): Promise<number> {
  if (flags.mode !== undefined && flags.mode !== "enforce" && flags.mode !== "report") {
    throw new UsageError(`--mode ${flags.mode} is not enforce or report.`);
  }
  if (flags.branch && !flags.repo) throw new UsageError("--branch goes with --repo.");
  // --once is a one-shot command like apply: its summary on stdout, log lines on stderr.
  const logger = flags.once ? io.logger("warn") : io.daemonLogger("info");
  const reconciler = await Reconciler.start({
    ...(flags.repo
      ? { repo: { url: flags.repo, ...(flags.branch ? { branch: flags.branch } : {}) } }
      : { dir: resolveDir(io, flags.dir) }),
    ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
    ...(flags.mode ? { mode: flags.mode as "enforce" | "report" } : {}),
    ...(flags.listen ? { listen: flags.listen } : {}),
    ...(flags.selector ? { selector: parseSelectors(flags.selector) } : {}),
    cwd: io.cwd,
    env: io.env,
    logger,
    // The daemon's instants come from io.now, like every command's; its timers from io.clock.
    clock: io.clock ?? { now: () => io.now().toMillis(), setTimer: systemClock.setTimer },
  });
  if (flags.once) {
    const report = await reconciler.runOnce();
    const dir = flags.repo ? undefined : resolveDir(io, flags.dir);
    io.stdout(renderOnce(report, !report.revision && dir ? await noRevisionNote(dir) : undefined));
    const unaudited = auditFailure(report.finish, report.stateDir);
    if (unaudited) io.stderr(unaudited);
    const why = whyNotReconciled(report);
    if (why) io.stderr(`dialwindow: reconcile --once: ${why}\n`);
    return why || unaudited ? EXIT.failure : EXIT.ok;
  }
  io.onStopSignal((signal) => {
    const limit = setTimeout(() => {
      logger.error(
        { limitMs: SHUTDOWN_LIMIT_MS },
        "shutdown took too long; exiting (the journal is on disk and settles the rest on the next start)",
      );
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    // Cleared once stopped: a process that runs on after the daemon (a test) must not be ended by it.
    void reconciler.stop(`received ${signal}`).finally(() => clearTimeout(limit));
  });
  await reconciler.run();
  await reconciler.done;
  return EXIT.ok;
}

/** The summary apply prints, for one reconcile pass. */
export function renderOnce(r: OnceReport, noRevision = "not a git checkout"): string {
  const lines = [
    `dialwindow reconcile --once: desired state at ${t(r.at)} (${r.revision ? `revision ${t(shortRevision(r.revision))}` : noRevision}) against ${t(r.target)}`,
    "",
    ...recoveryLines(r.recovery),
  ];
  if (r.readError) lines.push(`✗ CXone could not be read: ${t(r.readError)}`, "");
  lines.push(...outcomeLines(r.outcomes), ...afterWriteLines(r.finish, r.auditBranch));
  const count = (result: string) => r.outcomes.filter((o) => o.result === result).length;
  const held = [...r.notReconciled.values()].filter((why) => why === "held").length;
  const parts = [`${count("updated")} updated`, `${count("unchanged") + count("converged")} unchanged`];
  if (r.driftReported) parts.push(`${r.driftReported} drifted (report mode: not written)`);
  if (held) parts.push(`${held} held`);
  if (count("failed")) parts.push(`${count("failed")} failed`);
  lines.push(`Reconcile: ${parts.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

/** Why the pass exits 1, in a sentence; undefined when every campaign was reconciled. */
export function whyNotReconciled(r: OnceReport): string | undefined {
  if (r.readError) return `CXone could not be read (${t(r.readError)}); nothing was reconciled.`;
  if (r.notReconciled.size === 0) return undefined;
  const byReason = new Map<string, number>();
  for (const why of r.notReconciled.values()) byReason.set(why, (byReason.get(why) ?? 0) + 1);
  const n = r.notReconciled.size;
  const reasons = [...byReason].map(([why, k]) => `${k} ${why}`).join(", ");
  return `${n} campaign${n === 1 ? "" : "s"} not reconciled (${reasons}); see the summary above.`;
}
