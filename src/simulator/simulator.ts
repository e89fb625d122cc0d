/**
 * The local CXone simulator: the "tutorial" API profile over real HTTP on 127.0.0.1, with an
 * in-process control surface for tests (seed campaigns, edit them "by hand", read the request
 * log, revoke tokens, inject faults). It is strict on purpose: anything a real tenant could
 * reject, it rejects, so a client bug fails a test instead of passing against a kind fake.
 *
 * One file although long: the server and the control surface tests use share one state.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WireSchedule } from "../desired/wire.js";
import { systemClock } from "../util/clock.js";
import { UsageError } from "../util/errors.js";
import { requestUrl } from "../util/http-listener.js";
import { type Logger, silentLogger } from "../util/log.js";
import { type CampaignSeed, type CampaignSnapshot, CampaignStore } from "./campaign-store.js";
import { admit, breakJson, describeBody, isBreak, listenOrClose, statusReply } from "./fault-steps.js";
import { FaultQueue, type FaultRule, seededRandom } from "./faults.js";
import { breakConnection, LoopbackServer, writeReply } from "./loopback-server.js";
import { SlidingWindowLimiter } from "./rate-limiter.js";
import { errorReply, jsonReply, type Reply } from "./reply.js";
import { type LoggedKind, type RequestCounts, RequestLog, type RequestLogEntry } from "./request-log.js";
import { readStateFile, StateWriter, serializeState } from "./state-file.js";
import { TokenStore } from "./tokens.js";
import {
  API_PREFIX,
  type Route,
  route,
  type SimulatorSettings,
  TOKEN_PATH,
  TutorialApi,
} from "./tutorial-api.js";

/** The well-known test credentials every simulator accepts unless `clients` says otherwise. */
export const DEMO_CLIENT_ID = "dialwindow-demo";
export const DEMO_CLIENT_SECRET = "dialwindow-demo-secret";

export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = {
  tokenTtlSeconds: 3600,
  // What the tutorial quotes for CXone ("typically 200 requests per minute per client"),
  // above dialwindow's default client budget of 180.
  rpm: 200,
  listEndpoint: true,
  maxPageSize: 1000,
  maxDialingBlocks: 35,
  latencyMs: 0,
  errorRate: 0,
};

/** Settings that can change while the simulator runs (see `Simulator.configure`). */
export type TunableSettings = { [K in keyof SimulatorSettings]?: SimulatorSettings[K] | undefined };

export interface SimulatorOptions extends TunableSettings {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number | undefined;
  /** clientId -> client secret; default the demo pair. */
  clients?: Readonly<Record<string, string>> | undefined;
  /** Campaigns to start with; ignored when `stateFile` exists (the file is the truth then). */
  campaigns?: readonly CampaignSeed[] | undefined;
  /** Load campaigns from this JSON file on start (when it exists) and write every change back. */
  stateFile?: string | undefined;
  /** How long changes are gathered before one state-file write; default 100 ms. */
  persistDelayMs?: number | undefined;
  /** The clock (epoch ms) for token expiry, rate-limit windows and the request log; default the system clock. */
  now?: (() => number) | undefined;
  /** Seed of the generator behind `errorRate`; default 1. */
  seed?: number | undefined;
  /** Request-log entries kept (oldest dropped first); counts are never dropped. Default 20,000. */
  requestLogLimit?: number | undefined;
  /** Receives one debug line per request, and background persistence failures. */
  logger?: Logger | undefined;
}

export interface Simulator {
  /** Base of the API, e.g. `http://127.0.0.1:PORT/api/v2`. */
  readonly apiUrl: string;
  /** The OAuth token endpoint, e.g. `http://127.0.0.1:PORT/oauth/token`. */
  readonly tokenUrl: string;
  readonly port: number;

  /** Adds campaigns, or replaces those with the same id; each gets a new ETag. */
  upsertCampaigns(campaigns: readonly CampaignSeed[]): void;
  /** Replaces the whole store with these campaigns. */
  replaceCampaigns(campaigns: readonly CampaignSeed[]): void;
  /** Deletes a campaign (later GETs answer 404); false when there was none. */
  removeCampaign(id: string): boolean;
  /** A copy of one campaign with its current ETag; undefined when unknown. */
  getCampaign(id: string): CampaignSnapshot | undefined;
  /** How many campaigns the simulator holds. */
  campaignCount(): number;
  /**
   * Changes a schedule as a person in the CXone UI would: stored as given, unvalidated, with a
   * new ETag, which is returned. Throws for an unknown campaign.
   */
  editSchedule(id: string, schedule: WireSchedule): string;

  /** Logged requests in arrival order, optionally of one kind. */
  requests(kind?: LoggedKind): RequestLogEntry[];
  /** How many requests (of a kind) arrived since start or the last `clearRequests`. */
  countRequests(kind?: LoggedKind): number;
  /** Counts of every kind at once. */
  requestCounts(): RequestCounts;
  clearRequests(): void;

  /** Invalidates every issued token, or one client's; returns how many. */
  revokeTokens(clientId?: string): number;
  /** Every bearer token handed out so far (for tests that prove tokens never leak). */
  issuedTokens(): readonly string[];
  /** Queues misbehaviour for upcoming requests (see FaultRule). */
  injectFault(rule: FaultRule): void;
  /** Uses of injected faults not yet consumed: a test can assert its faults were reached. */
  pendingFaults(): number;
  clearFaults(): void;
  /** Changes settings while running; applies to requests that arrive afterwards. */
  configure(changes: TunableSettings): void;
  /** The settings now in force. */
  settings(): Readonly<SimulatorSettings>;

  /** Writes pending changes to the state file now (no-op without one); rejects when that fails. */
  flush(): Promise<void>;
  /**
   * Stops listening, destroys every connection (hung ones included) and flushes the state file.
   * Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1 and resolves once it is listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = resolveSettings(DEFAULT_SETTINGS, options);
  const persisted = options.stateFile === undefined ? undefined : await readStateFile(options.stateFile);
  const simulator = new RunningSimulator(options, settings);
  simulator.replaceCampaigns(persisted ?? options.campaigns ?? []);
  return listenOrClose(simulator, options.port);
}

class RunningSimulator implements Simulator {
  readonly #settings: SimulatorSettings;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #store: CampaignStore;
  readonly #tokens: TokenStore;
  readonly #limiter = new SlidingWindowLimiter();
  readonly #faults = new FaultQueue();
  readonly #log: RequestLog;
  readonly #api: TutorialApi;
  readonly #writer: StateWriter | undefined;
  readonly #server: LoopbackServer;
  #closed: Promise<void> | undefined;

  constructor(options: SimulatorOptions, settings: SimulatorSettings) {
    this.#settings = settings;
    this.#now = options.now ?? systemClock.now;
    this.#logger = options.logger ?? silentLogger();
    const stateFile = options.stateFile;
    const logger = this.#logger;
    this.#writer =
      stateFile === undefined
        ? undefined
        : new StateWriter({
            path: stateFile,
            serialize: () => serializeState(this.#store.all()),
            delayMs: nonNegative(options.persistDelayMs ?? 100, "persistDelayMs"),
            onBackgroundError: (error) =>
              logger.error({ err: error, stateFile }, "simulator state write failed"),
          });
    this.#store = new CampaignStore(() => this.#writer?.markDirty());
    this.#tokens = new TokenStore(this.#now);
    this.#log = new RequestLog(positive(options.requestLogLimit ?? 20_000, "requestLogLimit"));
    const clients = new Map(Object.entries(options.clients ?? { [DEMO_CLIENT_ID]: DEMO_CLIENT_SECRET }));
    this.#api = new TutorialApi({
      store: this.#store,
      tokens: this.#tokens,
      limiter: this.#limiter,
      faults: this.#faults,
      settings: this.#settings,
      clients,
      now: this.#now,
      random: seededRandom(options.seed ?? 1),
    });
    this.#server = new LoopbackServer((req, res) => this.#serve(req, res), this.#logger);
  }

  get apiUrl(): string {
    return `${this.#server.origin}${API_PREFIX}`;
  }

  get tokenUrl(): string {
    return `${this.#server.origin}${TOKEN_PATH}`;
  }

  get port(): number {
    return this.#server.port;
  }

  listen(port: number): Promise<void> {
    return this.#server.listen(port);
  }

  upsertCampaigns(campaigns: readonly CampaignSeed[]): void {
    this.#store.upsert(campaigns);
  }

  replaceCampaigns(campaigns: readonly CampaignSeed[]): void {
    this.#store.replace(campaigns);
  }

  removeCampaign(id: string): boolean {
    return this.#store.remove(id);
  }

  getCampaign(id: string): CampaignSnapshot | undefined {
    return this.#store.snapshot(id);
  }

  campaignCount(): number {
    return this.#store.size;
  }

  editSchedule(id: string, schedule: WireSchedule): string {
    return this.#store.write(id, structuredClone(schedule)).etag;
  }

  requests(kind?: LoggedKind): RequestLogEntry[] {
    return this.#log.entries(kind);
  }

  countRequests(kind?: LoggedKind): number {
    return this.#log.count(kind);
  }

  requestCounts(): RequestCounts {
    return this.#log.counts();
  }

  clearRequests(): void {
    this.#log.clear();
  }

  issuedTokens(): readonly string[] {
    return this.#tokens.issued();
  }

  revokeTokens(clientId?: string): number {
    return this.#tokens.revoke(clientId);
  }

  injectFault(rule: FaultRule): void {
    this.#faults.add(rule);
  }

  pendingFaults(): number {
    return this.#faults.pending();
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  configure(changes: TunableSettings): void {
    Object.assign(this.#settings, resolveSettings(this.#settings, changes));
  }

  settings(): Readonly<SimulatorSettings> {
    return { ...this.#settings };
  }

  async flush(): Promise<void> {
    await this.#writer?.flush();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#server.close();
      await this.#writer?.flush();
    })();
    return this.#closed;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const method = req.method ?? "GET";
    // A target that is not a path (`//[`) is the client's mistake: a 400, never a crash or a 500.
    const routed: Route =
      url === undefined
        ? { kind: "other", refusal: errorReply(400, "bad_request", "the request target is not a valid path") }
        : route(method, url.pathname, this.#settings.listEndpoint);
    const query = url?.searchParams ?? new URLSearchParams();
    const entry = this.#log.begin({
      at: this.#now(),
      method,
      path: url?.pathname ?? req.url ?? "",
      query: Object.fromEntries(query),
      kind: routed.kind,
      ifMatch: req.headers["if-match"],
    });
    const admitted = await admit(req, {
      entry,
      refusal: routed.refusal,
      tooLarge: jsonReply(413, { error: "payload_too_large", message: "the body exceeds 1 MiB" }),
      // Secrets never reach the log: the token request's client secret.
      describeBody: (body) => describeBody(body, routed.kind === "token", ["client_secret"]),
      latencyMs: this.#settings.latencyMs,
      closing: this.#server.closing,
      // Only asked once the route is known to be served (no refusal).
      takeFault: () =>
        routed.refusal === undefined
          ? this.#faults.take({ kind: routed.kind, campaignId: routed.campaignId })
          : undefined,
      describeFault: (f) => (f.type === "status" ? `status ${f.status}` : f.type),
      statusReply: (f) => statusReply(f, { error: "injected_fault", message: `injected ${f.status}` }),
      send: (reply) => this.#send(res, entry, reply),
    });
    // (A refused route was answered by admit; the second test only tells the compiler so.)
    if (admitted === undefined || routed.refusal !== undefined) return;
    const { body, fault } = admitted;
    const outcome = this.#api.handle({
      kind: routed.kind,
      campaignId: routed.campaignId,
      headers: req.headers,
      query,
      body,
    });
    entry.clientId = outcome.clientId;
    if (outcome.fault !== undefined) entry.fault = outcome.fault;
    if (isBreak(fault)) {
      breakConnection(req, fault.type);
      return;
    }
    let reply = outcome.reply;
    if (fault?.type === "malformed-json") reply = breakJson(reply);
    if (fault?.type === "missing-etag") reply = dropEtags(reply);
    this.#send(res, entry, reply);
  }

  #send(res: ServerResponse, entry: RequestLogEntry, reply: Reply): void {
    entry.status = reply.status;
    this.#logger.debug(
      {
        method: entry.method,
        path: entry.path,
        kind: entry.kind,
        status: reply.status,
        clientId: entry.clientId,
      },
      "simulator request",
    );
    writeReply(res, reply);
  }
}

function dropEtags(reply: Reply): Reply {
  const { etag: _dropped, ...headers } = reply.headers;
  if (!("json" in reply.body)) return { ...reply, headers };
  const json = reply.body.json as { items?: unknown };
  const body = Array.isArray(json.items)
    ? { ...json, items: json.items.map(({ etag: _etag, ...item }: Record<string, unknown>) => item) }
    : json;
  return { status: reply.status, headers, body: { json: body } };
}

function resolveSettings(base: Readonly<SimulatorSettings>, changes: TunableSettings): SimulatorSettings {
  const pick = <K extends keyof SimulatorSettings>(key: K): SimulatorSettings[K] => changes[key] ?? base[key];
  const rpm = pick("rpm");
  if (!(rpm > 0)) throw new UsageError(`simulator rpm must be positive (or Infinity), got ${rpm}`);
  const errorRate = pick("errorRate");
  if (!(errorRate >= 0 && errorRate <= 1)) {
    throw new UsageError(`simulator errorRate must be between 0 and 1, got ${errorRate}`);
  }
  return {
    tokenTtlSeconds: positive(pick("tokenTtlSeconds"), "tokenTtlSeconds"),
    rpm,
    listEndpoint: pick("listEndpoint"),
    maxPageSize: positiveInteger(pick("maxPageSize"), "maxPageSize"),
    maxDialingBlocks: nonNegative(pick("maxDialingBlocks"), "maxDialingBlocks"),
    latencyMs: nonNegative(pick("latencyMs"), "latencyMs"),
    errorRate,
  };
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new UsageError(`simulator ${name} must be positive, got ${value}`);
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new UsageError(`simulator ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0)) throw new UsageError(`simulator ${name} must be zero or more, got ${value}`);
  return value;
}
