/**
 * The simulated CXone identity service: OpenID discovery, the tenant's `cxone-configuration`
 * (which API endpoint serves it) and the token endpoint with the password grant (an access key
 * id and secret as username and password, the registered application's client id and secret as
 * HTTP Basic or form fields) and the refresh-token grant.
 */
import type { IncomingHttpHeaders } from "node:http";
import { authenticateClient, oauthError } from "../oauth.js";
import { jsonReply, type Reply } from "../reply.js";
import { adminError, CXONE_CONFIGURATION_PATH } from "./routes.js";
import type { AdminSimulatorSettings } from "./settings.js";
import type { AdminGrant, AdminTokenStore } from "./tokens.js";

export interface IdentityDeps {
  tokens: AdminTokenStore;
  settings: Readonly<AdminSimulatorSettings>;
  /** Registered applications: client id -> client secret. */
  clients: ReadonlyMap<string, string>;
  /** Access keys: access key id -> access key secret. */
  accessKeys: ReadonlyMap<string, string>;
  tenantId: string;
  businessUnitId: () => number;
  urls: () => { issuer: string; tokenEndpoint: string; apiEndpoint: string };
}

export interface IdentityOutcome {
  reply: Reply;
  /** The registered application, once known. */
  clientId?: string | undefined;
}

export class IdentityApi {
  readonly #deps: IdentityDeps;

  constructor(deps: IdentityDeps) {
    this.#deps = deps;
  }

  discovery(path: string, query: URLSearchParams): Reply {
    const { tenantId } = this.#deps;
    const urls = this.#deps.urls();
    if (path !== CXONE_CONFIGURATION_PATH) {
      return jsonReply(200, {
        issuer: urls.issuer,
        authorization_endpoint: `${urls.issuer}/auth/authorize`,
        token_endpoint: urls.tokenEndpoint,
        jwks_uri: `${urls.issuer}/.well-known/jwks.json`,
        response_types_supported: ["code", "token", "id_token"],
        grant_types_supported: ["authorization_code", "password", "refresh_token", "client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        id_token_signing_alg_values_supported: ["HS256"],
        subject_types_supported: ["public"],
      });
    }
    const asked = query.getAll("tenantId");
    if (asked.length !== 1 || asked[0] === "") {
      return adminError(400, "invalid_request", "exactly one tenantId query parameter is required");
    }
    if (asked[0] !== tenantId) {
      return adminError(404, "not_found", `no tenant ${asked[0]}`);
    }
    return jsonReply(200, {
      private: false,
      area: "sim1",
      cluster: "SIM1",
      domain: "127.0.0.1",
      ui_endpoint: urls.issuer,
      auth_endpoint: urls.issuer,
      api_endpoint: urls.apiEndpoint,
      tenantId,
    });
  }

  // RFC 6749: sections 4.3 (password) and 6 (refresh), client authentication per 2.3.1.
  token(headers: IncomingHttpHeaders, body: string): IdentityOutcome {
    const client = authenticateClient(headers, body, this.#deps.clients);
    if (!client.ok) return { reply: client.reply, clientId: client.clientId };
    const { form, clientId } = client;
    const grantType = form.get("grant_type");
    if (grantType === null)
      return { reply: oauthError(400, "invalid_request", "grant_type is required"), clientId };
    let grant: AdminGrant | undefined;
    if (grantType === "password") {
      const username = form.get("username");
      const password = form.get("password");
      if (username === null || password === null) {
        return {
          reply: oauthError(400, "invalid_request", "the password grant needs username and password"),
          clientId,
        };
      }
      // An access key secret with `+` or `/` sent without form-encoding arrives changed, and fails here.
      if (this.#deps.accessKeys.get(username) !== password) {
        return {
          reply: oauthError(401, "invalid_grant", "unknown access key or wrong access key secret"),
          clientId,
        };
      }
      grant = { accessKeyId: username, clientId, expiresAt: 0 };
    } else if (grantType === "refresh_token") {
      const refreshToken = form.get("refresh_token");
      if (refreshToken === null) {
        return { reply: oauthError(400, "invalid_request", "refresh_token is required"), clientId };
      }
      grant = this.#deps.tokens.redeem(refreshToken, clientId);
      if (grant === undefined) {
        return {
          reply: oauthError(
            401,
            "invalid_grant",
            "the refresh token is unknown, expired, revoked or already used",
          ),
          clientId,
        };
      }
    } else {
      return {
        reply: oauthError(400, "unsupported_grant_type", `grant_type ${grantType} is not supported`),
        clientId,
      };
    }
    const { settings, tenantId } = this.#deps;
    const urls = this.#deps.urls();
    const issued = this.#deps.tokens.issue(
      grant.accessKeyId,
      clientId,
      { accessSeconds: settings.tokenTtlSeconds, refreshSeconds: settings.refreshTokenTtlSeconds },
      {
        issuer: urls.issuer,
        tenantId,
        businessUnitId: this.#deps.businessUnitId(),
        includeTenantId: settings.tenantIdClaim,
      },
    );
    return {
      reply: jsonReply(
        200,
        {
          access_token: issued.accessToken,
          token_type: "Bearer",
          expires_in: settings.tokenTtlSeconds,
          refresh_token: issued.refreshToken,
          id_token: issued.idToken,
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        },
        { "cache-control": "no-store", pragma: "no-cache" },
      ),
      clientId,
    };
  }
}
