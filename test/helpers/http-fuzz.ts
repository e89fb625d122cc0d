/**
 * A small HTTP/1.1 fuzzer over raw TCP (node:net), for the servers dialwindow listens with.
 * Requests are built from a grammar of hostile pieces (request targets the URL parser refuses,
 * lying Content-Lengths, broken chunked bodies, control characters, oversized lines), mutated
 * from known-good requests, or plain random bytes; each goes on its own connection, written in
 * random fragments, sometimes with a second request pipelined behind it. Seeded, so a failing
 * run can be replayed with the same seed.
 */
import { connect } from "node:net";
import { seededRandom } from "../../src/simulator/faults.js";

export interface FuzzOptions {
  port: number;
  seed: number;
  /** Connections to open (one or two requests each). */
  count: number;
  /** Connections open at once; default 32. */
  concurrency?: number;
  /** Paths the server routes, so the grammar reaches the handlers and not only 404. */
  paths: readonly string[];
  /** Well-formed requests to mutate (byte flips, truncation, splices). */
  seeds?: readonly Buffer[];
  /** Header lines (name: value) worth trying on these paths, e.g. a signature header. */
  headers?: readonly string[];
  /** A connection the server leaves open this long after the request is sent is counted as hung. */
  hangMs?: number;
  /** 5xx statuses the server answers by design (a 503 from a readiness probe). */
  expectedServerErrors?: readonly number[];
}

export interface FuzzReport {
  connections: number;
  /** Status of the first response on each connection that got one. */
  statuses: Map<number, number>;
  /** Connections the server closed without a response (refused at the parser, or reset). */
  closedWithoutResponse: number;
  /** Connections still open `hangMs` after the request was sent (then destroyed). */
  hung: number;
  /** The first few requests answered with an unexpected 5xx, for the assertion message. */
  serverErrors: string[];
}

/** Request targets that have broken URL parsers, routers and path handling somewhere. */
const HOSTILE_TARGETS = [
  "//[",
  "//[::1",
  "//[::1]:99999/x",
  "//",
  "///",
  "//@",
  "//a:b@c/healthz",
  "//%",
  "/%",
  "/%zz",
  "/%00",
  "/%ff%fe",
  "/healthz%",
  "/healthz?%",
  "/healthz?a=%zz&&=&",
  "/healthz#frag",
  "/healthz/",
  "/healthz/..",
  "/./healthz",
  "/../../../etc/passwd",
  "/\\..\\..\\",
  "*",
  "",
  "?",
  "#",
  "healthz",
  "http://",
  "http://[",
  "http://[::1",
  "http://localhost/healthz",
  "http://user:pass@localhost:0/readyz",
  "https://[::ffff:1.2.3.4]/metrics",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "\u00e9\u00e8",
  "/\u{1f600}",
  "/\ud800",
  "localhost:80",
  "[::1]:80",
];

const METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
  "PROPFIND",
  "get",
  "G ET",
  "",
  "GET\u0000",
  "\u00ff\u00fe",
];

const VERSIONS = [
  "HTTP/1.1",
  "HTTP/1.1",
  "HTTP/1.0",
  "HTTP/0.9",
  "HTTP/2.0",
  "HTTP/1.2",
  "HTTP/1",
  "http/1.1",
  "",
];

/** Header lines a parser accepts, with values a handler may choke on. */
const ODD_HEADERS = [
  "Connection: close",
  "Connection: keep-alive",
  "Connection: Upgrade\r\nUpgrade: websocket",
  "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__",
  "Expect: 100-continue",
  "Expect: 200-ok",
  "Content-Type: application/json",
  "Content-Type: application/x-www-form-urlencoded",
  "Content-Type: ;;;",
  "Authorization: Basic !!!",
  "Accept: */*",
  "Accept-Encoding: gzip, deflate, br",
  "X-\u00e9: \u00e9",
  "X-Forwarded-For: 1.2.3.4, [",
  "If-Match: *",
  "Cookie: a=b; ; =; c",
];

/** Framing and syntax a strict parser refuses, or that lies about the body. */
const BROKEN_HEADERS = [
  "Host: localhost",
  "Content-Length: -1",
  "Content-Length: 99999999999999999999",
  "Content-Length: 1e3",
  "Content-Length: abc",
  "Content-Length: 3, 4",
  "Content-Length: 10\r\nContent-Length: 20",
  "Transfer-Encoding: gzip, chunked",
  "Transfer-Encoding: chunked, identity",
  "Transfer-Encoding: xchunked",
  "Transfer-Encoding: chunked\r\nContent-Length: 3",
  "Authorization: Bearer \u0000",
  " folded: continuation",
  "no colon here",
  ": empty name",
];

export async function fuzzHttpServer(options: FuzzOptions): Promise<FuzzReport> {
  const random = seededRandom(options.seed);
  const report: FuzzReport = {
    connections: 0,
    statuses: new Map(),
    closedWithoutResponse: 0,
    hung: 0,
    serverErrors: [],
  };
  const gen = new Generator(random, options);
  const payloads: Buffer[] = [];
  for (let i = 0; i < options.count; i++) payloads.push(gen.connectionPayload());

  let next = 0;
  const worker = async () => {
    while (next < payloads.length) {
      const payload = payloads[next++] as Buffer;
      const fragments = gen.fragments(payload);
      const outcome = await sendRaw(options.port, fragments, options.hangMs ?? 5_000);
      report.connections++;
      if (outcome.hung) report.hung++;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(outcome.response)?.[1];
      if (status === undefined) {
        report.closedWithoutResponse++;
        continue;
      }
      const code = Number(status);
      report.statuses.set(code, (report.statuses.get(code) ?? 0) + 1);
      const expected = options.expectedServerErrors?.includes(code) === true;
      if (code >= 500 && !expected && report.serverErrors.length < 5) {
        report.serverErrors.push(
          `${code} for ${JSON.stringify(payload.subarray(0, 200).toString("latin1"))}: ${outcome.response.slice(0, 300)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  return report;
}

interface RawOutcome {
  response: string;
  hung: boolean;
}

/** Writes the fragments, half-closes, and collects whatever comes back until the server closes. */
export function sendRaw(port: number, fragments: readonly Buffer[], hangMs = 5_000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const received: Buffer[] = [];
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      socket.destroy();
    }, hangMs);
    socket.on("data", (d: Buffer) => {
      // The first response line is all the report needs; keep a little more for messages.
      if (received.reduce((n, b) => n + b.length, 0) < 4096) received.push(d);
    });
    // A reset or a write after the server closed is an answer too (it refused the request).
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ response: Buffer.concat(received).toString("latin1"), hung });
    });
    socket.on("connect", () => {
      for (const fragment of fragments) {
        if (socket.destroyed) break;
        socket.write(fragment);
      }
      socket.end();
    });
  });
}

class Generator {
  readonly #random: () => number;
  readonly #options: FuzzOptions;

  constructor(random: () => number, options: FuzzOptions) {
    this.#random = random;
    this.#options = options;
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)] as T;
  }

  #chance(p: number): boolean {
    return this.#random() < p;
  }

  #bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.#int(256);
    return out;
  }

  /** Printable noise; `wild` is the share of control characters, CR, LF and high bytes in it. */
  #noise(n: number, wild = 0.15): string {
    let s = "";
    for (let i = 0; i < n; i++) {
      const r = this.#random();
      if (r >= wild) s += String.fromCharCode(32 + this.#int(95));
      else if (r < wild / 3) s += this.#pick(["\r", "\n", "\r\n", "\t", "\u0000", "\u007f"]);
      else s += String.fromCharCode(128 + this.#int(128));
    }
    return s;
  }

  /** A header name or path segment: token characters, now and then something that is not one. */
  #token(n: number): string {
    const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let s = "";
    for (let i = 0; i < n; i++)
      s += this.#chance(0.97) ? (tchar[this.#int(tchar.length)] as string) : this.#noise(1, 1);
    return s;
  }

  connectionPayload(): Buffer {
    const r = this.#random();
    const seeds = this.#options.seeds ?? [];
    let first: Buffer;
    if (r < 0.6 || seeds.length === 0) first = this.#grammarRequest();
    else if (r < 0.9) first = this.#mutate(this.#pick(seeds));
    else first = this.#bytes(this.#int(600));
    // A second request pipelined behind the first, so a handler's failure can meet a live
    // connection that still has work on it.
    if (this.#chance(0.15)) return Buffer.concat([first, this.#grammarRequest()]);
    return first;
  }

  #target(): string {
    const r = this.#random();
    const paths = this.#options.paths;
    if (r < 0.35) return this.#pick(HOSTILE_TARGETS);
    if (r < 0.6) {
      const path = this.#pick(paths);
      return this.#chance(0.5)
        ? path
        : `${path}${this.#pick(["?", "#", "/", "%", "//[", ";", "?a=%"])}${this.#token(this.#int(10))}`;
    }
    if (r < 0.75) return `${this.#pick(HOSTILE_TARGETS)}${this.#pick(paths)}`;
    if (r < 0.9) return `/${this.#chance(0.7) ? this.#token(this.#int(40)) : this.#noise(this.#int(40))}`;
    return `/${"a".repeat(this.#int(20_000))}`;
  }

  #grammarRequest(): Buffer {
    const r = this.#random();
    const method =
      r < 0.7
        ? this.#pick(["GET", "HEAD", "POST"])
        : r < 0.9
          ? this.#pick(METHODS)
          : this.#noise(this.#int(8));
    const version = this.#chance(0.85)
      ? this.#pick(["HTTP/1.1", "HTTP/1.0"])
      : this.#chance(0.7)
        ? this.#pick(VERSIONS)
        : this.#noise(this.#int(10));
    const sep = () => (this.#chance(0.97) ? " " : this.#pick(["", "  ", "\t", "\r", "\u0000"]));
    const eol = () => (this.#chance(0.97) ? "\r\n" : this.#pick(["\n", "\r", "\r\r\n", ""]));
    // Node refuses an HTTP/1.1 request without exactly one Host before any handler sees it.
    const host = this.#random();
    const lines: string[] =
      host < 0.85
        ? ["Host: localhost"]
        : host < 0.95
          ? [this.#pick(["Host: [", "Host: //[", "Host:", "Host: a\u0000b"])]
          : [];
    const pool = [...ODD_HEADERS, ...(this.#options.headers ?? [])];
    const headerCount = this.#int(6);
    for (let i = 0; i < headerCount; i++) {
      const r = this.#random();
      if (r < 0.8) lines.push(this.#pick(pool));
      else if (r < 0.9)
        lines.push(`X-${this.#token(1 + this.#int(12))}: ${this.#noise(this.#int(60), 0.03)}`);
      else if (r < 0.97) lines.push(this.#pick(BROKEN_HEADERS));
      else lines.push(`X-Big: ${"v".repeat(this.#int(100_000))}`);
    }
    const framing = this.#random();
    const chunked = framing < 0.2;
    const body = this.#body(chunked);
    // Mostly honest framing, so the request reaches a handler; sometimes a lie or none at all.
    if (chunked) lines.push("Transfer-Encoding: chunked");
    else if (framing < 0.85) lines.push(`Content-Length: ${body.length}`);
    else if (framing < 0.93) lines.push(`Content-Length: ${body.length + 1 + this.#int(100_000)}`);
    for (let i = lines.length - 1; i > 0; i--) {
      const j = this.#int(i + 1);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
    let head = `${method}${sep()}${this.#target()}${sep()}${version}${eol()}`;
    for (const line of lines) head += `${line}${eol()}`;
    head += eol();
    return Buffer.concat([Buffer.from(head, "latin1"), body]);
  }

  #body(chunked: boolean): Buffer {
    const r = this.#random();
    if (chunked) {
      let out = "";
      const chunks = this.#int(4);
      for (let i = 0; i < chunks; i++) {
        const data = this.#noise(this.#int(50));
        const size = this.#chance(0.9)
          ? Buffer.byteLength(data, "latin1").toString(16)
          : this.#pick(["zz", "-1", "ffffffffffffffffff", "", "1;ext=\u0000", " 3"]);
        out += `${size}\r\n${data}\r\n`;
      }
      if (this.#chance(0.9)) out += this.#chance(0.8) ? "0\r\n\r\n" : "0\r\nTrailer: x\r\n\r\n";
      return Buffer.from(out, "latin1");
    }
    if (r < 0.4) return Buffer.alloc(0);
    if (r < 0.6) return Buffer.from(JSON.stringify({ ref: this.#noise(20), zen: this.#noise(30) }), "latin1");
    if (r < 0.85) return Buffer.from(this.#noise(this.#int(2_000)), "latin1");
    if (r < 0.97) return this.#bytes(this.#int(2_000));
    return Buffer.alloc(5_000 + this.#int(10_000), "x");
  }

  #mutate(seed: Buffer): Buffer {
    const out = Buffer.from(seed);
    const edits = 1 + this.#int(4);
    let result = out;
    for (let e = 0; e < edits; e++) {
      const r = this.#random();
      if (result.length === 0) break;
      const at = this.#int(result.length);
      if (r < 0.4) result[at] = this.#int(256);
      else if (r < 0.6) result = result.subarray(0, at);
      else if (r < 0.8)
        result = Buffer.concat([
          result.subarray(0, at),
          Buffer.from(this.#pick(HOSTILE_TARGETS)),
          result.subarray(at),
        ]);
      else result = Buffer.concat([result.subarray(0, at), result.subarray(at + 1 + this.#int(20))]);
    }
    return result;
  }

  /** The payload cut into 1 to 4 writes, so the server's parser sees partial lines. */
  fragments(payload: Buffer): Buffer[] {
    const cuts = this.#int(4);
    const points = Array.from({ length: cuts }, () => this.#int(payload.length + 1)).sort((a, b) => a - b);
    const out: Buffer[] = [];
    let from = 0;
    for (const p of points) {
      out.push(payload.subarray(from, p));
      from = p;
    }
    out.push(payload.subarray(from));
    return out.filter((b) => b.length > 0);
  }
}
