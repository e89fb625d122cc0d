/**
 * Tokens as the simulated CXone identity service hands them out for the password grant: the
 * access token and the id token are JWTs (HS256 with a key that lives and dies with the
 * simulator) whose payload carries `tenantId`, as the real ones do; the refresh token is opaque
 * and is rotated on use (the old one stops working). Every token is also remembered, so it can be
 * revoked and expiry is judged on the injected clock rather than the JWT's own `exp`.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";

export interface AdminGrant {
  /** The access key id the token was issued for (the password grant's `username`). */
  accessKeyId: string;
  /** The registered application that asked for it. */
  clientId: string;
  /** Epoch milliseconds on the simulator's clock. */
  expiresAt: number;
}

export interface IssuedTokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
}

export interface TokenClaims {
  issuer: string;
  tenantId: string;
  businessUnitId: number;
  /** False leaves `tenantId` out of both JWTs (a fault a client must report, not guess around). */
  includeTenantId: boolean;
}

export class AdminTokenStore {
  readonly #access = new Map<string, AdminGrant>();
  readonly #refresh = new Map<string, AdminGrant>();
  readonly #issued: string[] = [];
  readonly #key = randomBytes(32);
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  issue(
    accessKeyId: string,
    clientId: string,
    ttls: { accessSeconds: number; refreshSeconds: number },
    claims: TokenClaims,
  ): IssuedTokens {
    this.#dropExpired();
    const now = this.#now();
    const expiresAt = now + ttls.accessSeconds * 1000;
    const payload = {
      iss: claims.issuer,
      // What CXone puts in `sub` is a user; the access key stands in for one here.
      sub: `user:${createHmac("sha256", this.#key).update(accessKeyId).digest("hex").slice(0, 32)}`,
      ...(claims.includeTenantId ? { tenantId: claims.tenantId } : {}),
      icBUId: claims.businessUnitId,
      icClusterId: "SIM1",
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
      jti: randomUUID(),
    };
    const accessToken = this.#sign(payload);
    const idToken = this.#sign({ ...payload, aud: clientId, jti: randomUUID() });
    const refreshToken = randomBytes(24).toString("base64url");
    this.#access.set(accessToken, { accessKeyId, clientId, expiresAt });
    this.#refresh.set(refreshToken, { accessKeyId, clientId, expiresAt: now + ttls.refreshSeconds * 1000 });
    this.#issued.push(accessToken, idToken, refreshToken);
    return { accessToken, idToken, refreshToken };
  }

  /** The grant behind a live access token; undefined for unknown, expired and revoked ones alike. */
  verify(accessToken: string): AdminGrant | undefined {
    return this.#live(this.#access, accessToken);
  }

  /**
   * Spends a refresh token: the grant it stood for when it is live and was issued to `clientId`,
   * else undefined. Either way it cannot be used again.
   */
  redeem(refreshToken: string, clientId: string): AdminGrant | undefined {
    const grant = this.#live(this.#refresh, refreshToken);
    this.#refresh.delete(refreshToken);
    return grant?.clientId === clientId ? grant : undefined;
  }

  /** Every token, id token and refresh token handed out (for tests that prove none leaks). */
  issued(): readonly string[] {
    return this.#issued;
  }

  /** Revokes every access and refresh token, or only one access key's. Returns how many access tokens. */
  revoke(accessKeyId?: string): number {
    let count = 0;
    for (const [map, counted] of [
      [this.#access, true],
      [this.#refresh, false],
    ] as const) {
      for (const [token, grant] of map) {
        if (accessKeyId === undefined || grant.accessKeyId === accessKeyId) {
          map.delete(token);
          if (counted) count++;
        }
      }
    }
    return count;
  }

  #live(map: Map<string, AdminGrant>, token: string): AdminGrant | undefined {
    const grant = map.get(token);
    if (grant === undefined) return undefined;
    if (this.#now() >= grant.expiresAt) {
      map.delete(token);
      return undefined;
    }
    return grant;
  }

  #sign(payload: Record<string, unknown>): string {
    const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = base64url(JSON.stringify(payload));
    const signature = createHmac("sha256", this.#key).update(`${header}.${body}`).digest("base64url");
    return `${header}.${body}.${signature}`;
  }

  // A daemon run against the simulator for days gets a token hourly; without this the maps grow.
  #dropExpired(): void {
    const now = this.#now();
    for (const map of [this.#access, this.#refresh]) {
      for (const [token, grant] of map) if (now >= grant.expiresAt) map.delete(token);
    }
  }
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
