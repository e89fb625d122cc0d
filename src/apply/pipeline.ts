/**
 * Everything around a write to CXone, for every command that writes (apply, reconcile,
 * webhooks retry): the locked state directory, the journal, the webhook outbox and the git
 * audit trail.
 *
 *   open()     lock the state dir, replay the journal, resolve webhook secrets, open the trail
 *   recover()  settle writes a crash left open, by reading live state
 *   recorder   journals intent -> written/abandoned around each write (see apply.ts)
 *   finish()   deliver pending webhooks (bounded time) and commit unaudited changes (one commit)
 *
 * Work left unfinished (a receiver down, a remote unreachable) stays in the journal and is
 * finished first by the next command that writes.
 */
import { hostname, userInfo } from "node:os";
import type { Dispatcher } from "undici";
import { type AuditTrail, openAuditTrail } from "../audit/trail.js";
import type { ResolvedConfig } from "../desired/config.js";
import { curfewsEqual } from "../desired/curfews.js";
import { schedulesEqual } from "../desired/schedule.js";
import type { CxonePort } from "../live/port.js";
import { Outbox } from "../notify/outbox.js";
import { loadWebhookTargets } from "../notify/targets.js";
import { changeRecordFor, partOf, type WriteIntent } from "../state/change-record.js";
import { Journal } from "../state/journal.js";
import { openStateDir, type StateDir, statePath } from "../state/state-dir.js";
import { type Clock, dateNow, sleep, systemClock } from "../util/clock.js";
import { gitMaybe } from "../util/git.js";
import { newChangeId } from "../util/ids.js";
import type { Logger } from "../util/log.js";
import type { WriteRecorder } from "./apply.js";

export interface PipelineOptions {
  stateDir: string;
  desiredDir: string;
  config: ResolvedConfig;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** "apply", "reconcile", "webhooks retry": shown to a second process that finds the lock. */
  command: string;
  /**
   * Where audit commits are pushed: a URL or path; null keeps them local; undefined means the
   * desired-state checkout's `origin` remote, if it has one.
   */
  auditRemote?: string | null;
  dispatcher?: Dispatcher;
  /** The one clock: the journal's, the lock's, the outbox's (and its waits) and the audit trail's. */
  clock?: Clock;
  /** Told of every webhook attempt's outcome (the daemon's metrics). */
  onWebhookOutcome?: (target: string, result: "delivered" | "retrying" | "dead") => void;
}

export interface RecoverySummary {
  /** Open intents whose write turned out to have landed: now journalled as changes. */
  confirmed: number;
  /** Open intents whose write had not landed. */
  abandoned: number;
  /** Open intents that could not be settled now (the re-read failed); settled next time. */
  unsettled: number;
}

export interface FinishSummary {
  webhooks: { delivered: number; pending: number; dead: number };
  audit: { appended: number; commit: string | null; pushed: boolean; pending: number; error?: string };
}

export class WritePipeline {
  readonly recorder: WriteRecorder;
  /** Intents whose write is still running in this process: never settled from live state. */
  private readonly inFlight = new Set<string>();
  /** An audit commit exists that the remote has not received yet. */
  private unpushed = false;

  private constructor(
    readonly stateDir: StateDir,
    readonly journal: Journal,
    readonly outbox: Outbox,
    readonly audit: AuditTrail | undefined,
    private readonly options: PipelineOptions,
    private readonly auditError: string | undefined,
    private readonly auditRemoteConfigured: boolean,
  ) {
    const auditEnabled = options.config.audit.enabled;
    this.recorder = {
      intent: async (i) => {
        const id = (await journal.recordIntent(i)).intentId;
        this.inFlight.add(id);
        return id;
      },
      // The `written` entry makes the change pending for every webhook target and the trail.
      written: async (intentId, change) => {
        try {
          await this.outbox.enqueue(intentId, change, { audit: auditEnabled });
        } finally {
          this.inFlight.delete(intentId);
        }
      },
      abandoned: async (intentId, reason) => {
        try {
          await journal.recordAbandoned(intentId, reason);
        } finally {
          this.inFlight.delete(intentId);
        }
      },
      release: (intentId) => {
        this.inFlight.delete(intentId);
      },
    };
  }

  static async open(options: PipelineOptions): Promise<WritePipeline> {
    const log = options.logger;
    // Secrets are resolved before the lock is taken and before anything is written, so a
    // missing WFM secret stops the command before it changes CXone.
    const targets = loadWebhookTargets(options.config.webhooks, options.env);
    const clock = options.clock ?? systemClock;
    const date = () => dateNow(clock);
    const stateDir = await openStateDir(options.stateDir, {
      logger: log,
      command: options.command,
      now: date,
    });
    try {
      const journal = await Journal.open(stateDir.journalPath, { logger: log, now: date });
      const outbox = new Outbox({
        journal,
        targets,
        logger: log,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        now: clock.now,
        sleep: (ms) => sleep(clock, ms),
        ...(options.onWebhookOutcome ? { onOutcome: options.onWebhookOutcome } : {}),
      });
      let audit: AuditTrail | undefined;
      let auditError: string | undefined;
      let remote: string | null | undefined;
      if (options.config.audit.enabled) {
        remote = options.auditRemote === undefined ? await originOf(options.desiredDir) : options.auditRemote;
        try {
          audit = await openAuditTrail({
            workDir: statePath(stateDir.path, "auditRepo"),
            ...(remote ? { remote } : {}),
            branch: options.config.audit.branch,
            path: options.config.audit.path,
            push: options.config.audit.push && remote !== null && remote !== undefined,
            author: auditAuthor(options.env),
            logger: log,
            now: date,
          });
        } catch (err) {
          // The audit trail must not stop CXone from being corrected; its records wait in the journal.
          auditError = err instanceof Error ? err.message : String(err);
          log.error({ err: auditError }, "audit trail unavailable; changes stay in the journal until it is");
        }
      }
      return new WritePipeline(stateDir, journal, outbox, audit, options, auditError, Boolean(remote));
    } catch (err) {
      await stateDir.close();
      throw err;
    }
  }

  /** Open intents not being written right now: what recover() would settle. */
  openIntentCount(): number {
    return this.journal.view.openIntents().filter((i) => !this.inFlight.has(i.intentId)).length;
  }

  /**
   * Settles open intents (a crash, or an answer lost together with the re-read): did that
   * write land? Live state says. Intents of writes still running in this process are left
   * alone. Of several open intents for one campaign, at most one is confirmed, and only one
   * whose version the live state has moved past.
   */
  async recover(port: CxonePort): Promise<RecoverySummary> {
    const summary: RecoverySummary = { confirmed: 0, abandoned: 0, unsettled: 0 };
    const now = (this.options.clock ?? systemClock).now;
    const open = this.journal.view.openIntents().filter((i) => !this.inFlight.has(i.intentId));
    // Per campaign and part: a campaign's schedule and its boundings are written (and settled) apart.
    const byCampaign = new Map<string, typeof open>();
    for (const intent of open) {
      const key = `${intent.campaignId}\u0000${partOf(intent)}`;
      byCampaign.set(key, [...(byCampaign.get(key) ?? []), intent]);
    }
    for (const intents of byCampaign.values()) {
      const { campaignId } = intents[0] as (typeof open)[number];
      const curfews = intents[0]?.part === "curfews";
      const log = this.options.logger.child({ campaignId, ...(curfews ? { part: "curfews" } : {}) });
      let live: { version: string | null; holds: (intent: WriteIntent) => boolean } | undefined;
      try {
        const read = await port.readCampaign(campaignId, curfews ? { curfews: true } : {});
        live =
          read === undefined
            ? undefined
            : curfews
              ? read.curfews && {
                  version: read.curfews.version,
                  holds: (i) => i.part === "curfews" && curfewsEqual(read.curfews?.curfews ?? [], i.after),
                }
              : {
                  version: read.version,
                  holds: (i) => i.part !== "curfews" && schedulesEqual(read.schedule, i.after),
                };
      } catch (err) {
        summary.unsettled += intents.length;
        log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "cannot settle an interrupted write yet",
        );
        continue;
      }
      // Latest first: if the live state holds the most recent intent's schedule, that write landed.
      let confirmed = false;
      for (const intent of [...intents].reverse()) {
        const landed =
          !confirmed && live?.version && live.version !== intent.versionBefore && live.holds(intent);
        if (landed && live?.version) {
          confirmed = true;
          const at = now();
          const change = changeRecordFor(
            intent,
            live.version,
            actorName(this.options.command),
            at,
            newChangeId(at),
          );
          await this.recorder.written(intent.intentId, change);
          summary.confirmed++;
          log.warn(
            { intentId: intent.intentId, changeId: change.changeId, versionAfter: live.version },
            "an interrupted write had landed; recorded it",
          );
        } else {
          await this.journal.recordAbandoned(
            intent.intentId,
            "interrupted before the write landed (live state does not hold it)",
          );
          summary.abandoned++;
          log.info({ intentId: intent.intentId }, "an interrupted write had not landed; abandoned it");
        }
      }
    }
    return summary;
  }

  /** Delivers pending webhooks within `deliveryDeadlineMs`, then commits unaudited changes. */
  async finish(options: {
    deliveryDeadlineMs: number;
    revision: string | null;
    actor: string;
  }): Promise<FinishSummary> {
    const webhooks = await this.outbox.drain({ deadlineMs: options.deliveryDeadlineMs });
    const audit = await this.commitAudit(options.revision, options.actor);
    await this.journal.maybeCompact();
    return { webhooks, audit };
  }

  private async commitAudit(revision: string | null, actor: string): Promise<FinishSummary["audit"]> {
    const pending = this.journal.view.unaudited();
    if (!this.audit) {
      return {
        appended: 0,
        commit: null,
        pushed: false,
        pending: pending.length,
        ...(this.auditError ? { error: this.auditError } : {}),
      };
    }
    try {
      if (pending.length === 0) {
        const pushed = await this.audit.pushPending();
        this.unpushed = !pushed.pushed && pushed.status !== "local-only" && pushed.status !== "up-to-date";
        return { appended: 0, commit: null, pushed: pushed.pushed, pending: 0 };
      }
      const result = await this.audit.append(pending, { revision, actor });
      this.unpushed = !result.pushed && this.options.config.audit.push && this.auditRemoteConfigured;
      // Records already in the trail (a replay after a crash) count as audited too.
      await this.journal.recordAudited(
        pending.map((c) => c.changeId),
        result.commit ?? "already-recorded",
      );
      return { appended: result.appended.length, commit: result.commit, pushed: result.pushed, pending: 0 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.options.logger.error(
        { err: message },
        "audit commit failed; the changes stay in the journal for the next run",
      );
      return { appended: 0, commit: null, pushed: false, pending: pending.length, error: message };
    }
  }

  /** Webhook deliveries not yet done (pending), across targets: the outbox depth. */
  outboxDepth(): number {
    return this.outbox.targetNames.reduce((n, t) => n + this.journal.view.pendingFor(t).length, 0);
  }

  /** Changes written to CXone but not yet in an audit commit. */
  auditBacklog(): number {
    return this.journal.view.unaudited().length;
  }

  /** True while an audit commit waits for the remote (unreachable at the last try). */
  auditUnpushed(): boolean {
    return this.unpushed;
  }

  async close(): Promise<void> {
    try {
      await this.journal.close();
    } finally {
      await this.stateDir.close();
    }
  }
}

/** "dialwindow apply (ana@build-7)": who made a change, for webhooks and the audit trail. */
export function actorName(command: string): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `dialwindow ${command} (${user}@${hostname()})`;
}

function auditAuthor(env: Readonly<Record<string, string | undefined>>): { name: string; email: string } {
  return {
    name: env.DIALWINDOW_AUDIT_AUTHOR_NAME?.trim() || "dialwindow",
    email: env.DIALWINDOW_AUDIT_AUTHOR_EMAIL?.trim() || "dialwindow@localhost",
  };
}

/** The desired-state checkout's origin URL, or null when it has none (or is not a checkout). */
export async function originOf(dir: string): Promise<string | null> {
  const url = (await gitMaybe(["remote", "get-url", "origin"], { cwd: dir }).catch(() => undefined))?.trim();
  return url ? url : null;
}
