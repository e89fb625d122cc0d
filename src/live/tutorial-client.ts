/**
 * The `tutorial` API profile: the CxonePort over the tutorial REST contract (the one the
 * simulator serves, see src/simulator/tutorial-api.ts). OAuth2 client credentials, GET/PATCH
 * per campaign guarded by ETags, and an optional paged list endpoint.
 *
 * One file although long: the whole wire contract of one profile (token, paging, ETags, how each
 * answer maps to a port error) is read together whenever that contract changes.
 */
import type { Schedule } from "../desired/schedule.js";
import { DialwindowError, UsageError } from "../util/errors.js";
import { CAPABILITIES } from "./capabilities.js";
import { type ClientTransportOptions, checkUrl, openClientTransport } from "./client-transport.js";
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  PreconditionFailedError,
  ProtocolError,
  TimeoutError,
  UnprocessableError,
} from "./errors.js";
import { getJson, isSuccess, JSON_ACCEPT, type JsonReader } from "./get-json.js";
import {
  apiReason,
  header,
  httpErrorFor,
  type IncomingResponse,
  type OutgoingRequest,
  redactUrl,
  scrub,
} from "./http.js";
import {
  type CxonePort,
  type LiveCampaign,
  NotFoundError,
  OutcomeUnknownError,
  type ReadOptions,
  type ReadResult,
  RejectedError,
  VersionConflictError,
  type WriteResult,
} from "./port.js";
import { forEachBounded } from "./semaphore.js";
import { clientCredentialsGrant, TokenProvider } from "./token-provider.js";
import type { Transport } from "./transport.js";
import {
  copySchedule,
  isObject,
  parseCampaign,
  parseCampaignId,
  parseJson,
  parseWireSchedule,
  scheduleBody,
} from "./tutorial-wire.js";

export type { RequestEvent, RequestKind } from "./transport.js";

export interface TutorialClientOptions extends ClientTransportOptions {
  /** e.g. https://acme.mycxone.com/api/v2 */
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/** What the client has learnt about the list endpoint. */
export type ListEndpointState = "unknown" | "available" | "missing";

export interface TutorialClient extends CxonePort {
  readonly profile: "tutorial";
  /** "missing" once the list endpoint answered 404; from then on campaigns are read one by one. */
  readonly listEndpoint: ListEndpointState;
  /** Closes the client's own Agent (not a dispatcher that was passed in). */
  close(): Promise<void>;
}

export function createTutorialClient(options: TutorialClientOptions): TutorialClient {
  const apiUrl = checkUrl("apiUrl", options.apiUrl).replace(/\/+$/, "");
  const tokenUrl = checkUrl("tokenUrl", options.tokenUrl);
  if (options.clientId === "") throw new UsageError("the CXone client id is empty; set CXONE_CLIENT_ID");
  if (options.clientSecret === "")
    throw new UsageError("the CXone client secret is empty; set CXONE_CLIENT_SECRET");
  const client = openClientTransport(options);
  const { transport, logger, now, concurrency, pageSize } = client;
  const tokens = new TokenProvider({
    now,
    fetch: clientCredentialsGrant({
      tokenUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scope: options.scope,
      transport,
      now,
    }),
  });
  const secrets = (): string[] => [options.clientSecret, ...tokens.knownTokens()];
  const campaignUrl = (id: string): string => `${apiUrl}/outbound/campaigns/${encodeURIComponent(id)}`;
  let listEndpoint: ListEndpointState = "unknown";

  const failure = (response: IncomingResponse, request: OutgoingRequest): Error =>
    httpErrorFor(response, request, secrets(), now());

  /** Response JSON, with anything secret-looking scrubbed from the error if it is not JSON. */
  const json = (response: IncomingResponse, what: string): unknown => {
    try {
      return parseJson(response.body, what);
    } catch (err) {
      if (err instanceof ProtocolError) throw new ProtocolError(scrub(err.message, secrets()));
      throw err;
    }
  };
  const reader: JsonReader = { transport, tokens, failure, json };

  async function readCampaign(id: string): Promise<LiveCampaign | undefined> {
    const url = campaignUrl(checkId(id));
    const answer = await getJson(reader, "get", url, (status) => status === 404);
    if (answer === undefined) return undefined;
    const campaign = parseCampaign(answer.body, answer.where, id);
    return { ...campaign, version: nonEmpty(header(answer.response, "etag")) };
  }

  /**
   * Pages through the list endpoint. Returns false when it answers 404 on the first page
   * (no list endpoint), after remembering that for the client's life.
   *
   * The endpoint is trusted only while it behaves like a listing, so a broken one cannot hang
   * a read or spend the request budget. The listing ends at an empty or short page, or once it
   * has shown `total` campaigns. It is abandoned when a page shows no campaign not listed
   * already (the server ignores `page`), or when it runs past the pages the first page's
   * `total` allows (plus one, for campaigns added while paging). Abandoned, the campaigns still
   * wanted are read one by one, which is exact and bounded by how many are wanted; when every
   * campaign was wanted (import, --show-unmanaged) nothing can stand in for the listing, and
   * the read fails with DW_LIST_PAGING rather than return a list that may be partial.
   */
  async function readViaList(wanted: ReadonlySet<string>, all: boolean, out: ReadResult): Promise<boolean> {
    const pending = new Set(wanted);
    const listed = new Set<string>();
    let firstTotal = 0;
    let maxPages = 1;
    for (let page = 1; ; page++) {
      const url = `${apiUrl}/outbound/campaigns?page=${page}&pageSize=${pageSize}`;
      const answer = await getJson(reader, "list", url, (status) => status === 404 && page === 1);
      if (answer === undefined) {
        listEndpoint = "missing";
        logger.info({ apiUrl }, "cxone has no campaign list endpoint; reading campaigns one by one");
        return false;
      }
      const { body, where } = answer;
      if (!isObject(body) || !Array.isArray(body.items)) {
        throw new ProtocolError(`${where}: expected {items: [...], total}, got no items array`);
      }
      const total = body.total;
      if (typeof total !== "number" || !Number.isInteger(total) || total < 0) {
        throw new ProtocolError(`${where}: "total" is missing or not a non-negative integer`);
      }
      listEndpoint = "available";
      if (page === 1) {
        firstTotal = total;
        maxPages = Math.ceil(total / pageSize) + 1;
      }
      let usable = 0;
      let fresh = 0;
      body.items.forEach((item: unknown, index) => {
        const id = isObject(item) ? parseCampaignId(item.id) : undefined;
        if (id === undefined) {
          // Without a usable id a problem cannot be attributed to a campaign; a requested
          // campaign hidden behind it is still caught by the confirming GET below.
          logger.warn({ page, index }, "cxone list item without a usable campaign id; skipped");
          return;
        }
        usable++;
        if (!listed.has(id)) {
          listed.add(id);
          fresh++;
        }
        if (!all && !wanted.has(id)) return;
        pending.delete(id);
        try {
          const campaign = parseCampaign(item, `campaign ${id} in ${where}`);
          const etag = isObject(item) ? item.etag : undefined;
          out.campaigns.set(id, { ...campaign, version: typeof etag === "string" ? nonEmpty(etag) : null });
          out.problems.delete(id);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          out.problems.set(id, err);
          out.campaigns.delete(id);
        }
      });
      // The ends of an honest listing. An empty or short page ends it even if `total` promised
      // more: the set shrank while we paged, or `total` is wrong; asking on would only loop.
      if (body.items.length < pageSize || listed.size >= total) {
        if (all && listed.size < total) {
          logger.warn(
            { url: redactUrl(url), listed: listed.size, total },
            "cxone campaign listing ended before its total; campaigns deleted while paging, or the API serves fewer than cxone.pageSize a page",
          );
        }
        break;
      }
      if (!all && pending.size === 0) break;
      const broken =
        usable > 0 && fresh === 0
          ? `${where}: page ${page} listed only campaigns already listed on earlier pages, so the endpoint is not paging (it seems to ignore "page")`
          : page >= maxPages
            ? `${where}: the listing ran past the ${maxPages} pages that its total of ${firstTotal} campaigns allows at ${pageSize} a page`
            : undefined;
      if (broken !== undefined) {
        if (all) {
          throw new DialwindowError(
            "DW_LIST_PAGING",
            `${broken}; the full list of campaigns cannot be read from this API. ` +
              "Name the campaigns to read instead (for example import --campaign ID, or plan without --show-unmanaged)",
          );
        }
        logger.warn(
          { url: redactUrl(url), page, pending: pending.size, reason: broken },
          "cxone list endpoint abandoned; reading the remaining campaigns one by one",
        );
        break;
      }
    }
    // Offset paging can skip an item when a campaign is deleted between two pages, and an
    // abandoned listing leaves campaigns unread: a requested campaign the listing did not show
    // is confirmed with its own GET rather than reported as not existing.
    if (pending.size > 0) await readViaGets([...pending], out);
    return true;
  }

  async function readViaGets(ids: readonly string[], out: ReadResult): Promise<void> {
    let fatal: unknown;
    await forEachBounded(
      ids,
      concurrency,
      async (id) => {
        try {
          const campaign = await readCampaign(id);
          if (campaign) out.campaigns.set(id, campaign);
        } catch (err) {
          if (isWholeCallFailure(err)) fatal ??= err;
          else out.problems.set(id, err as Error);
        }
      },
      () => fatal !== undefined,
    );
    if (fatal !== undefined) throw fatal;
  }

  async function readCampaigns(ids: readonly string[], readOptions: ReadOptions = {}): Promise<ReadResult> {
    for (const id of ids) checkId(id);
    const wanted = new Set(ids);
    const all = readOptions.includeUnrequested === true;
    const out: ReadResult = { campaigns: new Map(), problems: new Map() };
    if (!all && wanted.size === 0) return out;
    if (listEndpoint !== "missing" && (await readViaList(wanted, all, out))) return out;
    if (all) {
      throw new DialwindowError(
        "DW_NO_LIST_ENDPOINT",
        `the CXone API at ${redactUrl(apiUrl)} has no campaign list endpoint (GET /outbound/campaigns answered 404), ` +
          "so campaigns that were not asked for cannot be found; name the campaigns explicitly (for example import --campaign ID)",
      );
    }
    await readViaGets([...wanted], out);
    return out;
  }

  /**
   * PATCH with If-Match: the tutorial profile's version is the ETag. The answer is mapped to
   * the port's errors; the HTTP error stays as the cause.
   */
  async function writeSchedule(
    id: string,
    schedule: Schedule,
    expectedVersion: string,
  ): Promise<WriteResult> {
    const url = campaignUrl(checkId(id));
    if (expectedVersion.trim() === "") {
      throw new DialwindowError(
        "DW_NO_ETAG",
        `refusing to write campaign ${id} without an ETag: a write without If-Match could overwrite a change made since it was read`,
      );
    }
    let sent: Awaited<ReturnType<Transport["send"]>>;
    try {
      sent = await transport.send({
        kind: "patch",
        retryUncertain: false,
        method: "PATCH",
        url,
        headers: { ...JSON_ACCEPT, "content-type": "application/json", "if-match": expectedVersion },
        body: scheduleBody(schedule),
        tokens,
      });
    } catch (err) {
      // No answer (or a timeout): the PATCH may have reached CXone.
      if (err instanceof NetworkError) throw new OutcomeUnknownError(err.message, { cause: err });
      throw err;
    }
    const { response, request } = sent;
    if (!isSuccess(response.status)) throw writeFailure(failure(response, request));
    const where = `PATCH ${redactUrl(url)}`;
    try {
      const etag = nonEmpty(header(response, "etag"));
      if (etag === null) {
        throw new ProtocolError(
          `${where} was accepted (${response.status}) but the response carried no ETag, so the next write to campaign ${id} cannot be guarded; read it again before writing`,
        );
      }
      if (response.body.trim() === "") {
        // A bodiless success (204) means the server stored what was sent; the ETag above is
        // still the server's own, never invented here.
        return { version: etag, schedule: copySchedule(schedule) };
      }
      const body = json(response, `the response to ${where}`);
      if (!isObject(body)) throw new ProtocolError(`${where}: expected the updated campaign, got no object`);
      return { version: etag, schedule: parseWireSchedule(body.schedule, where) };
    } catch (err) {
      // A success the client cannot use: the write most likely landed, but that is for a
      // fresh read to say.
      if (err instanceof ProtocolError) throw new OutcomeUnknownError(err.message, { cause: err });
      throw err;
    }
  }

  return {
    profile: "tutorial",
    capabilities: CAPABILITIES.tutorial,
    // Each schedule carries its own zone: there is nothing to settle.
    target: async () => ({}),
    get listEndpoint() {
      return listEndpoint;
    },
    readCampaign,
    readCampaigns,
    writeSchedule,
    close: client.close,
  };
}

/** A PATCH's error answer as the port's error; an answer that proves nothing landed stays as it is. */
function writeFailure(err: Error): Error {
  if (err instanceof PreconditionFailedError) return new VersionConflictError(err.message, { cause: err });
  if (err instanceof UnprocessableError) {
    const reason = apiReason(err.responseBody) ?? err.message;
    return new RejectedError({ reason, answer: "422", message: err.message }, { cause: err });
  }
  if (err instanceof HttpError) {
    if (err.status === 404) return new NotFoundError(err.message, { cause: err });
    // 408 and 5xx: the server may have acted before failing.
    if (err.status === 408 || err.status >= 500) return new OutcomeUnknownError(err.message, { cause: err });
  }
  return err;
}

/**
 * Failures that say the whole read cannot succeed, so reading the other campaigns would only
 * repeat them: refused credentials, and no connection at all. A timeout or an error status
 * for one campaign stays that campaign's problem.
 */
function isWholeCallFailure(err: unknown): boolean {
  if (err instanceof AuthenticationError) return true;
  if (err instanceof NetworkError && !(err instanceof TimeoutError)) return true;
  return !(err instanceof DialwindowError);
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value;
}

function checkId(id: string): string {
  if (typeof id !== "string" || id === "")
    throw new UsageError(`campaign id must be a non-empty string, got ${JSON.stringify(id)}`);
  return id;
}
