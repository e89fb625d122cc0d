/**
 * The cxone-admin writes: a skill's schedule and its boundings. The API has no ETag, so each
 * write reads the skill once more just before its PUT (a changed hash is a VersionConflict),
 * sends one PUT that is never retried blindly, and reads the skill back after (what CXone holds
 * must be what was sent).
 */
import { type Curfews, curfewsEqual, describeCurfews, normalizeCurfews } from "../desired/curfews.js";
import { type Schedule, schedulesEqual } from "../desired/schedule.js";
import { DialwindowError } from "../util/errors.js";
import type { AdminContext } from "./admin-context.js";
import {
  checkId,
  getSettings,
  getTimeZones,
  live,
  liveCurfews,
  scheduleUrl,
  timeZonesUrl,
} from "./admin-reads.js";
import { timeZonesPutBody, timeZonesVersion, unsendable } from "./admin-time-zones.js";
import { canonicalOf, putBody, settingsFor, settingsVersion, unexpressible } from "./admin-wire.js";
import { NetworkError } from "./errors.js";
import { JSON_ACCEPT } from "./get-json.js";
import { apiReason, redactUrl } from "./http.js";
import {
  type LiveCurfews,
  NotFoundError,
  OutcomeUnknownError,
  ReadBackMismatchError,
  RejectedError,
  VersionConflictError,
  type WriteResult,
} from "./port.js";
import type { Transport } from "./transport.js";

/** A write without the version it was read at could overwrite a change made since: refused. */
/**
 * What the read right before a PUT returned, if it is still at `expectedVersion`: a missing
 * skill is a NotFoundError, another version a VersionConflictError (`changed` says what moved).
 */
function stillAt<T>(
  id: string,
  current: T | undefined,
  versionOf: (value: T) => string,
  expectedVersion: string,
  changed: (found: string) => string,
): T {
  if (current === undefined) {
    throw new NotFoundError(`skill ${id} does not exist in CXone (or is not a Personal Connection skill)`);
  }
  const found = versionOf(current);
  if (found !== expectedVersion) throw new VersionConflictError(changed(found));
  return current;
}

function requireVersion(expectedVersion: string, what: string): void {
  if (expectedVersion.trim() === "") {
    throw new DialwindowError(
      "DW_NO_VERSION",
      `refusing to write ${what}: the write could overwrite a change made since`,
    );
  }
}

export async function writeSchedule(
  ctx: AdminContext,
  id: string,
  schedule: Schedule,
  expectedVersion: string,
): Promise<WriteResult> {
  checkId(id);
  requireVersion(expectedVersion, `skill ${id} without the version it was read at`);
  const zoneName = await ctx.scheduleZone();
  const why = unexpressible(schedule, zoneName);
  if (why)
    throw new RejectedError({
      reason: why,
      answer: "not sent",
      message: `skill ${id} not written: ${why}`,
    });
  // The API has no If-Match: read once more right before the PUT and compare versions. A
  // write by someone else between this GET and the PUT is not detected (README).
  const current = stillAt(
    id,
    await getSettings(ctx, id),
    settingsVersion,
    expectedVersion,
    (found) => `skill ${id} changed in CXone since it was read (version ${expectedVersion}, now ${found})`,
  );
  const sending = settingsFor(schedule, current);
  const { apiBase } = await ctx.api();
  const url = scheduleUrl(apiBase, id);
  await put(ctx, url, putBody(sending));
  // The 200 has no body: read it back.
  const stored = await readBack(id, url, () => getSettings(ctx, id));
  const written = live(id, stored, zoneName);
  if (!schedulesEqual(written.schedule, canonicalOf(sending, zoneName))) {
    throw new ReadBackMismatchError(
      `CXone accepted the schedule for skill ${id} but holds another one when read back (${describeHours(written.schedule)} instead of ${describeHours(canonicalOf(sending, zoneName))})`,
      written,
    );
  }
  return { version: written.version as string, schedule: written.schedule };
}

/**
 * What the PUT to `url` left in CXone. A failed read-back leaves the outcome to be settled by
 * the caller's own read.
 */
async function readBack<T>(id: string, url: string, read: () => Promise<T | undefined>): Promise<T> {
  let stored: T | undefined;
  try {
    stored = await read();
  } catch (err) {
    throw new OutcomeUnknownError(
      `PUT ${redactUrl(url)} was accepted, but reading it back failed (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (stored === undefined) throw new NotFoundError(`skill ${id} was written but is gone when read back`);
  return stored;
}

/** One PUT, never retried blindly; its answer mapped to the port's errors. */
async function put(ctx: AdminContext, url: string, body: string): Promise<void> {
  let sent: Awaited<ReturnType<Transport["send"]>>;
  try {
    sent = await ctx.transport.send({
      kind: "put",
      retryUncertain: false,
      method: "PUT",
      url,
      headers: { ...JSON_ACCEPT, "content-type": "application/json" },
      body,
      tokens: ctx.tokens,
    });
  } catch (err) {
    if (err instanceof NetworkError) throw new OutcomeUnknownError(err.message, { cause: err });
    throw err;
  }
  const { response, request } = sent;
  if (response.status >= 200 && response.status <= 299) return;
  const err = ctx.failure(response, request);
  if (response.status === 400 || response.status === 422) {
    const reason = apiReason(err.responseBody) ?? "CXone gave no reason";
    throw new RejectedError(
      {
        reason,
        answer: String(response.status),
        message: `PUT ${redactUrl(url)} was rejected (${response.status}): ${reason}`,
      },
      { cause: err },
    );
  }
  if (response.status === 404) throw new NotFoundError(err.message, { cause: err });
  if (response.status === 408 || response.status >= 500)
    throw new OutcomeUnknownError(err.message, { cause: err });
  throw err;
}

/**
 * The boundings, as writeSchedule writes a schedule: read just before the PUT (a changed hash
 * is a VersionConflict), the active boundings sent (CXone deactivates every other zone), and
 * read back after.
 */
export async function writeCurfews(
  ctx: AdminContext,
  id: string,
  curfews: Curfews,
  expectedVersion: string,
): Promise<LiveCurfews> {
  checkId(id);
  requireVersion(expectedVersion, `the boundings of skill ${id} without the version they were read at`);
  const why = unsendable(curfews);
  if (why) throw new RejectedError({ reason: why, answer: "not sent", message: `skill ${id}: ${why}` });
  stillAt(
    id,
    await getTimeZones(ctx, id),
    timeZonesVersion,
    expectedVersion,
    (found) =>
      `the boundings of skill ${id} changed in CXone since they were read (version ${expectedVersion}, now ${found})`,
  );
  const { apiBase } = await ctx.api();
  const url = timeZonesUrl(apiBase, id);
  await put(ctx, url, timeZonesPutBody(curfews));
  const stored = await readBack(id, url, () => getTimeZones(ctx, id));
  const written = liveCurfews(stored);
  if (!curfewsEqual(written.curfews, curfews)) {
    throw new ReadBackMismatchError(
      `CXone accepted the boundings for skill ${id} but holds others when read back (${describeCurfews(written.curfews)} instead of ${describeCurfews(normalizeCurfews(curfews))})`,
      written,
    );
  }
  return written;
}

function describeHours(s: Schedule): string {
  const hours = s.dialingHours.map((h) => `${h.day} ${h.startTime}-${h.endTime}`).join(", ") || "no windows";
  return s.scheduled === false ? `${hours}, not scheduled` : hours;
}
