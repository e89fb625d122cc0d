/** Signing a payload the way GitHub does, for tests that deliver webhooks to the daemon. */
import { createHmac } from "node:crypto";

/** The `X-Hub-Signature-256` value GitHub would send for `body`. */
export function signGitHubPayload(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
