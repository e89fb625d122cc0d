/**
 * Reading an HTTP response body without trusting its size. A body is read as a stream and
 * counted; once it passes what the caller can use, the stream is destroyed, which drops the
 * connection, so the server's remaining bytes are never received, let alone buffered. A
 * Content-Length over the limit is refused before a byte of the body is read.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

/** The body as UTF-8 text, or undefined (and the body dropped) when it is longer than `limit` bytes. */
export async function readBodyCapped(
  body: Readable,
  headers: IncomingHttpHeaders,
  limit: number,
): Promise<string | undefined> {
  if (declaredLength(headers) > limit) {
    discard(body);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      discard(body);
      return undefined;
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The first `maxBytes` of the body as UTF-8 text (a character cut in two at the end shows as
 * U+FFFD); whatever follows is dropped unread. For bodies only shown as an excerpt.
 */
export async function readBodyExcerpt(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    const room = maxBytes - size;
    chunks.push(room < buf.length ? buf.subarray(0, room) : buf);
    size += Math.min(room, buf.length);
    if (size >= maxBytes) {
      discard(body);
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

function declaredLength(headers: IncomingHttpHeaders): number {
  const value = headers["content-length"];
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) ? n : 0;
}

/** Drops the rest of a body: destroying it aborts the request and closes its connection. */
function discard(body: Readable): void {
  // The abort surfaces as an error event on the body; nobody is reading it any more.
  body.on("error", () => undefined);
  body.destroy();
}
