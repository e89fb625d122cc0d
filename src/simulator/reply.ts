/**
 * An answer as data: handlers return a Reply and the server writes it, so fault injection can
 * rewrite an answer (drop its ETag, break its JSON) after the handler ran.
 */

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A JSON value to serialise, or `raw` text sent as is. */
  body: { json: unknown } | { raw: string };
}

export function jsonReply(status: number, json: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { json } };
}

/** Every error body has the same shape: a stable `error` code and a message for people. */
export function errorReply(
  status: number,
  error: string,
  message: string,
  init: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
): Reply {
  return jsonReply(status, { error, message, ...init.extra }, init.headers);
}

export function replyText(reply: Reply): string {
  return "raw" in reply.body ? reply.body.raw : JSON.stringify(reply.body.json);
}
