/**
 * Helpers for the cxone-admin simulator's tests: a simulator on port 0 per test, and a tiny
 * fetch-based client that sends exactly what a test says (no retries, no token caching, no
 * discovery unless asked), so every status the simulator can answer is observable.
 */
import {
  type AdminSimulator,
  type AdminSimulatorOptions,
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type ScheduleSettings,
  type SkillSeed,
  startAdminSimulator,
} from "../../src/simulator/index.js";
import { type Answer, answer } from "./helpers.js";

export const PC_QUERY = "?mediaTypeId=4&outboundStrategy=Personal%20Connection";

/** All 22 fields: weekdays 09:00-17:00 active, weekend off. */
export function settings(overrides: Partial<ScheduleSettings> = {}): ScheduleSettings {
  const day = (name: string, active: boolean) => ({
    [`${name}StartTime`]: "09:00",
    [`${name}EndTime`]: "17:00",
    [`${name}IsActive`]: active,
  });
  return {
    isScheduled: true,
    ...day("sunday", false),
    ...day("monday", true),
    ...day("tuesday", true),
    ...day("wednesday", true),
    ...day("thursday", true),
    ...day("friday", true),
    ...day("saturday", false),
    ...overrides,
  } as ScheduleSettings;
}

/** A Personal Connection skill with `settings()`. */
export function pcSkill(skillId: number, overrides: Partial<SkillSeed> = {}): SkillSeed {
  return { skillId, skillName: `PC skill ${skillId}`, scheduleSettings: settings(), ...overrides };
}

/** Skills that are not PC: an inbound phone skill, an email skill, an outbound skill of another strategy. */
export function otherSkills(firstId: number): SkillSeed[] {
  return [
    { skillId: firstId, skillName: "Inbound support", isOutbound: false, outboundStrategy: null },
    { skillId: firstId + 1, skillName: "Email", mediaTypeId: 1, isOutbound: false, outboundStrategy: null },
    { skillId: firstId + 2, skillName: "Manual outbound", outboundStrategy: "Manual" },
  ];
}

export function basic(clientId = DEMO_CLIENT_ID, secret = DEMO_CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`;
}

export interface AdminCallInit {
  token?: string | undefined;
  headers?: Record<string, string>;
  body?: string;
  /** Default 30.0. */
  version?: string;
}

export class AdminTestClient {
  readonly #sim: AdminSimulator;

  constructor(sim: AdminSimulator) {
    this.#sim = sim;
  }

  /** POSTs a form body (given as text exactly, or as fields to form-encode) to the token endpoint. */
  async tokenRequest(
    form: Record<string, string> | string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return answer(
      await fetch(this.#sim.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: typeof form === "string" ? form : new URLSearchParams(form).toString(),
      }),
    );
  }

  /** The whole token answer of a password grant with the demo credentials. */
  async grant(): Promise<{
    access_token: string;
    refresh_token: string;
    expires_in: number;
    id_token: string;
  }> {
    const reply = await this.tokenRequest(
      { grant_type: "password", username: DEMO_ACCESS_KEY_ID, password: DEMO_ACCESS_KEY_SECRET },
      { authorization: basic() },
    );
    if (reply.status !== 200) throw new Error(`token request answered ${reply.status}: ${reply.text}`);
    return reply.json as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
      id_token: string;
    };
  }

  async token(): Promise<string> {
    return (await this.grant()).access_token;
  }

  /** Any request below the API base, e.g. `call("GET", "/skills/7/parameters/schedule-settings", {token})`. */
  async call(method: string, path: string, init: AdminCallInit = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: "application/json", ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    return this.fetch(`${this.#sim.apiBaseUrl(init.version)}${path}`, method, headers, init.body);
  }

  async fetch(
    url: string,
    method = "GET",
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Answer> {
    return answer(await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) }));
  }

  getSchedule(skillId: number | string, token: string): Promise<Answer> {
    return this.call("GET", `/skills/${skillId}/parameters/schedule-settings`, { token });
  }

  /** A PUT of `{"scheduleSettings": value}`, or of `body` exactly when it is a string. */
  putSchedule(skillId: number | string, value: unknown, token: string): Promise<Answer> {
    return this.call("PUT", `/skills/${skillId}/parameters/schedule-settings`, {
      token,
      headers: { "content-type": "application/json" },
      body: typeof value === "string" ? value : JSON.stringify({ scheduleSettings: value }),
    });
  }

  list(query: string, token: string): Promise<Answer> {
    return this.call("GET", `/skills${query}`, { token });
  }
}

/** Runs `fn` against a fresh cxone-admin simulator and always closes it. */
export async function withAdminSimulator(
  options: AdminSimulatorOptions,
  fn: (sim: AdminSimulator, client: AdminTestClient) => Promise<void>,
): Promise<void> {
  const sim = await startAdminSimulator(options);
  try {
    await fn(sim, new AdminTestClient(sim));
  } finally {
    await sim.close();
  }
}

/** The payload of a JWT, decoded without checking its signature (as a client reads `tenantId`). */
export function jwtPayload(token: string): Record<string, unknown> {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}
