/**
 * The WFM side of the benchmark: a node:http receiver on 127.0.0.1 that counts what arrives.
 * On the signed path it checks each Standard Webhooks signature with its own HMAC (so the
 * count is of deliveries a real receiver would accept); on the naive path it takes the
 * tutorial's unsigned POSTs as they are.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceiverCounts {
  /** Signed deliveries whose signature matched. */
  verified: number;
  /** Signed-path requests whose signature did not match (answered 401). */
  rejected: number;
  /** Distinct webhook-ids seen on the signed path. */
  uniqueIds: number;
  /** Unsigned POSTs on the naive path. */
  naive: number;
}

export interface BenchReceiver {
  readonly secret: string;
  /** For dialwindow.yaml: the signed target. */
  readonly signedUrl: string;
  /** For the naive loop: the tutorial's unsigned webhook. */
  readonly naiveUrl: string;
  counts(): ReceiverCounts;
  close(): Promise<void>;
}

const SIGNED_PATH = "/wfm";
const NAIVE_PATH = "/naive";

export async function startReceiver(): Promise<BenchReceiver> {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const ids = new Set<string>();
  const counts = { verified: 0, rejected: 0, naive: 0 };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (req.url === NAIVE_PATH) {
        counts.naive++;
        res.writeHead(200).end();
        return;
      }
      if (req.url !== SIGNED_PATH) {
        res.writeHead(404).end();
        return;
      }
      const id = String(req.headers["webhook-id"] ?? "");
      const timestamp = String(req.headers["webhook-timestamp"] ?? "");
      const signature = String(req.headers["webhook-signature"] ?? "");
      if (!verify(key, id, timestamp, body, signature)) {
        counts.rejected++;
        res.writeHead(401).end("bad signature");
        return;
      }
      counts.verified++;
      ids.add(id);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    secret,
    signedUrl: `http://127.0.0.1:${port}${SIGNED_PATH}`,
    naiveUrl: `http://127.0.0.1:${port}${NAIVE_PATH}`,
    counts: () => ({ ...counts, uniqueIds: ids.size }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function verify(key: Buffer, id: string, timestamp: string, body: string, header: string): boolean {
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(" ").some((entry) => {
    const [version, sig] = entry.split(",");
    if (version !== "v1" || sig === undefined) return false;
    const got = Buffer.from(sig, "base64");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
