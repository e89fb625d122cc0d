/**
 * Retry requests: how `webhooks retry` reaches a daemon that holds the state directory's lock.
 * The CLI may not append to the journal then, so it leaves a small request file in
 * `<stateDir>/requests/`, and the daemon takes the requests on its flush timer and runs the retry
 * itself. No lock is needed:
 *
 * - a request appears whole or not at all: it is written to a dot-named temp file, fsynced and
 *   renamed into place, and readers skip dot-files;
 * - taking a request is deleting it, and of two readers racing for one only the one whose unlink
 *   succeeds returns it, so it is acted on once.
 *
 * A request is removed when taken, before it is acted on; a crash in between loses it, which is
 * no worse than a `webhooks retry` that never ran (nothing about the deliveries themselves is lost).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { dateNow, systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { directoryNoFollow, NO_FOLLOW, readNoFollow, StateLinkError, writeSynced } from "./no-follow.js";
import { statePath } from "./state-dir.js";
import { syncDir } from "./sync-dir.js";

const REQUEST_FORMAT_VERSION = 1;

export interface RetryRequest {
  /** The request's file name: unique, and sorts in the order requests were made. */
  id: string;
  /** The changes whose dead letters to redeliver, or "all". */
  changeIds: string[] | "all";
  /** ISO-8601 instant it was made. */
  requestedAt: string;
}

export interface RequestRetryOptions {
  now?: () => Date;
}

/**
 * Leaves a request to retry the deliveries of `changeIds` (or all) for whichever process holds
 * the state directory at `stateDirPath`. Resolves once the request is durable. Throws UsageError
 * for an empty list, or when there is no state directory there (it is never created here).
 */
export async function requestRetry(
  stateDirPath: string,
  changeIds: readonly string[] | "all",
  options: RequestRetryOptions = {},
): Promise<RetryRequest> {
  if (changeIds !== "all" && changeIds.length === 0) {
    throw new UsageError("a retry request needs at least one change id, or all");
  }
  const dir = statePath(stateDirPath, "requests");
  await makeRequestsDir(stateDirPath, dir);
  const at = (options.now ?? (() => dateNow(systemClock)))();
  const request: RetryRequest = {
    id: `retry-${at.toISOString().replace(/[-:.]/g, "")}-${process.pid}-${randomBytes(6).toString("hex")}.json`,
    changeIds: changeIds === "all" ? "all" : [...changeIds],
    requestedAt: at.toISOString(),
  };
  const body = `${JSON.stringify({ v: REQUEST_FORMAT_VERSION, changeIds: request.changeIds, requestedAt: request.requestedAt })}\n`;
  const tmp = join(dir, `.${request.id}.tmp`);
  try {
    await writeSynced(tmp, body, NO_FOLLOW.create);
    await rename(tmp, join(dir, request.id));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
  return request;
}

/**
 * Returns the requests waiting in the state directory, oldest first, and removes them. Safe with
 * another reader racing: each request goes to exactly one. A file that is not a whole, valid
 * request is removed with a warning; a request still being written (a dot-file) is left alone.
 */
export async function takeRetryRequests(
  stateDirPath: string,
  options: { logger: Logger },
): Promise<RetryRequest[]> {
  const dir = statePath(stateDirPath, "requests");
  // A link in place of requests/ would have us read, and delete, files elsewhere.
  if ((await directoryNoFollow(dir)) === undefined) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return [];
    throw err;
  }
  const taken: RetryRequest[] = [];
  for (const name of names.filter((n) => !n.startsWith(".")).sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      const bytes = await readNoFollow(path);
      if (bytes === undefined) continue; // another reader took it
      text = bytes.toString("utf8");
    } catch (err) {
      const code = errorCode(err);
      if (code === "EISDIR") continue; // not a request
      // A link is not a request: removed below like any other damaged one, never followed.
      if (!(err instanceof StateLinkError)) throw err;
      text = "";
    }
    const parsed = parseRequest(name, text);
    if (!(await claim(path))) continue;
    if (typeof parsed === "string") {
      options.logger.warn({ file: name, problem: parsed }, "ignored and removed a damaged retry request");
      continue;
    }
    taken.push(parsed);
  }
  return taken;
}

/**
 * What a batch of requests asks for, as `Outbox.retry` takes it: "all" when any request says
 * all, else every change named (once, in order); undefined when there are no requests.
 */
export function mergeRetryRequests(requests: readonly RetryRequest[]): string[] | "all" | undefined {
  if (requests.length === 0) return undefined;
  if (requests.some((r) => r.changeIds === "all")) return "all";
  return [...new Set(requests.flatMap((r) => (r.changeIds === "all" ? [] : r.changeIds)))];
}

async function makeRequestsDir(stateDirPath: string, dir: string): Promise<void> {
  // Never into a state directory, or a requests/ folder, that is a link.
  await directoryNoFollow(stateDirPath, "The state directory ");
  try {
    await mkdir(dir);
  } catch (err) {
    const code = errorCode(err);
    if (code === "EEXIST") {
      await directoryNoFollow(dir);
      return;
    }
    if (code === "ENOENT") {
      throw new UsageError(`no state directory at ${stateDirPath}: nothing there to retry`, { cause: err });
    }
    throw err;
  }
  await syncDir(stateDirPath);
}

/** Removes a request; false when another reader removed it first. */
async function claim(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw err;
  }
}

/** The request in `text`, or what is wrong with it. */
function parseRequest(name: string, text: string): RetryRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON (torn or foreign)";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const v = value as Record<string, unknown>;
  if (v.v !== REQUEST_FORMAT_VERSION) return `unknown format version ${JSON.stringify(v.v)}`;
  const ids = v.changeIds;
  const validIds =
    ids === "all" || (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === "string"));
  if (!validIds) return 'changeIds is neither "all" nor a list of change ids';
  if (typeof v.requestedAt !== "string" || Number.isNaN(Date.parse(v.requestedAt))) {
    return "requestedAt is not an instant";
  }
  return { id: name, changeIds: ids === "all" ? "all" : [...(ids as string[])], requestedAt: v.requestedAt };
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}
