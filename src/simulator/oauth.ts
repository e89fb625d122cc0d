/**
 * The token endpoint's side both simulator profiles share (RFC 6749): its error answers, and
 * the client authentication every grant starts with.
 */
import type { IncomingHttpHeaders } from "node:http";
import { mediaType, parseBasic } from "./http-parsing.js";
import { jsonReply, type Reply } from "./reply.js";

// OAuth errors use the RFC 6749 body shape, which has no `message`; token answers are never cached.
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(
    status,
    { error, error_description: description },
    { "cache-control": "no-store", pragma: "no-cache", ...headers },
  );
}

export type ClientCheck =
  | { ok: true; form: URLSearchParams; clientId: string }
  | { ok: false; reply: Reply; clientId?: string | undefined };

/**
 * A token request's form once its client is authenticated (section 2.3.1: HTTP Basic or the
 * body, not both), or the answer that refuses it: 400 invalid_request for a form that is not
 * form-encoded or repeats a parameter, 401 invalid_client for an unknown client or a wrong secret.
 */
export function authenticateClient(
  headers: IncomingHttpHeaders,
  body: string,
  clients: ReadonlyMap<string, string>,
): ClientCheck {
  if (mediaType(headers["content-type"]) !== "application/x-www-form-urlencoded") {
    return {
      ok: false,
      reply: oauthError(
        400,
        "invalid_request",
        "the token request must be application/x-www-form-urlencoded",
      ),
    };
  }
  const form = new URLSearchParams(body);
  const repeated = [...new Set(form.keys())].filter((key) => form.getAll(key).length > 1);
  if (repeated.length > 0) {
    return {
      ok: false,
      reply: oauthError(400, "invalid_request", `parameters sent more than once: ${repeated.join(", ")}`),
    };
  }
  const basic = parseBasic(headers.authorization);
  if (basic !== undefined && form.has("client_secret")) {
    return {
      ok: false,
      reply: oauthError(
        400,
        "invalid_request",
        "use either HTTP Basic or client_secret in the body, not both",
      ),
    };
  }
  const clientId = basic?.clientId ?? form.get("client_id") ?? undefined;
  const secret = basic?.secret ?? form.get("client_secret") ?? undefined;
  if (clientId === undefined || secret === undefined || clients.get(clientId) !== secret) {
    const extra: Record<string, string> = basic ? { "www-authenticate": 'Basic realm="cxone"' } : {};
    return {
      ok: false,
      reply: oauthError(401, "invalid_client", "unknown client or wrong client secret", extra),
      clientId,
    };
  }
  return { ok: true, form, clientId };
}
