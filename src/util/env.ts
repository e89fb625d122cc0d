/**
 * Reading connection settings and credentials from the environment. A variable that is set
 * but empty (or only whitespace) counts as unset, and is never silently replaced by a value
 * from dialwindow.yaml: in CI an unset secret arrives as "", and falling back would send the
 * credentials wherever the (possibly pull-request-edited) YAML says.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export type EnvValue = { state: "unset" } | { state: "blank" } | { state: "set"; value: string };

export function readEnv(env: Env, name: string): EnvValue {
  const raw = env[name];
  if (raw === undefined) return { state: "unset" };
  const value = raw.trim();
  return value === "" ? { state: "blank" } : { state: "set", value };
}

/**
 * What to tell a person about a variable that is set but empty: `what` it should hold, and
 * the dialwindow.yaml key used `instead` when it is removed, if there is one.
 */
export function blankEnvMessage(name: string, what: string, instead?: string): string {
  return `${name} is set but empty (as an unset CI secret is): set it to ${what}${instead ? `, or remove it from the environment to use ${instead}` : ""}.`;
}
