/**
 * The daemon's HTTP side (`--listen HOST:PORT`): liveness, readiness, campaign status,
 * Prometheus metrics, and the GitHub push hook that asks for a fetch now instead of at the next
 * interval. Everything it knows comes from callbacks the daemon passes in, so it holds no daemon
 * state of its own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toJson } from "../escape/json.js";
import { UsageError } from "../util/errors.js";
import { guardedListener, listenFailure, requestPath } from "../util/http-listener.js";
import { type Logger, silentLogger } from "../util/log.js";
import { GITHUB_SIGNATURE_HEADER, verifyGitHubSignature } from "./github-hook.js";

export interface Readiness {
  ready: boolean;
  /** Why not, for a person: "initial sync not done", "campaigns/a.yaml: invalid (DW102)". */
  reasons: readonly string[];
  /** Anything else worth showing in the /readyz body (revision, invalid files, ...). */
  details?: Readonly<Record<string, unknown>>;
}

export interface GitHookDelivery {
  /** `X-GitHub-Event`, e.g. "push". */
  event: string;
  /** `X-GitHub-Delivery`, for the log. */
  deliveryId: string | undefined;
}

export interface HttpServerOptions {
  /** `HOST:PORT`; port 0 picks a free one (see `address`). */
  listen: string;
  readiness: () => Readiness | Promise<Readiness>;
  /** The `/status` document (every blocked or failing campaign and why); 404 without it. */
  status?: (() => unknown) | undefined;
  metrics: { text: () => Promise<string>; contentType: string };
  /**
   * The git hook. Without a secret (undefined or empty) `/hooks/git` answers 404: an
   * unauthenticated "fetch now" button on the network is not something to offer.
   */
  gitHook?:
    | {
        secret: string | undefined;
        /** Called for every delivery with a valid signature except GitHub's "ping". Must not block. */
        onDelivery: (delivery: GitHookDelivery) => void;
      }
    | undefined;
  /** Largest hook body read, in bytes; default 5 MiB (GitHub push payloads are well under). */
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DaemonHttpServer {
  /** Where it actually listens (the real port when 0 was asked for). */
  readonly address: ListenAddress;
  /** `http://host:port`, IPv6 hosts in brackets. */
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** `HOST:PORT`, `[v6]:PORT`, or `:PORT` (every interface). Throws UsageError otherwise. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`--listen needs HOST:PORT (e.g. 127.0.0.1:9090, [::1]:9090, :9090), got ${text}`);
  }
  return { host: m[1] ?? m[2] ?? "", port };
}

class BodyTooLarge extends Error {}

/** Reads the raw body, refusing more than `limit` bytes whatever Content-Length claims. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // Bodies carry values from files and CXone: escaped for terminals and CI logs (escape/json.ts).
  const text = `${toJson(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

interface Route {
  methods: readonly string[];
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<DaemonHttpServer> {
  const { host, port } = parseListen(options.listen);
  const logger = options.logger ?? silentLogger();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const routes = new Map<string, Route>([
    [
      "/healthz",
      {
        methods: ["GET", "HEAD"],
        handle: async (_req, res) => sendJson(res, 200, { status: "ok" }),
      },
    ],
    [
      "/readyz",
      {
        methods: ["GET", "HEAD"],
        handle: async (_req, res) => {
          let readiness: Readiness;
          try {
            readiness = await options.readiness();
          } catch (err) {
            logger.error({ err }, "readiness check threw");
            readiness = { ready: false, reasons: ["readiness check failed"] };
          }
          sendJson(res, readiness.ready ? 200 : 503, {
            ...readiness.details,
            status: readiness.ready ? "ready" : "not ready",
            reasons: readiness.reasons,
          });
        },
      },
    ],
    [
      "/status",
      {
        methods: ["GET", "HEAD"],
        handle: async (_req, res) => {
          if (options.status === undefined) sendJson(res, 404, { error: "not found" });
          else sendJson(res, 200, options.status());
        },
      },
    ],
    [
      "/metrics",
      {
        methods: ["GET", "HEAD"],
        handle: async (_req, res) => {
          const text = await options.metrics.text();
          res.writeHead(200, {
            "content-type": options.metrics.contentType,
            "content-length": Buffer.byteLength(text),
          });
          res.end(text);
        },
      },
    ],
    ["/hooks/git", { methods: ["POST"], handle: (req, res) => gitHook(req, res) }],
  ]);

  async function gitHook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hook = options.gitHook;
    const secret = hook?.secret;
    if (hook === undefined || secret === undefined || secret === "") {
      sendJson(res, 404, { error: "not found" });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      logger.warn({ maxBodyBytes }, "git hook body too large; refused");
      // The rest of the body is not read: close the connection rather than drain it.
      res.once("finish", () => req.destroy());
      sendJson(res, 413, { error: `body larger than ${maxBodyBytes} bytes` }, { connection: "close" });
      return;
    }
    const deliveryId = header(req, "x-github-delivery");
    const event = header(req, "x-github-event") ?? "";
    const check = verifyGitHubSignature(body, req.headers[GITHUB_SIGNATURE_HEADER], secret);
    if (!check.ok) {
      logger.warn({ deliveryId, event, reason: check.reason }, "git hook signature refused");
      sendJson(res, 401, { error: `signature ${check.reason}` });
      return;
    }
    if (event === "ping") {
      logger.info({ deliveryId }, "git hook ping");
      sendJson(res, 200, { status: "pong" });
      return;
    }
    logger.info({ deliveryId, event }, "git hook accepted; fetching");
    hook.onDelivery({ event, deliveryId });
    sendJson(res, 202, { status: "accepted" });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestPath(req);
    if (path === undefined) {
      // A target the URL parser refuses (`GET //[`): the client's mistake, not a crash.
      sendJson(res, 400, { error: "bad request target" }, { connection: "close" });
      return;
    }
    const route = routes.get(path);
    const method = req.method ?? "GET";
    if (route === undefined) {
      sendJson(res, 404, { error: "not found" });
      return;
    }
    if (!route.methods.includes(method)) {
      sendJson(res, 405, { error: "method not allowed" }, { allow: route.methods.join(", ") });
      return;
    }
    await route.handle(req, res);
  }

  const server: Server = createServer(
    guardedListener(serve, {
      onHandlerError: (err, req, res) => {
        logger.error({ err, path: requestPath(req) }, "http handler failed");
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.destroy();
      },
      onStreamError: (err) => logger.debug({ err }, "http exchange broke off"),
    }),
  );
  // A slow or stalled client must not hold a connection (and a hook body buffer) for minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off("listening", onListening);
      reject(new UsageError(listenFailure(options.listen, err, "--listen"), { cause: err }));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ port, ...(host === "" ? {} : { host }) });
  });
  // Errors after listening (e.g. running out of file descriptors) are logged, not fatal.
  server.on("error", (err) => logger.error({ err }, "http server error"));
  const bound = server.address() as AddressInfo;
  const address: ListenAddress = { host: bound.address, port: bound.port };
  const url = `http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
  logger.info({ url }, "http server listening");

  let closing: Promise<void> | undefined;
  return {
    address,
    url,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections would otherwise hold close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
