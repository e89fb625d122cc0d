/**
 * Secrets never belong in the desired state: it is reviewed in pull requests, copied into
 * plans and CI logs, and kept forever in git history. A key that names a secret, or a value
 * shaped like one, is an error. Messages about them never repeat the value.
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

export interface SecretHit {
  path: DocPath;
  /** "key": the key names a secret; "value": the value looks like one. */
  kind: "key" | "value";
  key: string;
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
  } else if (typeof value === "string" && looksLikeSecretValue(value)) {
    hits.push({ path, kind: "value", key: String(path[path.length - 1] ?? "") });
  }
  return hits;
}
