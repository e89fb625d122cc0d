/**
 * GitHub webhook signatures (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`).
 * Only the signature is checked: a delivery asks the daemon to fetch now, and the fetch reads
 * the remote itself, so nothing in the payload is trusted or even parsed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The environment variable the CLI reads the secret from (passed in here, never read here). */
export const GIT_WEBHOOK_SECRET_ENV = "DIALWINDOW_GIT_WEBHOOK_SECRET";
export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";

export type SignatureCheck =
  | { ok: true }
  | {
      ok: false;
      /** missing: no header; malformed: not `sha256=` and 64 hex digits; mismatch: wrong MAC. */
      reason: "missing" | "malformed" | "mismatch";
    };

const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks `header` against the HMAC of the raw body bytes (not a re-serialised JSON: GitHub
 * signs exactly what it sent). The comparison is constant-time over the 32 MAC bytes.
 */
export function verifyGitHubSignature(
  body: Uint8Array,
  header: string | readonly string[] | undefined,
  secret: string,
): SignatureCheck {
  if (secret === "") throw new RangeError("an empty webhook secret verifies nothing");
  // A repeated header is not something GitHub sends; refuse rather than pick one.
  if (Array.isArray(header) && header.length > 1) return { ok: false, reason: "malformed" };
  const value = typeof header === "string" ? header : header?.[0];
  if (value === undefined || value.trim() === "") return { ok: false, reason: "missing" };
  const match = SIGNATURE_RE.exec(value.trim());
  if (!match) return { ok: false, reason: "malformed" };
  const given = Buffer.from(match[1] as string, "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: "mismatch" };
}
