/**
 * The socket side shared by every simulator profile: a node:http server on 127.0.0.1 behind the
 * guarded listener, which tracks its connections so `close()` can end hung ones, reads request
 * bodies with a cap, and writes a Reply. What a request means is the profile's business.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { DialwindowError } from "../util/errors.js";
import { guardedListener, listenFailure } from "../util/http-listener.js";
import type { Logger } from "../util/log.js";
import { type Reply, replyText } from "./reply.js";

export const LOOPBACK_HOST = "127.0.0.1";
export const MAX_BODY_BYTES = 1024 * 1024;

export class LoopbackServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #logger: Logger;
  // Aborted by close(), so requests sleeping out their latency stop instead of answering late.
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;
  #port = 0;

  constructor(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, logger: Logger) {
    this.#logger = logger;
    this.#server = createServer(
      guardedListener(handle, {
        onHandlerError: (error, _req, res) => this.#internalError(res, error),
        onStreamError: (error) => this.#logger.debug({ err: error }, "simulator exchange broke off"),
      }),
    );
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:PORT`, no trailing slash. */
  get origin(): string {
    return `http://${LOOPBACK_HOST}:${this.#port}`;
  }

  /** Aborted once `close()` starts. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        reject(
          new DialwindowError(
            "DW_SIMULATOR_LISTEN",
            listenFailure(`${LOOPBACK_HOST}:${port}`, error, "--port"),
            {
              cause: error,
            },
          ),
        );
      };
      this.#server.once("error", onError);
      this.#server.listen(port, LOOPBACK_HOST, () => {
        this.#server.off("error", onError);
        const address = this.#server.address();
        this.#port = typeof address === "object" && address !== null ? address.port : port;
        resolve();
      });
    });
  }

  /** Stops listening and destroys every connection, hung ones included. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
      await stopped;
    })();
    return this.#closed;
  }

  #internalError(res: ServerResponse, error: unknown): void {
    // A client that hangs up mid-request is routine (timeouts, aborts), not a simulator fault.
    if (res.destroyed || res.socket?.destroyed !== false) {
      this.#logger.debug({ err: error }, "simulator request abandoned by the client");
      res.destroy();
      return;
    }
    this.#logger.error({ err: error }, "simulator request failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const text = JSON.stringify({ error: "internal_error", message: "the simulator failed; see its log" });
    res.writeHead(500, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }
}

/** The body as text; undefined when it exceeds `limit` bytes. */
export async function readRequestBody(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Writes a Reply. A 204 or 304 carries no body and no entity headers; an empty body is sent with
 * `content-length: 0` and no content type (the cxone-admin PUT's bare 200).
 */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  if (reply.status === 204 || reply.status === 304) {
    res.writeHead(reply.status, reply.headers);
    res.end();
    return;
  }
  const text = replyText(reply);
  res.writeHead(reply.status, {
    ...(text === "" ? {} : { "content-type": "application/json; charset=utf-8" }),
    "content-length": Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

/** Ends the exchange without an answer: a reset destroys the socket, a hang leaves it for `close()`. */
export function breakConnection(req: IncomingMessage, how: "reset" | "hang"): void {
  if (how === "reset") req.socket.resetAndDestroy();
}
