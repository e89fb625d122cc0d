/**
 * The one interface between dialwindow and CXone: what plan, apply, import and the reconciler
 * need, nothing more. The tutorial adapter, the cxone-admin adapter and test fakes implement
 * it, so the core never knows which one it talks to: it speaks of versions (not ETags),
 * canonical schedules (not wire bodies) and the errors below (not HTTP statuses). Adapters
 * are chosen by cxone.profile in profiles.ts; nothing outside src/live/ imports one.
 */
import type { Curfews } from "../desired/curfews.js";
import type { Schedule } from "../desired/schedule.js";
import { DialwindowError } from "../util/errors.js";
import type { Capabilities, ProfileName } from "./capabilities.js";

export interface LiveCampaign {
  /** The CXone id (a campaign's, or a PC skill's), always a string (ids exceed 2^53). */
  id: string;
  name?: string;
  /**
   * The version the schedule was read at, opaque: what a write must expect. The tutorial
   * profile's ETag, the cxone-admin profile's hash of the normalised schedule. null when the
   * server gave none, in which case dialwindow refuses to write it.
   */
  version: string | null;
  /** Canonical, as CXone holds it (not normalised). */
  schedule: Schedule;
  /**
   * The recipient time-zone boundings, only when they were asked for (ReadOptions.curfews)
   * and the profile has them (capabilities.curfews).
   */
  curfews?: LiveCurfews;
}

/** A campaign's boundings as CXone holds them: the second part of a campaign, with its own version. */
export interface LiveCurfews {
  /** What a write of the boundings must expect (cxone-admin: a hash of every zone's entry). */
  version: string;
  /** The active boundings, canonical. */
  curfews: Curfews;
}

export interface WriteResult {
  /** The schedule's version after the write. */
  version: string;
  /** The schedule as CXone stored it. */
  schedule: Schedule;
}

export interface ReadOptions {
  /**
   * Also return campaigns that were not asked for (for `plan --show-unmanaged` and `import`).
   * Adapters that cannot list throw a DialwindowError with code DW_NO_LIST_ENDPOINT.
   */
  includeUnrequested?: boolean;
  /**
   * Campaigns whose boundings to read as well (those with curfews: managed), or "all" of those
   * read (import). No other campaign's boundings are read. Ignored by profiles without curfews.
   */
  curfews?: Iterable<string> | "all";
}

export interface ReadResult {
  /** Campaigns read successfully, by id. Campaigns that do not exist are absent. */
  campaigns: Map<string, LiveCampaign>;
  /**
   * Campaigns whose own read failed (a malformed item, a GET that kept failing) while the rest
   * succeeded, by id. Failures of the whole call (credentials, network) throw instead.
   */
  problems: Map<string, Error>;
}

/** What the planner needs to know about the tenant, settled once per connection. */
export interface PortTarget {
  /**
   * The IANA zone CXone reads every schedule in, for profiles whose schedules carry no zone
   * (capabilities.zone "tenant"); undefined when each schedule carries its own.
   */
  scheduleZone?: string;
  /**
   * The recipient zones CXone allows, by (Windows) id, and the business unit that allows them:
   * only when asked for (`target({ curfews: true })`) and the profile has curfews.
   */
  curfewZones?: { businessUnit: string; zones: readonly string[] };
}

export interface CxonePort {
  readonly profile: ProfileName;
  readonly capabilities: Capabilities;
  /**
   * Settles the tenant facts planning needs (cxone-admin: the schedule zone; with `curfews`,
   * also the business unit's recipient zones).
   */
  target(options?: { curfews?: boolean }): Promise<PortTarget>;
  /** Reads the given campaigns (a bulk or paged read where the API has one). */
  readCampaigns(ids: readonly string[], options?: ReadOptions): Promise<ReadResult>;
  /**
   * One campaign; undefined when it does not exist (or is not one this profile manages). With
   * `curfews`, its boundings too.
   */
  readCampaign(id: string, options?: { curfews?: boolean }): Promise<LiveCampaign | undefined>;
  /**
   * Writes one schedule, only if the live schedule is still at `expectedVersion`. Throws
   * VersionConflictError when it is not, RejectedError when CXone refuses the schedule,
   * OutcomeUnknownError when it cannot be told whether the write landed, NotFoundError when the
   * campaign is gone, ReadBackMismatchError when CXone accepted it but holds something else.
   * Refuses to send anything when `expectedVersion` is empty.
   */
  writeSchedule(id: string, schedule: Schedule, expectedVersion: string): Promise<WriteResult>;
  /**
   * Replaces the campaign's boundings (every zone not listed becomes inactive), only if they are
   * still at `expectedVersion`; the errors are writeSchedule's. Present when capabilities.curfews.
   */
  writeCurfews?(id: string, curfews: Curfews, expectedVersion: string): Promise<LiveCurfews>;
  close(): Promise<void>;
}

/** The errors of the port: what apply and the reconciler branch on. `cause` keeps the wire detail. */
export class PortError extends DialwindowError {}

/** The live schedule is no longer at the expected version: someone changed it since it was read. */
export class VersionConflictError extends PortError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("VERSION_CONFLICT", message, options);
  }
}

/** CXone refused the schedule itself; `reason` is its own words. Not retried. */
export class RejectedError extends PortError {
  readonly reason: string;
  /** How the API answered, for messages ("422", "400"). */
  readonly answer: string;

  constructor(init: { reason: string; answer: string; message: string }, options?: { cause?: unknown }) {
    super("REJECTED", init.message, options);
    this.reason = init.reason;
    this.answer = init.answer;
  }
}

/** The write may or may not have landed (no answer, a timeout, a server error, an unusable success). */
export class OutcomeUnknownError extends PortError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("OUTCOME_UNKNOWN", message, options);
  }
}

/** The campaign does not exist (any more), or is not one this profile manages. */
export class NotFoundError extends PortError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NOT_FOUND", message, options);
  }
}

/**
 * CXone accepted the write, but reading it back shows another schedule: reported, never
 * retried blindly (a second write would most likely be changed the same way).
 */
export class ReadBackMismatchError extends PortError {
  readonly stored: LiveCampaign | LiveCurfews;

  constructor(message: string, stored: LiveCampaign | LiveCurfews) {
    super("READ_BACK_MISMATCH", message);
    this.stored = stored;
  }
}
