/**
 * Watches a desired-state directory and reports each settled burst of changes once.
 *
 * Only what the loader reads is watched (dialwindow.yaml, campaigns/, calendars/, policies/);
 * hidden files and folders, the default `.dialwindow/` state directory among them, and any
 * state directory configured inside the tree are ignored, so the daemon's own journal writes
 * never wake it up. Symbolic links are followed as the loader follows them: only into the tree,
 * never out of it, into a hidden entry, or back to a folder holding the link.
 *
 * Tools like git-sync publish a new revision by building a fresh tree and swapping a symlink,
 * so the watched path suddenly means other files and the old tree gets no events at all. The
 * real path is therefore checked on an interval (and before every report); when it moved, the
 * old watcher is closed, the new tree watched, and a change reported with `swapped: true`.
 */
import { lstatSync, realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { CONFIG_FILE } from "../desired/documents.js";
import { type CancelTimer, type Clock, systemClock } from "../util/clock.js";
import { type Logger, silentLogger } from "../util/log.js";
import { SerialQueue } from "../util/serial-queue.js";
import { Debounce } from "./debounce.js";

/** Top-level entries the loader reads; nothing else in the directory matters. */
export const WATCHED_ENTRIES: readonly string[] = [CONFIG_FILE, "campaigns", "calendars", "policies"];

export interface DirChange {
  /** Changed paths relative to the directory, forward slashes, sorted. */
  paths: string[];
  /** The directory now resolves to another tree (a symlink swap): re-read all of it. */
  swapped: boolean;
}

export interface DirWatcherOptions {
  dir: string;
  /** Quiet time after the last change before reporting (`reconcile.debounce`). */
  debounceMs: number;
  /** Longest a burst that never goes quiet is held back; default 10 × debounceMs. */
  maxWaitMs?: number;
  /** Paths never reported, e.g. a state directory configured inside `dir`. */
  ignore?: readonly string[];
  /** How often to check whether the directory resolves somewhere new; default 1000 ms. */
  realpathPollMs?: number;
  onChange: (change: DirChange) => void;
  logger?: Logger;
  clock?: Clock;
}

export interface DirWatcher {
  /** The real path being watched now. */
  readonly root: string;
  /** Stops watching; a burst not yet reported is dropped. */
  close(): Promise<void>;
}

/** Starts watching; resolves once the initial scan is done, so later changes are all seen. */
export async function watchDesiredDir(options: DirWatcherOptions): Promise<DirWatcher> {
  const w = new Watcher(options);
  await w.start();
  return w;
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

function isInside(rel: string): boolean {
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** `ignored`: paths relative to `root` never reported. */
function isIgnored(root: string, ignored: readonly string[], path: string): boolean {
  const rel = relative(root, path);
  if (rel === "") return false;
  if (!isInside(rel)) return true;
  const parts = rel.split(sep);
  if (parts.some((part) => part.startsWith("."))) return true;
  if (!WATCHED_ENTRIES.includes(parts[0] as string)) return true;
  if (ignored.some((prefix) => rel === prefix || rel.startsWith(`${prefix}${sep}`))) return true;
  // A link itself is watched (adding or changing one is a change the loader reports on); what
  // lies behind one the loader would not follow is not.
  let ancestor = root;
  for (const part of parts.slice(0, -1)) {
    ancestor = join(ancestor, part);
    if (!isFollowable(root, ancestor)) return true;
  }
  return false;
}

/**
 * False for a link the loader would not follow (outside the tree, into a hidden entry, nowhere)
 * and for one that leads back to a folder containing it: watching through those would have the
 * daemon watch any part of the file system a committed link points at (all of it, for a link to
 * /), or loop.
 */
function isFollowable(root: string, path: string): boolean {
  try {
    // A path that is gone (a deletion being reported) is no link to judge.
    if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return true;
    const target = realpathSync(path);
    const rel = relative(root, target);
    if (!isInside(rel) || rel.split(sep).some((part) => part.startsWith("."))) return false;
    const home = realpathSync(dirname(path));
    return !(home === target || home.startsWith(`${target}${sep}`));
  } catch {
    return false;
  }
}

class Watcher implements DirWatcher {
  readonly #dir: string;
  readonly #o: DirWatcherOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #debounce: Debounce;
  #root = "";
  #fsw: FSWatcher | undefined;
  #pending = new Set<string>();
  #swapped = false;
  #cancelPoll: CancelTimer = () => {};
  /** Serialises real-path checks, so a poll and a report never re-watch twice. */
  readonly #checking = new SerialQueue();
  #closed = false;

  constructor(options: DirWatcherOptions) {
    this.#dir = resolve(options.dir);
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#pollMs = options.realpathPollMs ?? 1000;
    this.#debounce = new Debounce({
      quietMs: options.debounceMs,
      maxWaitMs: options.maxWaitMs ?? options.debounceMs * 10,
      clock: this.#clock,
      fire: () => void this.#flush(),
    });
  }

  get root(): string {
    return this.#root;
  }

  async start(): Promise<void> {
    await this.#watch(await realpath(this.#dir));
    this.#schedulePoll();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelPoll();
    this.#debounce.cancel();
    await this.#checking.idle();
    await this.#fsw?.close();
    this.#fsw = undefined;
  }

  async #watch(root: string): Promise<void> {
    const ignored = await this.#ignoredUnder(root);
    const fsw = watch(root, {
      ignoreInitial: true,
      persistent: true,
      ignored: (path: string) => isIgnored(root, ignored, path),
    });
    fsw.on("all", (_event, path) => {
      if (this.#fsw === fsw) this.#noteChange(toPosix(relative(root, path)));
    });
    fsw.on("error", (err) => this.#logger.warn({ err, dir: this.#dir }, "watcher error"));
    await new Promise<void>((done) => fsw.once("ready", () => done()));
    const previous = this.#fsw;
    this.#root = root;
    this.#fsw = fsw;
    await previous?.close();
    if (this.#closed) {
      this.#fsw = undefined;
      await fsw.close();
    }
  }

  async #ignoredUnder(root: string): Promise<string[]> {
    const out = new Set<string>();
    for (const path of this.#o.ignore ?? []) {
      const absolute = resolve(path);
      const real = await realpath(absolute).catch(() => absolute);
      for (const base of [this.#dir, root]) {
        for (const candidate of [absolute, real]) {
          const rel = relative(base, candidate);
          if (isInside(rel)) out.add(rel);
        }
      }
    }
    return [...out];
  }

  #noteChange(path: string): void {
    if (this.#closed) return;
    if (path !== "") this.#pending.add(path);
    this.#debounce.poke();
  }

  async #flush(): Promise<void> {
    // A burst is often the old tree being deleted after a swap: look before reporting it.
    await this.#checkRealpath();
    if (this.#closed) return;
    // Changes noted during the check (the swap itself, say) are covered by this report.
    this.#debounce.cancel();
    if (this.#pending.size === 0 && !this.#swapped) return;
    const change: DirChange = { paths: [...this.#pending].sort(), swapped: this.#swapped };
    this.#pending = new Set();
    this.#swapped = false;
    try {
      this.#o.onChange(change);
    } catch (err) {
      this.#logger.error({ err }, "directory change handler threw");
    }
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    this.#cancelPoll = this.#clock.setTimer(this.#pollMs, () => {
      void this.#checkRealpath().then(() => this.#schedulePoll());
    });
  }

  #checkRealpath(): Promise<void> {
    return this.#checking
      .run(() => this.#rewatchIfMoved())
      .catch((err: unknown) => this.#logger.error({ err, dir: this.#dir }, "checking the directory failed"));
  }

  async #rewatchIfMoved(): Promise<void> {
    if (this.#closed) return;
    let now: string;
    try {
      now = await realpath(this.#dir);
    } catch (err) {
      // Mid-swap or briefly gone: keep the old watcher and look again next time.
      this.#logger.debug({ err, dir: this.#dir }, "desired-state directory unresolvable; will retry");
      return;
    }
    if (now === this.#root) return;
    this.#logger.info(
      { dir: this.#dir, from: this.#root, to: now },
      "desired-state directory moved; re-watching",
    );
    try {
      await this.#watch(now);
    } catch (err) {
      this.#logger.warn({ err, dir: this.#dir }, "could not watch the new tree; will retry");
      return;
    }
    this.#swapped = true;
    this.#noteChange("");
  }
}
