/**
 * `dialwindow reconcile`: the daemon. Runs until SIGTERM/SIGINT (exit 0 after finishing
 * in-flight writes and flushing the journal), or with --once for a single pass (exit 1 if a
 * campaign could not be reconciled).
 */
import { Reconciler } from "../reconcile/reconciler.js";
import { UsageError } from "../util/errors.js";
import { parseSelectors, resolveDir } from "./common.js";
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
  const logger = io.daemonLogger("info");
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
  });
  if (flags.once) {
    const failed = await reconciler.runOnce();
    return failed > 0 ? EXIT.failure : EXIT.ok;
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
    void reconciler.stop(`received ${signal}`);
  });
  await reconciler.run();
  await reconciler.done;
  return EXIT.ok;
}
