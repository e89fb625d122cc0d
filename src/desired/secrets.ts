/**
 * Secrets never belong in the desired state: it is reviewed in pull requests, copied into
 * plans and CI logs, and kept forever in git history. A key that names a secret, or a value
 * shaped like one, or a URL that carries one (user:password@, ?access_token=), is an error.
 * Messages about them never repeat the value.
 */
import type { DocPath } from "./source.js";

/** Keys dialwindow itself defines that merely mention secrets without holding one. */
const ALLOWED_KEYS = new Set(["secretEnv", "tokenUrl"]);

const SECRET_KEY =
  /(secret|passw(or)?d|passphrase|api[_-]?key|access[_-]?key|private[_-]?key|credential|^token$|[_-]token$|bearer|auth(orization)?$)/i;

const SECRET_VALUE = [
  /^whsec_[A-Za-z0-9+/=]{8,}/, // Standard Webhooks signing secret
  /^Bearer\s+\S{8,}/i,
  /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^(sk|pk|rk)_(live|test)_[A-Za-z0-9]{8,}/,
  /^gh[pousr]_[A-Za-z0-9]{20,}/,
  /^xox[abpr]-[A-Za-z0-9-]{10,}/,
];

export function isSecretKey(key: string): boolean {
  return !ALLOWED_KEYS.has(key) && SECRET_KEY.test(key);
}

export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((re) => re.test(value));
}

/**
 * Query (or fragment) parameter names that carry a credential: access_token, token, api_key,
 * sig and signature (Azure SAS, S3 presigned URLs), secret, code (Azure Functions keys), key.
 */
const SECRET_QUERY_PARAM =
  /^(?:sig|key|code|auth|pass|pwd|jwt)$|token|secret|signature|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key|credential/i;

export function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY_PARAM.test(name);
}

/**
 * What in a URL is a credential, described without its value ("a user name and password
 * before the host", "the query parameter `access_token`"), or undefined for a clean URL or a
 * string that is not a URL.
 */
export function urlCredential(value: string): string | undefined {
  if (!value.includes("://")) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // Not parseable as a whole, but a user:password@ authority is still plain to see.
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(value.trim())
      ? "a user name or password before the host"
      : undefined;
  }
  if (url.password !== "") return "a user name and password before the host (user:password@)";
  if (url.username !== "") return "a user name before the host (user@), which is how tokens are often passed";
  for (const params of [url.searchParams, new URLSearchParams(url.hash.slice(1))]) {
    for (const name of params.keys()) {
      if (isSecretQueryParam(name))
        return `the ${params === url.searchParams ? "query" : "fragment"} parameter \`${name}\``;
    }
  }
  return undefined;
}

export interface SecretHit {
  path: DocPath;
  /** "key": the key names a secret; "value": the value looks like one; "url": a URL carries one. */
  kind: "key" | "value" | "url";
  key: string;
  /** For "url": which part of the URL (never its value). */
  part?: string;
}

/** Every place in a plain JS value (from YAML) that holds or names a secret. */
export function findSecrets(value: unknown, path: (string | number)[] = []): SecretHit[] {
  const hits: SecretHit[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      hits.push(...findSecrets(item, [...path, i]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (isSecretKey(key)) hits.push({ path: [...path, key], kind: "key", key });
      else hits.push(...findSecrets(child, [...path, key]));
    }
  } else if (typeof value === "string") {
    const key = String(path[path.length - 1] ?? "");
    if (looksLikeSecretValue(value)) hits.push({ path, kind: "value", key });
    else {
      const part = urlCredential(value);
      if (part !== undefined) hits.push({ path, kind: "url", key, part });
    }
  }
  return hits;
}

/** What a DW150 finding says about a hit: what to do, never the value. */
export function secretMessage(hit: SecretHit): string {
  switch (hit.kind) {
    case "key":
      return `\`${hit.key}\` looks like a secret, and secrets never go in desired-state YAML (it is reviewed, printed in plans and kept in git history). Remove it and provide the secret through the environment: CXONE_CLIENT_SECRET for CXone, and webhooks[].secretEnv naming the variable for webhook signing secrets.`;
    case "url":
      return `the URL in \`${hit.key}\` carries a credential in ${hit.part} (not shown), and secrets never go in desired-state YAML. Remove it from the URL and rotate it (it may already be in git history). Webhooks are authenticated by their signature (webhooks[].secretEnv), CXone by CXONE_CLIENT_ID / CXONE_CLIENT_SECRET; a CXone URL that must carry a credential belongs in CXONE_API_URL / CXONE_TOKEN_URL in the environment.`;
    case "value":
      return `the value of \`${hit.key}\` looks like a secret (not shown), and secrets never go in desired-state YAML. Remove it, rotate it (it may already be in git history), and provide it through the environment instead.`;
  }
}
