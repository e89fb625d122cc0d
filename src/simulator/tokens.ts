/**
 * Bearer tokens as the simulated OAuth server hands them out: opaque random strings, each
 * remembered with its client, scopes and expiry. Expiry is judged by the injected clock so
 * tests can expire a token by moving time rather than by sleeping.
 */
import { randomBytes } from "node:crypto";

export const READ_SCOPE = "outbound:campaign:read";
export const WRITE_SCOPE = "outbound:campaign:write";
export const KNOWN_SCOPES: readonly string[] = [READ_SCOPE, WRITE_SCOPE];

export interface TokenGrant {
  clientId: string;
  scopes: ReadonlySet<string>;
  /** Epoch milliseconds on the simulator's clock. */
  expiresAt: number;
}

export class TokenStore {
  readonly #tokens = new Map<string, TokenGrant>();
  /** Every token ever issued, so tests can search dialwindow's output for them. */
  readonly #issued: string[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  issue(clientId: string, scopes: readonly string[], ttlSeconds: number): string {
    this.#dropExpired();
    const token = randomBytes(24).toString("base64url");
    this.#issued.push(token);
    this.#tokens.set(token, {
      clientId,
      scopes: new Set(scopes),
      expiresAt: this.#now() + ttlSeconds * 1000,
    });
    return token;
  }

  /** The grant behind a live token; undefined for unknown, expired and revoked tokens alike. */
  verify(token: string): TokenGrant | undefined {
    const grant = this.#tokens.get(token);
    if (grant === undefined) return undefined;
    if (this.#now() >= grant.expiresAt) {
      this.#tokens.delete(token);
      return undefined;
    }
    return grant;
  }

  issued(): readonly string[] {
    return this.#issued;
  }

  /** Revokes every token, or only one client's. Returns how many were revoked. */
  revoke(clientId?: string): number {
    let count = 0;
    for (const [token, grant] of this.#tokens) {
      if (clientId === undefined || grant.clientId === clientId) {
        this.#tokens.delete(token);
        count++;
      }
    }
    return count;
  }

  // A daemon run against the simulator for days refreshes tokens hourly; without this the map
  // would only grow.
  #dropExpired(): void {
    const now = this.#now();
    for (const [token, grant] of this.#tokens) {
      if (now >= grant.expiresAt) this.#tokens.delete(token);
    }
  }
}
