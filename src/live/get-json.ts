/**
 * One authorised GET of a JSON resource, the way both CXone clients read: the answer that
 * means "nothing here" is told apart, any other error answer becomes the client's own error,
 * and a success is parsed and named for messages. What an error answer or a body that is not
 * JSON becomes stays each profile's (its `failure` and `json`).
 */
import { type IncomingResponse, type OutgoingRequest, redactUrl } from "./http.js";
import type { RequestKind, TokenSource, Transport } from "./transport.js";

export const JSON_ACCEPT = { accept: "application/json" };

/** What a client reads JSON with. */
export interface JsonReader {
  readonly transport: Transport;
  readonly tokens: TokenSource;
  /** A non-2xx answer as the client's error. */
  failure(response: IncomingResponse, request: OutgoingRequest): Error;
  /** The body parsed; a ProtocolError naming `what` when it is not JSON. */
  json(response: IncomingResponse, what: string): unknown;
}

export interface JsonAnswer {
  body: unknown;
  /** "GET <url>", credentials redacted: where a problem with the body is said to be. */
  where: string;
  response: IncomingResponse;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/**
 * GETs `url` and parses the answer. When `none(status)` holds (a 404 for one resource, a 204
 * for an empty listing) the answer is undefined; any other non-2xx throws the reader's failure.
 */
export async function getJson(
  reader: JsonReader,
  kind: RequestKind,
  url: string,
  none: (status: number) => boolean,
): Promise<JsonAnswer | undefined>;
export async function getJson(reader: JsonReader, kind: RequestKind, url: string): Promise<JsonAnswer>;
export async function getJson(
  reader: JsonReader,
  kind: RequestKind,
  url: string,
  none: (status: number) => boolean = () => false,
): Promise<JsonAnswer | undefined> {
  const { response, request } = await reader.transport.send({
    kind,
    method: "GET",
    url,
    headers: JSON_ACCEPT,
    tokens: reader.tokens,
  });
  if (none(response.status)) return undefined;
  if (!isSuccess(response.status)) throw reader.failure(response, request);
  const where = `GET ${redactUrl(url)}`;
  return { body: reader.json(response, `the response to ${where}`), where, response };
}
