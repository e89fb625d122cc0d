/**
 * The one interface between dialwindow and CXone: what plan, apply, import and the reconciler
 * need, nothing more. The tutorial HTTP adapter, the cxone-admin adapter and test fakes all
 * implement it, so the core never knows which one it talks to.
 */
import type { WireSchedule } from "../desired/wire.js";

export interface LiveCampaign {
  /** The CXone campaign id, always a string (ids exceed 2^53). */
  id: string;
  name?: string;
  /**
   * The version guard to send as If-Match when writing this campaign; null when the server
   * sent none, in which case dialwindow refuses to write it.
   */
  etag: string | null;
  /** As CXone returned it (not normalised). */
  schedule: WireSchedule;
}

export interface WriteResult {
  /** The campaign's new ETag, from the write's response. */
  etag: string;
  /** The schedule as the server stored it, from the write's response. */
  schedule: WireSchedule;
}

export interface ReadOptions {
  /**
   * Also return campaigns that were not asked for (for `plan --show-unmanaged` and `import`).
   * Adapters without a list endpoint throw a DialwindowError with code DW_NO_LIST_ENDPOINT.
   */
  includeUnrequested?: boolean;
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

export interface CxonePort {
  /**
   * Reads the given campaigns. Uses the list endpoint (paged) when the server has one, falling
   * back to one GET per campaign when it answers 404.
   */
  readCampaigns(ids: readonly string[], options?: ReadOptions): Promise<ReadResult>;
  /** One campaign by GET; undefined when it does not exist (404). */
  readCampaign(id: string): Promise<LiveCampaign | undefined>;
  /**
   * Writes one schedule guarded by `ifMatch`. The body is exactly `{"schedule": schedule}`.
   * Throws PreconditionFailedError (412) when the campaign changed since `ifMatch` was read,
   * UnprocessableError (422) when the API rejects the payload, and refuses to send anything
   * when `ifMatch` is empty.
   */
  writeSchedule(id: string, schedule: WireSchedule, ifMatch: string): Promise<WriteResult>;
}
