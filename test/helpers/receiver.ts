/**
 * A real WFM webhook receiver for tests: node:http on 127.0.0.1, port 0. It checks every
 * signature with its own HMAC (node:crypto, not the standardwebhooks package, so a bug shared by
 * sender and library cannot hide) and counts deliveries by webhook-id.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The signature matched the secret configured for this path. */
  verified: boolean;
  /** 1-based count of requests so far with this path and webhook-id (this one included). */
  nth: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export type Handler = (req: ReceivedRequest) => Reply;

export interface Receiver {
  url(path: string): string;
  readonly requests: ReceivedRequest[];
  /** How many requests with this webhook-id were answered 2xx on this path. */
  accepted(path: string, id: string): number;
  handler: Handler;
  close(): Promise<void>;
}

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Standard Webhooks verification, written independently of the sender. */
export function verifySignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
  header: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(" ").some((entry) => {
    const [version, sig] = entry.split(",");
    if (version !== "v1" || sig === undefined) return false;
    const got = Buffer.from(sig, "base64");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

export async function startReceiver(
  secretsByPath: Record<string, string>,
  handler?: Handler,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, number>();
  const seen = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  const receiver: Receiver = {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    accepted: (path, id) => accepted.get(`${path} ${id}`) ?? 0,
    handler: handler ?? (() => ({ status: 200 })),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const id = String(req.headers["webhook-id"] ?? "");
      const timestamp = String(req.headers["webhook-timestamp"] ?? "");
      const signature = String(req.headers["webhook-signature"] ?? "");
      const body = Buffer.concat(chunks).toString("utf8");
      const secret = secretsByPath[path];
      const key = `${path} ${id}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const record: ReceivedRequest = {
        path,
        id,
        timestamp,
        signature,
        body,
        verified: secret !== undefined && verifySignature(secret, id, timestamp, body, signature),
        nth,
      };
      requests.push(record);
      const reply: Reply = record.verified
        ? receiver.handler(record)
        : { status: 401, body: "bad signature" };
      if (reply === "hang") {
        hanging.push(res);
        return;
      }
      if (reply.status >= 200 && reply.status <= 299) accepted.set(key, (accepted.get(key) ?? 0) + 1);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return receiver;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}/hook`;
}
