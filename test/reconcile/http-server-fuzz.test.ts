/**
 * Nothing a client sends to the daemon's HTTP port may end the process: the health port listens
 * on every interface in the documented deployment, unauthenticated. The server runs in this
 * process, so a throw outside a handler shows up here as an uncaught exception.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type DaemonHttpServer, startHttpServer } from "../../src/reconcile/http-server.js";
import { DaemonMetrics } from "../../src/reconcile/metrics.js";
import { signGitHubPayload } from "../helpers/github-hook.js";
import { fuzzHttpServer, sendRaw } from "../helpers/http-fuzz.js";
import { capturingLogger } from "./helpers.js";

const SECRET = "fuzz-hook-secret";
const PUSH = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40) });

/** Records what would have ended the process, for the duration of a test. */
function crashWatch(): { crashes: unknown[]; stop(): void } {
  const crashes: unknown[] = [];
  const record = (err: unknown) => crashes.push(err);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return {
    crashes,
    stop() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
  };
}

function raw(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

describe("daemon HTTP server under hostile input", () => {
  let server: DaemonHttpServer;
  let deliveries = 0;
  let watch: ReturnType<typeof crashWatch>;
  let readinessCalls = 0;

  before(async () => {
    watch = crashWatch();
    const metrics = new DaemonMetrics();
    server = await startHttpServer({
      listen: "127.0.0.1:0",
      readiness: () => {
        // Every third call throws, so the fuzz also meets a failing readiness check.
        if (++readinessCalls % 3 === 0) throw new Error("readiness broke");
        return { ready: true, reasons: [] };
      },
      metrics: { text: () => metrics.metricsText(), contentType: metrics.contentType },
      gitHook: { secret: SECRET, onDelivery: () => deliveries++ },
      maxBodyBytes: 4096,
      logger: capturingLogger().logger,
    });
  });
  after(async () => {
    watch.stop();
    await server.close();
  });

  async function healthz(): Promise<number> {
    return (await fetch(`${server.url}/healthz`)).status;
  }

  it("answers GET //[ (a target the URL parser refuses) with 400 and keeps serving", async () => {
    const { response } = await sendRaw(server.address.port, [raw("GET //[ HTTP/1.1\r\nHost: x\r\n\r\n")]);
    assert.deepEqual(watch.crashes, []);
    assert.match(response, /^HTTP\/1\.1 400 /);
    assert.equal(await healthz(), 200);
  });

  it("survives thousands of random request lines, headers and bodies; /healthz still answers 200", async () => {
    const signed = signGitHubPayload(PUSH, SECRET);
    const report = await fuzzHttpServer({
      port: server.address.port,
      seed: 20_260_109,
      count: 3000,
      paths: ["/healthz", "/readyz", "/metrics", "/hooks/git"],
      expectedServerErrors: [503],
      headers: [
        `X-Hub-Signature-256: ${signed}`,
        "X-Hub-Signature-256: sha256=zz",
        "X-Hub-Signature-256: sha1=00",
        "X-GitHub-Event: push",
        "X-GitHub-Event: ping",
        "X-GitHub-Delivery: \u00ff",
      ],
      seeds: [
        raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        raw("HEAD /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"),
        raw("GET /metrics HTTP/1.0\r\n\r\n"),
        raw(
          `POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
            `X-GitHub-Event: push\r\nX-GitHub-Delivery: d\r\nX-Hub-Signature-256: ${signed}\r\n` +
            `Content-Length: ${PUSH.length}\r\n\r\n${PUSH}`,
        ),
        raw(
          `POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n` +
            `X-GitHub-Event: push\r\nX-Hub-Signature-256: ${signed}\r\n\r\n` +
            `${PUSH.length.toString(16)}\r\n${PUSH}\r\n0\r\n\r\n`,
        ),
      ],
    });
    assert.deepEqual(watch.crashes, [], "a request ended (or would have ended) the process");
    assert.equal(report.connections, 3000);
    assert.equal(report.hung, 0, "the server left a finished request's connection open");
    assert.deepEqual(report.serverErrors, [], "a request was answered 5xx: a handler failed on client input");
    // The grammar reached the routes (not only the parser's 400s).
    for (const status of [200, 400, 404, 405]) assert.ok(report.statuses.has(status), `no ${status} seen`);
    assert.ok(deliveries > 0, "no fuzzed hook delivery got through the signature check");
    assert.equal(await healthz(), 200);
  });
});
