/**
 * The tutorial profile's connection: URLs from dialwindow.yaml (CXONE_API_URL /
 * CXONE_TOKEN_URL override them), credentials only from the environment. A variable set but
 * empty is an error, never a reason to fall back to the YAML.
 */
import type { ResolvedConfig } from "../desired/config.js";
import { httpUrlProblem } from "../desired/config-checks.js";
import { blankEnvMessage, type Env, readEnv } from "../util/env.js";
import { UsageError } from "../util/errors.js";
import { type Connection, type ConnectOptions, transportSettings } from "./connection.js";
import { redactUrl } from "./http.js";
import { createTutorialClient } from "./tutorial-client.js";

export function connectTutorial(config: ResolvedConfig, env: Env, options: ConnectOptions): Connection {
  const c = config.cxone;
  // Every problem at once, each naming the variable or key to fix; nothing is sent before.
  const problems: string[] = [];
  const url = (variable: string, key: string, value: string | undefined): string | undefined => {
    const read = readEnv(env, variable);
    if (read.state === "blank") {
      problems.push(
        blankEnvMessage(
          variable,
          `the ${key === "cxone.apiUrl" ? "API base" : "token endpoint"} URL`,
          `${key} from dialwindow.yaml`,
        ),
      );
      return undefined;
    }
    if (value === undefined) {
      problems.push(
        `no ${key === "cxone.apiUrl" ? "API" : "token"} URL: set ${key} in dialwindow.yaml or ${variable} in the environment.`,
      );
      return undefined;
    }
    const bad = httpUrlProblem(read.state === "set" ? variable : key, value);
    if (bad) problems.push(bad);
    return bad ? undefined : value;
  };
  const apiUrl = url("CXONE_API_URL", "cxone.apiUrl", c.apiUrl);
  const tokenUrl = url("CXONE_TOKEN_URL", "cxone.tokenUrl", c.tokenUrl);
  const credential = (variable: string, what: string, trim: boolean): string | undefined => {
    const read = readEnv(env, variable);
    // A secret is sent exactly as given; only its blankness is judged trimmed.
    if (read.state === "set") return trim ? read.value : env[variable];
    problems.push(
      read.state === "blank" ? blankEnvMessage(variable, what) : `${variable} is not set: set it to ${what}.`,
    );
    return undefined;
  };
  const clientId = credential("CXONE_CLIENT_ID", "the client id of your CXone API application", true);
  const clientSecret = credential(
    "CXONE_CLIENT_SECRET",
    "the client secret of your CXone API application",
    false,
  );
  if (problems.length > 0 || !apiUrl || !tokenUrl || !clientId || !clientSecret) {
    throw new UsageError(
      `cannot connect to CXone; nothing was sent:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  const client = createTutorialClient({
    apiUrl,
    tokenUrl,
    clientId,
    clientSecret,
    scope: c.scope,
    ...transportSettings(c, options),
  });
  // The target is printed (plan, apply): never with credentials an env URL may carry.
  return { port: client, endpoint: redactUrl(apiUrl), close: () => client.close() };
}
