/**
 * A real node:http server on 127.0.0.1 that answers every request with a huge body, framed by an
 * honest Content-Length, chunked, or read-until-close (no length at all), and records how much
 * it managed to write before the client hung up. A client that caps what it reads hangs up
 * early: `finished` stays false and `written` stays far below `bytes`.
 */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Framing = "content-length" | "chunked" | "close";

export interface FloodOptions {
  status: number;
  /** Body size the server tries to send. */
  bytes: number;
  framing: Framing;
  /** The body starts with this (e.g. an error message a client should keep an excerpt of). */
  prefix?: string;
}

export interface FloodResult {
  path: string;
  /** The whole body was written and ended. */
  finished: boolean;
  /** Bytes handed to the socket before the client went away (or all of them). */
  written: number;
}

export interface FloodServer {
  readonly url: string;
  readonly results: FloodResult[];
  /** Resolves once `n` responses have ended one way or the other. */
  settled(n: number): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, " ");

export async function startFloodServer(options: FloodOptions): Promise<FloodServer> {
  const results: FloodResult[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    req.resume();
    void flood(res, options).then((result) => {
      results.push({ path: req.url ?? "", ...result });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    results,
    async settled(n) {
      while (results.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function flood(res: ServerResponse, o: FloodOptions): Promise<{ finished: boolean; written: number }> {
  res.on("error", () => undefined);
  const closed = once(res, "close").then(() => undefined);
  const headers: Record<string, string | number> = { "content-type": "application/json" };
  if (o.framing === "content-length") headers["content-length"] = o.bytes;
  if (o.framing === "close") {
    res.useChunkedEncodingByDefault = false;
    headers.connection = "close";
  }
  res.writeHead(o.status, headers);
  const prefix = Buffer.from(o.prefix ?? "");
  let written = 0;
  let next: Buffer = prefix.length > 0 ? prefix : CHUNK;
  while (written < o.bytes && !res.destroyed) {
    const part = next.subarray(0, Math.min(next.length, o.bytes - written));
    next = CHUNK;
    written += part.length;
    if (!res.write(part)) await Promise.race([once(res, "drain").catch(() => undefined), closed]);
  }
  if (res.destroyed) return { finished: false, written };
  res.end();
  await Promise.race([once(res, "finish").catch(() => undefined), closed]);
  return { finished: res.writableFinished, written };
}
