/**
 * The registry of CXone API profiles: the one place that knows every adapter, and the only
 * module outside src/live/ may call to get a port. The profile comes from cxone.profile in
 * dialwindow.yaml; each connector reads its own settings and credentials (only from the
 * environment) and refuses, naming every problem, before anything is sent.
 */
import type { ResolvedConfig } from "../desired/config.js";
import type { Env } from "../util/env.js";
import { connectAdmin } from "./admin-connect.js";
import type { ProfileName } from "./capabilities.js";
import type { Connection, ConnectOptions } from "./connection.js";
import { connectTutorial } from "./tutorial-connect.js";

export type { Connection, ConnectOptions } from "./connection.js";

type Connector = (config: ResolvedConfig, env: Env, options: ConnectOptions) => Connection;

const CONNECTORS: Readonly<Record<ProfileName, Connector>> = {
  tutorial: connectTutorial,
  "cxone-admin": connectAdmin,
};

export function connect(config: ResolvedConfig, env: Env, options: ConnectOptions): Connection {
  return CONNECTORS[config.cxone.profile](config, env, options);
}
