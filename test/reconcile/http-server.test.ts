import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  type DaemonHttpServer,
  type GitHookDelivery,
  type HttpServerOptions,
  parseListen,
  type Readiness,
  startHttpServer,
} from "../../src/reconcile/http-server.js";
import { DaemonMetrics } from "../../src/reconcile/metrics.js";
import { signGitHubPayload } from "../helpers/github-hook.js";
import { capturingLogger } from "./helpers.js";
import { parsePromText, sampleValue } from "./prom-text.js";

const SECRET = "s3cr3t-hook-value-that-must-not-leak";
const PUSH_BODY = JSON.stringify({
  ref: "refs/heads/main",
  after: "0123456789abcdef0123456789abcdef01234567",
});

interface Fixture {
  server: DaemonHttpServer;
  deliveries: GitHookDelivery[];
  setReadiness(r: Readiness | Error): void;
  metrics: DaemonMetrics;
  log: ReturnType<typeof capturingLogger>;
}

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<Fixture> {
  const deliveries: GitHookDelivery[] = [];
  let readiness: Readiness | Error = { ready: false, reasons: ["initial sync not done"] };
  const metrics = new DaemonMetrics();
  const log = capturingLogger();
  const server = await startHttpServer({
    listen: "127.0.0.1:0",
    readiness: () => {
      if (readiness instanceof Error) throw readiness;
      return readiness;
    },
    metrics: { text: () => metrics.metricsText(), contentType: metrics.contentType },
    gitHook: { secret: SECRET, onDelivery: (d) => deliveries.push(d) },
    maxBodyBytes: 4096,
    logger: log.logger,
    ...overrides,
  });
  return {
    server,
    deliveries,
    metrics,
    log,
    setReadiness(r) {
      readiness = r;
    },
  };
}

function hook(server: DaemonHttpServer, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/hooks/git`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-delivery": "d-1", ...headers },
    body,
  });
}

describe("daemon HTTP server", () => {
  let f: Fixture;
  before(async () => {
    f = await start();
  });
  after(() => f.server.close());

  it("listens on the port it was given, or a free one for port 0", () => {
    assert.equal(f.server.address.host, "127.0.0.1");
    assert.ok(f.server.address.port > 0);
    assert.equal(f.server.url, `http://127.0.0.1:${f.server.address.port}`);
  });

  it("answers /healthz while the process is alive", async () => {
    const res = await fetch(`${f.server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
  });

  it("answers /readyz 503 with the reasons until the daemon says it is ready", async () => {
    f.setReadiness({
      ready: false,
      reasons: ["campaigns/q4.yaml: invalid (DW102 overlapping-windows)"],
      details: { invalidFiles: ["campaigns/q4.yaml"] },
    });
    let res = await fetch(`${f.server.url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      status: "not ready",
      reasons: ["campaigns/q4.yaml: invalid (DW102 overlapping-windows)"],
      invalidFiles: ["campaigns/q4.yaml"],
    });
    f.setReadiness({ ready: true, reasons: [] });
    res = await fetch(`${f.server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ready", reasons: [] });
    f.setReadiness(new Error("status function broke"));
    res = await fetch(`${f.server.url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: "not ready", reasons: ["readiness check failed"] });
  });

  it("serves the metrics registry as Prometheus text", async () => {
    f.metrics.recordReconcile("applied", 250);
    const res = await fetch(`${f.server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const samples = parsePromText(await res.text());
    assert.equal(sampleValue(samples, "dialwindow_reconciles_total", { result: "applied" }), 1);
  });

  it("asks for a fetch on a correctly signed push and says 202", async () => {
    const before = f.deliveries.length;
    const res = await hook(f.server, PUSH_BODY, {
      "x-github-event": "push",
      "x-hub-signature-256": signGitHubPayload(PUSH_BODY, SECRET),
    });
    assert.equal(res.status, 202);
    assert.deepEqual(f.deliveries.slice(before), [{ event: "push", deliveryId: "d-1" }]);
  });

  it("answers GitHub's ping without fetching", async () => {
    const before = f.deliveries.length;
    const body = JSON.stringify({ zen: "Keep it logically awesome." });
    const res = await hook(f.server, body, {
      "x-github-event": "ping",
      "x-hub-signature-256": signGitHubPayload(body, SECRET),
    });
    assert.equal(res.status, 200);
    assert.equal(f.deliveries.length, before);
  });

  it("refuses a missing, malformed or wrong signature with 401 and fetches nothing", async () => {
    const before = f.deliveries.length;
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "signature missing"],
      [{ "x-hub-signature-256": "sha256=abc" }, "signature malformed"],
      [{ "x-hub-signature-256": signGitHubPayload(PUSH_BODY, "wrong secret") }, "signature mismatch"],
      [{ "x-hub-signature-256": signGitHubPayload(`${PUSH_BODY} `, SECRET) }, "signature mismatch"],
    ];
    for (const [headers, error] of cases) {
      const res = await hook(f.server, PUSH_BODY, { "x-github-event": "push", ...headers });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error });
    }
    assert.equal(f.deliveries.length, before);
  });

  it("refuses a body over the limit with 413, declared or streamed", async () => {
    const before = f.deliveries.length;
    const big = "x".repeat(6000);
    const declared = await hook(f.server, big, {
      "x-github-event": "push",
      "x-hub-signature-256": signGitHubPayload(big, SECRET),
    });
    assert.equal(declared.status, 413);

    // Chunked, with no Content-Length to go by: the limit is enforced while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${f.server.url}/hooks/git`,
        {
          method: "POST",
          headers: {
            "transfer-encoding": "chunked",
            "x-github-event": "push",
            "x-hub-signature-256": signGitHubPayload(big, SECRET),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(big.slice(0, 3000));
      req.end(big.slice(3000));
    });
    assert.equal(status, 413);
    assert.equal(f.deliveries.length, before);
  });

  it("serves /status from the daemon as JSON, escaped for terminals; 404 when it has none", async () => {
    assert.equal((await fetch(`${f.server.url}/status`)).status, 404);
    const g = await start({ status: () => ({ problems: [{ message: "bad\u202eRTL" }] }) });
    try {
      const res = await fetch(`${g.server.url}/status`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const text = await res.text();
      assert.ok(text.includes("bad\\u202eRTL"), text);
      assert.deepEqual(JSON.parse(text), { problems: [{ message: "bad\u202eRTL" }] });
    } finally {
      await g.server.close();
    }
  });

  it("answers 404 for unknown paths and 405 (with Allow) for wrong methods", async () => {
    assert.equal((await fetch(`${f.server.url}/nope`)).status, 404);
    const res = await fetch(`${f.server.url}/metrics`, { method: "POST", body: "" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    const get = await fetch(`${f.server.url}/hooks/git`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
  });

  it("never writes the hook secret to the log", () => {
    assert.ok(f.log.lines.some((l) => l.msg === "git hook signature refused"));
    assert.ok(f.log.lines.some((l) => l.msg === "git hook accepted; fetching"));
    assert.ok(!f.log.text().includes(SECRET));
  });
});

describe("daemon HTTP server without a hook secret", () => {
  it("answers 404 on /hooks/git, even with a signature", async () => {
    for (const gitHook of [undefined, { secret: "", onDelivery: () => assert.fail("called") }]) {
      const f = await start({ gitHook });
      try {
        const res = await hook(f.server, PUSH_BODY, {
          "x-github-event": "push",
          "x-hub-signature-256": signGitHubPayload(PUSH_BODY, "anything"),
        });
        assert.equal(res.status, 404);
      } finally {
        await f.server.close();
      }
    }
  });
});

describe("daemon HTTP server lifecycle", () => {
  it("stops answering once closed, and close() can be called twice", async () => {
    const f = await start();
    assert.equal((await fetch(`${f.server.url}/healthz`)).status, 200);
    await f.server.close();
    await f.server.close();
    await assert.rejects(fetch(`${f.server.url}/healthz`));
  });

  it("reports a port already in use as a usage error", async () => {
    const f = await start();
    try {
      const busy = `127.0.0.1:${f.server.address.port}`;
      await assert.rejects(start({ listen: busy }), (err: Error & { code?: string }) => {
        assert.equal(err.code, "DW_USAGE");
        assert.equal(
          err.message,
          `cannot listen on ${busy}: the port is already in use (EADDRINUSE); stop what holds it or choose another with --listen`,
        );
        return true;
      });
    } finally {
      await f.server.close();
    }
  });
});

describe("parseListen", () => {
  it("reads HOST:PORT, [IPv6]:PORT and :PORT", () => {
    assert.deepEqual(parseListen("127.0.0.1:9090"), { host: "127.0.0.1", port: 9090 });
    assert.deepEqual(parseListen("localhost:0"), { host: "localhost", port: 0 });
    assert.deepEqual(parseListen("[::1]:8080"), { host: "::1", port: 8080 });
    assert.deepEqual(parseListen(":9090"), { host: "", port: 9090 });
  });

  it("refuses anything else", () => {
    for (const bad of ["9090", "host", "host:", "host:99999", "::1:80", "host:80x", ""]) {
      assert.throws(() => parseListen(bad), { code: "DW_USAGE" }, bad);
    }
  });
});
