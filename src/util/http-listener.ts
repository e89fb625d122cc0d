/**
 * The one way dialwindow serves HTTP (the daemon's port, the simulator, the demo's receiver):
 * a request listener that nothing a client sends can turn into an uncaught exception. Node
 * calls a listener outside any promise chain, so a throw there (a request target the URL
 * parser refuses, say) ends the process; and an `error` event on a response with no listener
 * does the same. Here a failure stays the failure of one exchange: it is reported, answered
 * 500 when nothing was sent yet, and otherwise the connection is dropped.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface GuardOptions {
  /** A handler threw or rejected. Should answer `res` (500) when `res.headersSent` is false. */
  onHandlerError: (err: unknown, req: IncomingMessage, res: ServerResponse) => void;
  /** A stream of one exchange failed (client reset mid-body, write after the socket died). */
  onStreamError?: (err: unknown) => void;
}

export function guardedListener(
  handle: RequestHandler,
  options: GuardOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const streamError = (err: unknown) => {
    try {
      options.onStreamError?.(err);
    } catch {
      // Reporting must not become the crash it reports.
    }
  };
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      options.onHandlerError(err, req, res);
    } catch {
      res.destroy();
    }
  };
  return (req, res) => {
    req.on("error", streamError);
    res.on("error", streamError);
    let result: void | Promise<void>;
    try {
      result = handle(req, res);
    } catch (err) {
      fail(err, req, res);
      return;
    }
    if (result !== undefined) result.catch((err: unknown) => fail(err, req, res));
  };
}

/**
 * The path of a request target, or undefined when the target is not one (`//[`, `http://[`):
 * `new URL` throws on those, and a request listener must not throw.
 */
export function requestPath(req: IncomingMessage): string | undefined {
  return requestUrl(req)?.pathname;
}

/** The request target parsed against a dummy origin; undefined when it does not parse. */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}

/**
 * Why a server could not listen, for a person: the errno by name (EADDRINUSE is what an
 * operator searches for), what it means, and the flag that picks another address.
 */
export function listenFailure(address: string, err: unknown, flag: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === "EADDRINUSE"
      ? `the port is already in use (EADDRINUSE); stop what holds it or choose another with ${flag}`
      : code === "EACCES"
        ? `permission denied (EACCES): ports below 1024 need privileges; choose a higher one with ${flag}`
        : code === "EADDRNOTAVAIL"
          ? `the address is not one of this machine's (EADDRNOTAVAIL); check ${flag}`
          : describe(err, code);
  return `cannot listen on ${address}: ${why}`;
}

function describe(err: unknown, code: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
