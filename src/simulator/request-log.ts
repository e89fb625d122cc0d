/**
 * Every request the simulator saw, for tests to assert on ("exactly one PATCH, with this
 * If-Match and this body"). Counts by kind survive the entry cap, so a long benchmark can still
 * ask how many PATCHes were sent without keeping every request in memory.
 */
import type { RequestKind } from "./faults.js";

/** `other` is anything that matched no route or used a wrong method. */
export type LoggedKind = RequestKind | "other";

const TUTORIAL_KINDS: readonly LoggedKind[] = ["token", "list", "get", "patch", "other"];

/** One request; `K` is the profile's set of request kinds (the tutorial's by default). */
export interface RequestLogEntry<K extends string = LoggedKind> {
  /** 1-based, in arrival order since the simulator started. */
  seq: number;
  /** Arrival time on the simulator's clock (epoch ms). */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  kind: K;
  /** The client the request belongs to: from its bearer token, or from a token request's credentials. */
  clientId: string | undefined;
  /** The If-Match header exactly as received. */
  ifMatch: string | undefined;
  /**
   * The request body: parsed JSON for API calls, the form fields (secret redacted) for token
   * calls, the raw text when it did not parse, undefined when empty.
   */
  body: unknown;
  /** The status answered; undefined while pending, and for connections reset or left hanging. */
  status: number | undefined;
  /** The injected or random fault that shaped the answer, if any. */
  fault: string | undefined;
}

export type RequestCounts<K extends string = LoggedKind> = Record<K, number>;

/**
 * `E` lets a profile log more per request (the cxone-admin profile adds the skill id); the
 * fields every profile has are filled in here.
 */
export class RequestLog<K extends string = LoggedKind, E extends RequestLogEntry<K> = RequestLogEntry<K>> {
  #entries: E[] = [];
  readonly #kinds: readonly K[];
  #counts: RequestCounts<K>;
  #seq = 0;
  readonly #limit: number;

  constructor(limit: number, kinds: readonly K[] = TUTORIAL_KINDS as readonly K[]) {
    this.#limit = limit;
    this.#kinds = kinds;
    this.#counts = this.#emptyCounts();
  }

  /** Records a request on arrival; the server fills in the outcome on the returned entry. */
  begin(init: Omit<E, "seq" | "status" | "fault" | "clientId" | "body">): E {
    const entry = {
      ...init,
      seq: ++this.#seq,
      clientId: undefined,
      body: undefined,
      status: undefined,
      fault: undefined,
    } as E;
    this.#counts[entry.kind]++;
    this.#entries.push(entry);
    // Trim in chunks so the cost is amortised rather than paid on every request.
    if (this.#entries.length > this.#limit * 1.25) this.#entries = this.#entries.slice(-this.#limit);
    return entry;
  }

  entries(kind?: K): E[] {
    const selected = kind === undefined ? this.#entries : this.#entries.filter((e) => e.kind === kind);
    return selected.map((e) => ({ ...e, query: { ...e.query } }));
  }

  count(kind?: K): number {
    if (kind !== undefined) return this.#counts[kind];
    return (Object.values(this.#counts) as number[]).reduce((a, b) => a + b, 0);
  }

  counts(): RequestCounts<K> {
    return { ...this.#counts };
  }

  clear(): void {
    this.#entries = [];
    this.#counts = this.#emptyCounts();
  }

  #emptyCounts(): RequestCounts<K> {
    return Object.fromEntries(this.#kinds.map((kind) => [kind, 0])) as RequestCounts<K>;
  }
}
