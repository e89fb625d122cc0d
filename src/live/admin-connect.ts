/**
 * The cxone-admin profile's connection: cxone.issuer (env CXONE_ISSUER overrides), the API
 * version and the schedule zone from dialwindow.yaml; the access key, the registered
 * application and the optional tenant id only from the environment. A variable set but empty
 * is an error. Every problem is named at once, before anything is sent.
 */
import type { ResolvedConfig } from "../desired/config.js";
import { httpUrlProblem } from "../desired/config-checks.js";
import { blankEnvMessage, type Env, readEnv } from "../util/env.js";
import { UsageError } from "../util/errors.js";
import { createAdminClient } from "./admin-client.js";
import { type Connection, type ConnectOptions, transportSettings } from "./connection.js";
import { redactUrl } from "./http.js";

export function connectAdmin(config: ResolvedConfig, env: Env, options: ConnectOptions): Connection {
  const c = config.cxone;
  const problems: string[] = [];
  const issuerEnv = readEnv(env, "CXONE_ISSUER");
  let issuer = c.issuer;
  if (issuerEnv.state === "blank") {
    problems.push(
      blankEnvMessage("CXONE_ISSUER", "the CXone issuer URL", "cxone.issuer from dialwindow.yaml"),
    );
    issuer = undefined;
  } else if (issuer !== undefined) {
    const bad = httpUrlProblem(issuerEnv.state === "set" ? "CXONE_ISSUER" : "cxone.issuer", issuer);
    if (bad) {
      problems.push(bad);
      issuer = undefined;
    }
  }
  const secret = (variable: string, what: string, trim: boolean): string | undefined => {
    const read = readEnv(env, variable);
    // A secret is sent exactly as given; only its blankness is judged trimmed.
    if (read.state === "set") return trim ? read.value : env[variable];
    problems.push(
      read.state === "blank" ? blankEnvMessage(variable, what) : `${variable} is not set: set it to ${what}.`,
    );
    return undefined;
  };
  const accessKeyId = secret(
    "CXONE_ACCESS_KEY_ID",
    "the access key id of your CXone user (Admin > Employees > Access Keys)",
    true,
  );
  const accessKeySecret = secret("CXONE_ACCESS_KEY_SECRET", "that access key's secret", false);
  const clientId = secret("CXONE_CLIENT_ID", "the client id of your registered CXone application", true);
  const clientSecret = secret(
    "CXONE_CLIENT_SECRET",
    "the client secret of your registered CXone application",
    false,
  );
  const tenant = readEnv(env, "CXONE_TENANT_ID");
  if (tenant.state === "blank") {
    problems.push(
      blankEnvMessage("CXONE_TENANT_ID", "your tenant id", "the tenant named in the access token"),
    );
  }
  if (problems.length > 0 || !issuer || !accessKeyId || !accessKeySecret || !clientId || !clientSecret) {
    throw new UsageError(
      `cannot connect to CXone; nothing was sent:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  const client = createAdminClient({
    issuer,
    apiVersion: c.apiVersion,
    credentials: { accessKeyId, accessKeySecret, clientId, clientSecret },
    tenantId: tenant.state === "set" ? tenant.value : undefined,
    scheduleTimezone: c.scheduleTimezone,
    ...transportSettings(c, options),
  });
  return { port: client, endpoint: redactUrl(issuer), close: () => client.close() };
}
