/**
 * Webhook targets as configured (`webhooks:` in dialwindow.yaml), joined with their signing
 * secrets from the environment. The secret is a Standard Webhooks `whsec_<base64>` value and only
 * ever comes from the variable named by `secretEnv`; it is held inside the signer's closure, not
 * on any property, so logging a target cannot print it.
 */
import { Webhook } from "standardwebhooks";
import type { WebhookTarget } from "../desired/config.js";
import { webhookProblems } from "../desired/config-checks.js";
import { blankEnvMessage, readEnv } from "../util/env.js";
import { DialwindowError, UsageError } from "../util/errors.js";

/** A configured target with its signing secret. */
export interface SigningTarget extends Readonly<WebhookTarget> {
  /** The `webhook-signature` header value (`v1,<base64>`) for this id, instant and body. */
  sign(webhookId: string, at: Date, body: string): string;
  /** Replaces any copy of the secret in `text` (e.g. echoed back in a response) before it is kept. */
  scrub(text: string): string;
}

export class WebhookSecretError extends DialwindowError {
  readonly variable: string;

  constructor(
    code: "DW_WEBHOOK_SECRET_MISSING" | "DW_WEBHOOK_SECRET_INVALID",
    variable: string,
    message: string,
  ) {
    super(code, message);
    this.variable = variable;
  }
}

/**
 * Resolves every target's secret from `env` (passed in, never read here). Throws
 * WebhookSecretError naming the variable (never its value) when one is unset, empty or not a
 * Standard Webhooks secret, and UsageError for duplicate names or a URL that is not http(s).
 */
export function loadWebhookTargets(
  configs: readonly WebhookTarget[],
  env: Readonly<Record<string, string | undefined>>,
): SigningTarget[] {
  // The same checks validate reports as findings (DW130, DW172), so a valid repository never fails here.
  const problem = webhookProblems(configs)[0];
  if (problem) throw new UsageError(`dialwindow.yaml: ${problem.message}`);
  return configs.map((config) => createTarget(config, secretFrom(config, env)));
}

function secretFrom(config: WebhookTarget, env: Readonly<Record<string, string | undefined>>): string {
  const read = readEnv(env, config.secretEnv);
  if (read.state === "set") return read.value;
  const what = "the target's signing secret (whsec_ followed by base64)";
  throw new WebhookSecretError(
    "DW_WEBHOOK_SECRET_MISSING",
    config.secretEnv,
    `webhook target "${config.name}": ${
      read.state === "unset"
        ? `environment variable ${config.secretEnv} is not set; set it to ${what}`
        : `environment variable ${blankEnvMessage(config.secretEnv, what)}`
    }`,
  );
}

function createTarget(config: WebhookTarget, secret: string): SigningTarget {
  let webhook: Webhook;
  const base64Part = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64Part)) throw new Error("not base64");
    webhook = new Webhook(secret);
  } catch {
    // The library's message is dropped on purpose: the value must never reach an error text.
    throw new WebhookSecretError(
      "DW_WEBHOOK_SECRET_INVALID",
      config.secretEnv,
      `webhook target "${config.name}": environment variable ${config.secretEnv} is not a Standard Webhooks ` +
        "secret (expected whsec_ followed by base64, e.g. from `openssl rand -base64 32`)",
    );
  }
  const secrets = [secret, base64Part].filter((s) => s.length >= 8);
  return {
    name: config.name,
    url: config.url,
    secretEnv: config.secretEnv,
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    ...(config.maxAttempts === undefined ? {} : { maxAttempts: config.maxAttempts }),
    sign: (webhookId, at, body) => webhook.sign(webhookId, at, body),
    scrub: (text) => secrets.reduce((out, s) => out.split(s).join("[redacted]"), text),
  };
}
