/**
 * Test helpers: a simulator on port 0 per test, a settable clock, and a tiny fetch-based
 * client that sends exactly what a test says (no retries, no token caching) so every status
 * the simulator can answer is observable.
 */
import type { WireSchedule } from "../../src/desired/wire.js";
import {
  type CampaignSeed,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "../../src/simulator/index.js";

export const BOTH_SCOPES = "outbound:campaign:read outbound:campaign:write";

export function schedule(overrides: Partial<WireSchedule> = {}): WireSchedule {
  return {
    timezone: "America/Chicago",
    dialingHours: [
      { day: "MON", startTime: "08:00", endTime: "16:00" },
      { day: "TUE", startTime: "08:00", endTime: "16:00" },
    ],
    pauseConditions: ["NO_ANSWER", "BUSY"],
    ...overrides,
  };
}

export function campaign(id: string, overrides: Partial<CampaignSeed> = {}): CampaignSeed {
  return { id, name: `Campaign ${id}`, schedule: schedule(), ...overrides };
}

/** A clock tests move by hand. */
export class ManualClock {
  ms = Date.UTC(2026, 0, 5, 12, 0, 0);
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface CallInit {
  token?: string | undefined;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export class TestClient {
  readonly #sim: Simulator;

  constructor(sim: Simulator) {
    this.#sim = sim;
  }

  /** POSTs a form to the token endpoint and returns the raw answer. */
  async tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(this.#sim.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return answer(response);
  }

  /** A fresh access token for the demo client (or the given one). */
  async token(
    scope = BOTH_SCOPES,
    clientId = DEMO_CLIENT_ID,
    clientSecret = DEMO_CLIENT_SECRET,
  ): Promise<string> {
    const reply = await this.tokenRequest({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope,
    });
    if (reply.status !== 200) throw new Error(`token request answered ${reply.status}: ${reply.text}`);
    return (reply.json as { access_token: string }).access_token;
  }

  /** Any request below the API base, e.g. `call("GET", "/outbound/campaigns/1", {token})`. */
  async call(method: string, path: string, init: CallInit = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    const response = await fetch(`${this.#sim.apiUrl}${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
    return answer(response);
  }

  get(id: string, token: string, init: Omit<CallInit, "token"> = {}): Promise<Answer> {
    return this.call("GET", `/outbound/campaigns/${encodeURIComponent(id)}`, { ...init, token });
  }

  /** A PATCH with the exact tutorial body around `value` (or `body` as given when a string). */
  patch(
    id: string,
    value: unknown,
    ifMatch: string | undefined,
    token: string,
    init: Omit<CallInit, "token" | "body"> = {},
  ): Promise<Answer> {
    return this.call("PATCH", `/outbound/campaigns/${encodeURIComponent(id)}`, {
      ...init,
      token,
      headers: {
        "content-type": "application/json",
        ...(ifMatch === undefined ? {} : { "if-match": ifMatch }),
        ...init.headers,
      },
      body: typeof value === "string" ? value : JSON.stringify({ schedule: value }),
    });
  }

  list(token: string, query: string): Promise<Answer> {
    return this.call("GET", `/outbound/campaigns${query}`, { token });
  }
}

/** A response read whole: its body as text and, when it parses, as JSON. */
export async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Runs `fn` against a fresh simulator and always closes it. */
export async function withSimulator(
  options: SimulatorOptions,
  fn: (sim: Simulator, client: TestClient) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator(options);
  try {
    await fn(sim, new TestClient(sim));
  } finally {
    await sim.close();
  }
}

/**
 * Yields to the event loop until `condition` holds. The deadline only keeps a broken test from
 * hanging the suite; nothing is asserted about how long it took.
 */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A `dialwindow simulator` runner started in the foreground, once it has printed its banner. */
export interface Foreground {
  output(): string;
  /** The `export NAME=value` lines it printed. */
  env: Record<string, string>;
  /** Ctrl+C: aborts it and waits for it to finish. */
  stop(): Promise<void>;
}

export async function startForeground(
  run: (io: { stdout: { write: (text: string) => void }; signal: AbortSignal }) => Promise<unknown>,
): Promise<Foreground> {
  let output = "";
  const stop = new AbortController();
  let printed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    printed = resolve;
  });
  const running = run({
    stdout: {
      write: (text: string) => {
        output += text;
        printed();
      },
    },
    signal: stop.signal,
  });
  await ready;
  const env = Object.fromEntries(
    [...output.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
  );
  return {
    output: () => output,
    env,
    async stop() {
      stop.abort();
      await running;
    },
  };
}
