/**
 * A strict fake of the tutorial API for the client's tests: a real node:http server on
 * 127.0.0.1:0 that answers only what a test told it to expect. Anything else, a handler's
 * failed assertion, or an expectation left unused fails the test in verify().
 */
import { strict as assert } from "node:assert";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Schedule } from "../../src/desired/schedule.js";
import {
  createTutorialClient,
  type TutorialClient,
  type TutorialClientOptions,
} from "../../src/live/tutorial-client.js";

export interface SeenRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Never answer (until the server closes). */
  hang?: boolean;
  /** Send the headers and part of the body, then nothing more. */
  stallBody?: boolean;
  /** Drop the connection without answering (a reset, as after a proxy failure). */
  destroy?: boolean;
}

export type Handler = (req: SeenRequest) => Reply | Promise<Reply>;

interface Expectation {
  method: string;
  path: string | RegExp;
  handler: Handler;
  remaining: number;
  label: string;
}

export class StrictServer {
  readonly requests: SeenRequest[] = [];
  readonly failures: string[] = [];
  readonly #expectations: Expectation[] = [];
  readonly #server: Server;
  #url = "";

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const seen: SeenRequest = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.requests.push(seen);
        void this.#answer(seen).then(
          (reply) => {
            if (reply.hang) return;
            if (reply.stallBody) {
              res.writeHead(reply.status, { "content-type": "application/json", "content-length": "1000" });
              res.write('{"id": "1", ');
              return;
            }
            if (reply.destroy) {
              res.socket?.destroy();
              return;
            }
            const isText = typeof reply.body === "string";
            const body =
              reply.body === undefined ? "" : isText ? (reply.body as string) : JSON.stringify(reply.body);
            res.writeHead(reply.status, {
              ...(reply.body !== undefined && !isText ? { "content-type": "application/json" } : {}),
              ...reply.headers,
            });
            res.end(body);
          },
          () => res.destroy(),
        );
      });
    });
  }

  static async start(): Promise<StrictServer> {
    const s = new StrictServer();
    await new Promise<void>((resolve) => s.#server.listen(0, "127.0.0.1", resolve));
    s.#url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  get url(): string {
    return this.#url;
  }

  /** Expects `times` requests matching method and path (exact string, or RegExp on path+query). */
  expect(method: string, path: string | RegExp, handler: Handler | Reply, times = 1): this {
    this.#expectations.push({
      method,
      path,
      handler: typeof handler === "function" ? handler : () => handler,
      remaining: times,
      label: `${method} ${String(path)}`,
    });
    return this;
  }

  async #answer(req: SeenRequest): Promise<Reply> {
    const match = this.#expectations.find(
      (e) =>
        e.remaining > 0 &&
        e.method === req.method &&
        (typeof e.path === "string" ? e.path === req.path : e.path.test(req.path)),
    );
    if (!match) {
      this.failures.push(`unexpected request ${req.method} ${req.path}`);
      return { status: 599, body: { message: "unexpected request" } };
    }
    match.remaining--;
    try {
      return await match.handler(req);
    } catch (err) {
      this.failures.push(`${match.label}: ${err instanceof Error ? err.message : String(err)}`);
      return { status: 599, body: { message: "assertion failed in fake server" } };
    }
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  /** Fails on unexpected requests, failed assertions, and expectations not used up. */
  verify(): void {
    assert.deepEqual(this.failures, [], "the fake server saw requests it did not expect or accept");
    const unused = this.#expectations.filter((e) => e.remaining > 0).map((e) => `${e.label} x${e.remaining}`);
    assert.deepEqual(unused, [], "expected requests that never came");
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Injected time: now() is virtual wall-clock ms; sleep() records the wait and moves the clock
 * forward (never back) after yielding once, so no test waits for real.
 */
export class FakeTime {
  t: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse("2026-03-02T12:00:00Z")) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    const target = this.t + ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.t = Math.max(this.t, target);
  };

  advance(ms: number): void {
    this.t += ms;
  }
}

export const CLIENT_ID = "dw-test-client";
export const CLIENT_SECRET = "s3cr3t-Zq9-do-not-print";
export const SCOPE = "outbound:campaign:read outbound:campaign:write";
export const TOKEN_PATH = "/oauth/token";
export const CAMPAIGN_PATH = /^\/api\/v2\/outbound\/campaigns\/[^/?]+$/;
export const LIST_PATH = /^\/api\/v2\/outbound\/campaigns\?/;

export function schedule(timezone = "America/Chicago"): Schedule {
  return {
    timezone,
    dialingHours: [
      { day: "MON", startTime: "08:00", endTime: "16:00" },
      { day: "SAT", startTime: "10:00", endTime: "14:00" },
    ],
    pauseConditions: ["NO_ANSWER", "BUSY"],
  };
}

export function campaign(id: string): { id: string; name: string; schedule: Schedule } {
  return { id, name: `campaign ${id}`, schedule: schedule() };
}

export function tokenReply(token: string, expiresIn = 3600): Reply {
  return { status: 200, body: { access_token: token, token_type: "bearer", expires_in: expiresIn } };
}

/** Answers GET /campaigns/{id} with that campaign and ETag "v1-{id}", checking the bearer token. */
export function campaignReply(token = "tok-1"): Handler {
  return (req) => {
    assert.equal(req.headers.authorization, `Bearer ${token}`);
    const id = decodeURIComponent(req.path.split("/").pop() ?? "");
    return { status: 200, headers: { etag: `"v1-${id}"` }, body: campaign(id) };
  };
}

export function idOf(req: SeenRequest): string {
  return decodeURIComponent(req.path.split("?")[0]?.split("/").pop() ?? "");
}

export type ClientOverrides = Partial<TutorialClientOptions>;

/** A client pointed at the fake, with fake time and a budget that never waits unless overridden. */
export function clientFor(
  server: StrictServer,
  time: FakeTime,
  overrides: ClientOverrides = {},
): TutorialClient {
  return createTutorialClient({
    apiUrl: `${server.url}/api/v2`,
    tokenUrl: `${server.url}${TOKEN_PATH}`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scope: SCOPE,
    requestsPerMinute: 1_000_000,
    concurrency: 4,
    timeoutMs: 5000,
    maxRetries: 3,
    backoffBaseMs: 100,
    backoffCapMs: 1000,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    ...overrides,
  });
}

export interface FakeContext {
  server: StrictServer;
  time: FakeTime;
  /** A client on this fake, closed when the test ends. */
  client: (overrides?: ClientOverrides) => TutorialClient;
}

/** Runs a test body against a fresh fake; verifies the fake only when the body passed. */
export async function withFake(
  body: (ctx: FakeContext) => Promise<void>,
  time = new FakeTime(),
): Promise<void> {
  const server = await StrictServer.start();
  const clients: TutorialClient[] = [];
  const client = (overrides: ClientOverrides = {}): TutorialClient => {
    const c = clientFor(server, time, overrides);
    clients.push(c);
    return c;
  };
  try {
    await body({ server, time, client });
    server.verify();
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
}
