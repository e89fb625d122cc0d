/** `dialwindow webhooks list|retry`: inspect and redeliver the outbox. */

import { access } from "node:fs/promises";
import { WritePipeline } from "../apply/pipeline.js";
import { resolveConfig } from "../desired/config.js";
import { loadDesiredState } from "../desired/load.js";
import { toJson } from "../escape/json.js";
import { safeText as t } from "../escape/text.js";
import { connect } from "../live/connect.js";
import { type DeliveryListing, listDeliveries } from "../notify/outbox.js";
import { Journal } from "../state/journal.js";
import { StateDirLockedError } from "../state/lock.js";
import { requestRetry } from "../state/retry-requests.js";
import { resolveStateDir, statePath } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import { auditFailure } from "./apply-command.js";
import { resolveDir } from "./common.js";
import { type CliIo, clockOption, EXIT } from "./io.js";

export interface WebhooksFlags {
  dir?: string;
  stateDir?: string;
  format?: string;
  change?: string[];
  state?: string;
  webhookWait?: string;
}

async function configOf(io: CliIo, dir: string) {
  const loaded = await loadDesiredState(dir);
  return resolveConfig(loaded.config?.value, io.env);
}

export async function webhooksListCommand(io: CliIo, flags: WebhooksFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const stateDir = resolveStateDir({ flag: flags.stateDir, env: io.env, desiredDir: dir, cwd: io.cwd }).path;
  const journalPath = statePath(stateDir, "journal");
  let rows: DeliveryListing[] = [];
  try {
    await access(journalPath);
    // Read-only: listing works while apply or the daemon holds the lock.
    const journal = await Journal.open(journalPath, { logger: io.logger("warn"), readOnly: true });
    try {
      const config = await configOf(io, dir);
      rows = listDeliveries(
        journal.view,
        config.webhooks.map((w) => w.name),
      );
    } finally {
      await journal.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (flags.state) rows = rows.filter((r) => r.state === flags.state);
  if (flags.format === "json") {
    io.stdout(`${toJson({ formatVersion: 1, deliveries: rows }, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout(`No webhook deliveries recorded in ${t(stateDir)}.\n`);
    return EXIT.ok;
  }
  for (const r of rows) {
    const last = r.lastError ? `  last error: ${t(r.lastError)}` : "";
    io.stdout(
      `${r.state.padEnd(9)} ${t(r.changeId)}  ${t(r.target)}  ${t(r.name)} (${t(r.campaignId)})  ${t(r.at)}  attempts ${r.attempts}${r.targetConfigured ? "" : "  (target no longer configured)"}${last}\n`,
    );
  }
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  io.stdout(
    `\n${count("delivered")} delivered, ${count("pending")} pending, ${count("dead")} dead.${count("dead") ? " Redeliver with: dialwindow webhooks retry" : ""}\n`,
  );
  return EXIT.ok;
}

export async function webhooksRetryCommand(io: CliIo, flags: WebhooksFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const config = await configOf(io, dir);
  const logger = io.logger("warn");
  const waitSeconds = flags.webhookWait === undefined ? 60 : Number(flags.webhookWait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
    throw new UsageError(`--webhook-wait ${flags.webhookWait} is not a number of seconds.`);
  const stateDir = resolveStateDir({ flag: flags.stateDir, env: io.env, desiredDir: dir, cwd: io.cwd }).path;
  let pipeline: WritePipeline;
  try {
    pipeline = await WritePipeline.open({
      stateDir,
      desiredDir: dir,
      config,
      env: io.env,
      logger,
      command: "webhooks retry",
      ...clockOption(io),
    });
  } catch (err) {
    if (!(err instanceof StateDirLockedError)) throw err;
    // A daemon (or an apply) holds the state directory: ask it to retry instead.
    await checkChangeIds(io, stateDir, flags.change);
    await requestRetry(stateDir, flags.change && flags.change.length > 0 ? flags.change : "all");
    io.stdout(
      `dialwindow ${t(err.holder.command)} (pid ${err.holder.pid} on ${t(err.holder.host)}) holds ${t(stateDir)}; asked it to redeliver ${flags.change?.length ? t(flags.change.join(", ")) : "all dead letters"}. A running reconciler does so within 10 s; see dialwindow webhooks list.\n`,
    );
    return EXIT.ok;
  }
  try {
    // Writes a crash left open are settled first, when CXone is reachable from here.
    if (pipeline.openIntentCount() > 0) {
      const connection = connect(config, io.env, { logger, ...clockOption(io) });
      try {
        await pipeline.recover(connection.port);
      } finally {
        await connection.close();
      }
    }
    const result = await pipeline.outbox.retry(flags.change, { deadlineMs: waitSeconds * 1000 });
    const finish = await pipeline.finish({
      deliveryDeadlineMs: 0,
      revision: null,
      actor: "dialwindow webhooks retry",
    });
    io.stdout(
      `Webhooks: ${result.requeued} dead letter(s) requeued${result.superseded ? ` (${result.superseded} older one(s) not resent: a newer change for the same campaign supersedes them)` : ""}; ${result.delivered} delivered, ${result.pending} pending, ${result.dead} dead.\n` +
        (finish.audit.commit
          ? `Audit: ${finish.audit.appended} record(s) in commit ${finish.audit.commit.slice(0, 12)}.\n`
          : ""),
    );
    const unaudited = auditFailure(finish, pipeline.stateDir.path);
    if (unaudited) io.stderr(unaudited);
    return result.dead > 0 || result.pending > 0 || unaudited ? EXIT.failure : EXIT.ok;
  } finally {
    await pipeline.close();
  }
}

/** Unknown change ids are refused here, before a request reaches a daemon that would drop it. */
async function checkChangeIds(
  io: CliIo,
  stateDir: string,
  ids: readonly string[] | undefined,
): Promise<void> {
  if (!ids || ids.length === 0) return;
  const journal = await Journal.open(statePath(stateDir, "journal"), {
    logger: io.logger("warn"),
    readOnly: true,
  });
  try {
    const unknown = ids.filter((id) => journal.view.change(id) === undefined);
    if (unknown.length > 0)
      throw new UsageError(
        `no change ${unknown.join(", ")} in the journal of ${stateDir}; dialwindow webhooks list shows the ids.`,
      );
  } finally {
    await journal.close();
  }
}
