/**
 * The desired state as the daemon follows it: read and validated at start (a broken
 * dialwindow.yaml refuses to start), then re-read whenever it changes, from a watched
 * directory (--dir) or a git remote (--repo: fetched on an interval or when the git webhook
 * says so). Each read becomes the next snapshot (snapshot.ts), and its reconcile.* settings
 * apply at once; the rest of dialwindow.yaml waits for a restart, and the log says so. A read
 * that fails leaves the previous snapshot in force and freezes every write until one succeeds.
 */
import type { DateTime } from "luxon";
import type { ResolvedConfig } from "../desired/config.js";
import { effectiveSchedule } from "../desired/effective.js";
import { desiredRevision } from "../desired/revision.js";
import { SchemaValidators } from "../desired/schema.js";
import type { Selector } from "../desired/selector.js";
import type { validateDesiredState } from "../desired/validate.js";
import { checkStateDir, statePath } from "../state/state-dir.js";
import { type Clock, utcNow } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";
import { type DirWatcher, watchDesiredDir } from "./dir-watcher.js";
import { GitSource } from "./git-source.js";
import type { KeyedTimers } from "./keyed-timers.js";
import { nextSnapshot, type Snapshot } from "./snapshot.js";
import { SyncWindows } from "./sync-windows.js";

export interface DesiredWatchOptions {
  /** Watch this desired-state directory. */
  dir?: string | undefined;
  /** Or follow this remote, cloned into the state directory. */
  repo?: { url: string; branch?: string } | undefined;
  stateDir: string;
  selector?: Selector | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Adjust the configuration after it is read (the demo points webhooks at its receiver). */
  transformConfig?: ((config: ResolvedConfig) => ResolvedConfig) | undefined;
  /** --mode: reconcile.mode changes are not news while it is given. */
  modeFixed: boolean;
  readDesiredState: typeof validateDesiredState;
  clock: Clock;
  timers: KeyedTimers;
  log: Logger;
  /** reconcile.resyncInterval changed on a reload. */
  onResyncIntervalChanged: () => void;
}

/** What one successful re-read found. */
export interface Reloaded {
  previous: Snapshot;
  next: Snapshot;
  /** Campaigns whose effective schedule changed (or that are new). */
  changed: string[];
  /** Writes were frozen before this read: the desired state was invalid or unreadable. */
  wasFrozen: boolean;
}

export class DesiredWatch {
  /** The directory read: --dir, or the checkout of --repo. */
  readonly dir: string;
  readonly git: GitSource | undefined;
  #snapshot: Snapshot;
  #config: ResolvedConfig;
  #syncWindows: SyncWindows;
  /** Set while the desired state cannot be read at all (the previous state stays in force). */
  #readError: string | undefined;
  /** What was last logged about the desired state as a whole, so a reload does not repeat it. */
  #loggedFrozen: string | undefined;
  #loggedReadError: string | undefined;
  #watcher: DirWatcher | undefined;
  #onReloaded: ((r: Reloaded) => void) | undefined;
  #stopped = false;
  readonly #reloads = new SerialQueue();
  readonly #schemas: SchemaValidators;
  readonly #o: DesiredWatchOptions;

  private constructor(
    o: DesiredWatchOptions,
    dir: string,
    git: GitSource | undefined,
    schemas: SchemaValidators,
    snapshot: Snapshot,
  ) {
    this.#o = o;
    this.dir = dir;
    this.git = git;
    this.#schemas = schemas;
    this.#snapshot = snapshot;
    this.#config = o.transformConfig ? o.transformConfig(snapshot.config) : snapshot.config;
    this.#syncWindows = new SyncWindows(this.#config.reconcile.syncWindows);
    this.#logFrozen(snapshot);
  }

  /** Clones --repo, reads the desired state once; throws for a state the daemon cannot start on. */
  static async open(o: DesiredWatchOptions): Promise<DesiredWatch> {
    let git: GitSource | undefined;
    let dir: string;
    if (o.repo) {
      // The checkout goes in the state directory, before the pipeline opens (and checks) it.
      await checkStateDir(o.stateDir, { logger: o.log });
      git = await GitSource.open({
        url: o.repo.url,
        ...(o.repo.branch ? { branch: o.repo.branch } : {}),
        dir: statePath(o.stateDir, "checkout"),
        logger: o.log,
      });
      const first = await git.fetch();
      if (first.status === "error") throw first.error;
      dir = git.dir;
    } else {
      dir = o.dir as string;
    }
    const schemas = new SchemaValidators();
    const result = await o.readDesiredState(dir, { at: utcNow(o.clock), env: o.env, schemas });
    const configErrors = result.findings.filter(
      (f) => f.file === "dialwindow.yaml" && f.severity === "error",
    );
    if (configErrors.length > 0 || result.findings.some((f) => f.code === "DW006" || f.code === "DW007")) {
      const first = result.findings.find((f) => f.severity === "error");
      throw new UsageError(
        `cannot start: ${first ? `${first.file}:${first.line}:${first.col} ${first.message}` : "dialwindow.yaml is invalid"}`,
      );
    }
    const revision = git ? git.revision() : await desiredRevision(dir);
    return new DesiredWatch(o, dir, git, schemas, nextSnapshot(result, revision, undefined, o.selector));
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The configuration in force: cxone, webhooks and audit as at start; the rest as last read. */
  get config(): ResolvedConfig {
    return this.#config;
  }

  get syncWindows(): SyncWindows {
    return this.#syncWindows;
  }

  get readError(): string | undefined {
    return this.#readError;
  }

  /** Why every write is frozen right now, or undefined. */
  get frozen(): string | undefined {
    return this.#readError ? `cannot read the desired state: ${this.#readError}` : this.#snapshot.frozen;
  }

  /**
   * Who is told of each re-read. Set before anything can trigger one (the git webhook listens
   * before `watch` starts), so no reload goes unannounced.
   */
  onReloaded(listener: (r: Reloaded) => void): void {
    this.#onReloaded = listener;
  }

  /** Starts following changes: the directory's watcher, or the remote's fetch interval. */
  async watch(ignore: readonly string[]): Promise<void> {
    if (this.git) {
      this.#o.timers.every("git", this.#config.reconcile.gitIntervalMs, () => this.fetchNow("interval"));
      return;
    }
    this.#watcher = await watchDesiredDir({
      dir: this.dir,
      debounceMs: this.#config.reconcile.debounceMs,
      ignore,
      onChange: (change) => {
        this.#o.log.info(
          { paths: change.paths.slice(0, 10), swapped: change.swapped },
          "desired state changed on disk",
        );
        void this.reload();
      },
      logger: this.#o.log,
      clock: this.#o.clock,
    });
  }

  /** --repo: fetches, and re-reads when a new revision arrived. */
  async fetchNow(why: string): Promise<void> {
    if (!this.git || this.#stopped) return;
    const result = await this.git.fetch({ auditPath: this.#config.audit.path });
    if (result.status === "error") {
      this.#o.log.warn(
        { err: result.error.message, why },
        "git fetch failed; the last checkout stays in force",
      );
    } else if (result.status === "changed") {
      this.#o.log.info(
        { revision: result.revision, previous: result.previous, why },
        "new desired-state revision",
      );
      await this.reload();
    }
  }

  /** Re-reads the desired state; tells onReloaded what changed. One read at a time. */
  reload(): Promise<void> {
    return this.#reloads.run(async () => {
      if (this.#stopped) return;
      try {
        await this.#reloadNow();
      } catch (err) {
        // A directory that cannot be read (permissions, a symlink loop) must not stop the
        // daemon: the previous state stays in force and /status says why.
        this.#readError = err instanceof Error ? err.message : String(err);
        if (this.#readError !== this.#loggedReadError)
          this.#o.log.error(
            { err: this.#readError, reason: "desired_state_invalid" },
            "reading the desired state failed; the previous state stays in force",
          );
        this.#loggedReadError = this.#readError;
      }
    });
  }

  async #reloadNow(): Promise<void> {
    const at = utcNow(this.#o.clock);
    const result = await this.#o.readDesiredState(this.dir, { at, env: this.#o.env, schemas: this.#schemas });
    const wasFrozen = this.frozen !== undefined;
    this.#readError = undefined;
    if (this.#loggedReadError !== undefined) {
      this.#o.log.info("the desired state can be read again");
      this.#loggedReadError = undefined;
    }
    const previous = this.#snapshot;
    const revision = this.git ? this.git.revision() : await desiredRevision(this.dir);
    const next = nextSnapshot(result, revision, previous, this.#o.selector);
    const changed = changedCampaigns(previous, next, at);
    this.#snapshot = next;
    if (!next.frozen) this.#applySettings(next.config);
    this.#logFrozen(next);
    this.#onReloaded?.({ previous, next, changed, wasFrozen });
  }

  /**
   * reconcile.* settings apply at once (mode, deny windows, intervals); cxone, webhooks, audit
   * and the debounce need a restart, and the log says so.
   */
  #applySettings(fresh: ResolvedConfig): void {
    const config = this.#o.transformConfig ? this.#o.transformConfig(fresh) : fresh;
    this.#warnAboutRestartOnlySettings(config);
    const before = this.#config.reconcile;
    this.#config = {
      ...this.#config,
      policy: config.policy,
      limits: config.limits,
      reconcile: { ...config.reconcile, debounceMs: before.debounceMs },
    };
    this.#syncWindows = new SyncWindows(config.reconcile.syncWindows);
    if (config.reconcile.mode !== before.mode && !this.#o.modeFixed) {
      this.#o.log.warn({ from: before.mode, to: config.reconcile.mode }, "reconcile.mode changed");
    }
    if (config.reconcile.resyncIntervalMs !== before.resyncIntervalMs) this.#o.onResyncIntervalChanged();
    if (this.git && config.reconcile.gitIntervalMs !== before.gitIntervalMs) {
      this.#o.timers.every("git", config.reconcile.gitIntervalMs, () => this.fetchNow("interval"));
    }
  }

  /** `fresh` is already transformed (transformConfig). */
  #warnAboutRestartOnlySettings(fresh: ResolvedConfig): void {
    const same = (k: "cxone" | "webhooks" | "audit") =>
      JSON.stringify(fresh[k]) === JSON.stringify(this.#config[k]);
    const changed: string[] = (["cxone", "webhooks", "audit"] as const).filter((k) => !same(k));
    if (fresh.reconcile.debounceMs !== this.#config.reconcile.debounceMs) changed.push("reconcile.debounce");
    if (changed.length > 0) {
      this.#o.log.warn(
        { sections: changed },
        "dialwindow.yaml changed settings that take effect on restart; restart the reconciler to apply them",
      );
    }
  }

  /** Logs the desired state frozen, or thawed, once per change. */
  #logFrozen(s: Snapshot): void {
    if (s.frozen === this.#loggedFrozen) return;
    if (s.frozen)
      this.#o.log.error(
        { reason: "desired_state_invalid", error: s.frozen, file: s.frozenAt?.file, line: s.frozenAt?.line },
        "desired state invalid; previous state stays in force",
      );
    else if (this.#loggedFrozen)
      this.#o.log.info("desired state valid again; writes frozen meanwhile go out");
    this.#loggedFrozen = s.frozen;
  }

  /** Stops following changes: no read starts from now on. */
  async close(): Promise<void> {
    this.#stopped = true;
    await this.#watcher?.close();
  }

  /** Resolves once the read under way, if any, is done. */
  idle(): Promise<void> {
    return this.#reloads.idle();
  }
}

/** Campaigns new in `next`, or whose effective schedule at `at` or boundings differ from `previous`'s. */
function changedCampaigns(previous: Snapshot, next: Snapshot, at: DateTime): string[] {
  const changed: string[] = [];
  for (const [id, c] of next.campaigns) {
    const before = previous.campaigns.get(id);
    if (
      !before ||
      JSON.stringify(effectiveSchedule(before, at)) !== JSON.stringify(effectiveSchedule(c, at)) ||
      JSON.stringify(before.curfews?.boundings) !== JSON.stringify(c.curfews?.boundings)
    )
      changed.push(id);
  }
  return changed;
}
