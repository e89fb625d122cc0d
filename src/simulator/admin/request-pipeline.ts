/**
 * One request through the cxone-admin simulator: routed, logged (secrets left out), admitted
 * (body limit, latency, injected faults), answered by the identity endpoints or the Admin API,
 * with an injected hand edit made before or after, then sent or broken off as a fault says.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestUrl } from "../../util/http-listener.js";
import type { Logger } from "../../util/log.js";
import { admit, breakJson, describeBody, isBreak, statusReply } from "../fault-steps.js";
import { breakConnection, type LoopbackServer, writeReply } from "../loopback-server.js";
import type { Reply } from "../reply.js";
import type { RequestLog } from "../request-log.js";
import type { AdminApi } from "./admin-api.js";
import type { AdminFault, AdminFaultQueue, AdminLoggedKind } from "./faults.js";
import type { IdentityApi } from "./identity-api.js";
import { type AdminRoute, adminError, routeAdmin } from "./routes.js";
import type { AdminSimulatorSettings } from "./settings.js";
import type { AdminRequestLogEntry, AdminSimulator } from "./simulator-contract.js";

/** What a request reaches: the running simulator's parts, shared with its control surface. */
export interface AdminServeDeps {
  log: RequestLog<AdminLoggedKind, AdminRequestLogEntry>;
  now: () => number;
  /** Read per request: `configure` changes it in place. */
  settings: Readonly<AdminSimulatorSettings>;
  server: Pick<LoopbackServer, "origin" | "closing">;
  faults: AdminFaultQueue;
  identity: IdentityApi;
  api: AdminApi;
  logger: Logger;
  /** Where an injected "edit" fault changes a skill, as a person in the CXone UI would. */
  skills: Pick<AdminSimulator, "scheduleSettings" | "editScheduleSettings" | "editTimeZoneSettings">;
}

export async function serveAdminRequest(
  deps: AdminServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = requestUrl(req);
  const method = req.method ?? "GET";
  // A target that is not a path (`//[`) is the client's mistake: a 400, never a crash or a 500.
  const routed: AdminRoute =
    url === undefined
      ? {
          kind: "other",
          skillId: undefined,
          apiVersion: undefined,
          refusal: adminError(400, "BadRequest", "the request target is not a valid path"),
        }
      : routeAdmin(method, url.pathname);
  const query = url?.searchParams ?? new URLSearchParams();
  const entry = deps.log.begin({
    at: deps.now(),
    method,
    path: url?.pathname ?? req.url ?? "",
    query: Object.fromEntries(query),
    kind: routed.kind,
    ifMatch: req.headers["if-match"],
    skillId: routed.skillId,
    apiVersion: routed.apiVersion,
    accept: req.headers.accept,
    accessKeyId: undefined,
  });
  const admitted = await admit(req, {
    entry,
    refusal: routed.refusal,
    tooLarge: adminError(413, "PayloadTooLarge", "the body exceeds 1 MiB"),
    // Secrets never reach the log: the token request's password, client secret and refresh token.
    describeBody: (body) =>
      describeBody(body, routed.kind === "token", ["password", "client_secret", "refresh_token"]),
    latencyMs: deps.settings.latencyMs,
    closing: deps.server.closing,
    // Only asked once the route is known to be served (no refusal).
    takeFault: () =>
      routed.refusal === undefined
        ? deps.faults.take({ kind: routed.kind, skillId: routed.skillId })
        : undefined,
    describeFault,
    statusReply: (f) => statusReply(f, { error: "InjectedFault", error_description: `injected ${f.status}` }),
    send: (reply) => send(deps, res, entry, reply),
  });
  // (A refused route was answered by admit; the second test only tells the compiler so.)
  if (admitted === undefined || routed.refusal !== undefined) return;
  const { body, fault } = admitted;
  if (fault?.type === "edit" && fault.after !== true) handEdit(deps, fault, routed.skillId, entry);
  let reply: Reply;
  if (routed.kind === "discovery") {
    reply = deps.identity.discovery(url?.pathname ?? "", query);
  } else if (routed.kind === "token") {
    const outcome = deps.identity.token(req.headers, body);
    entry.clientId = outcome.clientId;
    reply = outcome.reply;
  } else {
    const outcome = deps.api.handle({
      kind: routed.kind,
      skillId: routed.skillId,
      headers: req.headers,
      url: new URL(`${deps.server.origin}${url?.pathname ?? ""}${url?.search ?? ""}`),
      body,
      ignoreWrite: fault?.type === "ignore-write",
    });
    entry.clientId = outcome.clientId;
    entry.accessKeyId = outcome.accessKeyId;
    if (outcome.fault !== undefined) entry.fault = outcome.fault;
    reply = outcome.reply;
  }
  if (fault?.type === "edit" && fault.after === true) handEdit(deps, fault, routed.skillId, entry);
  if (isBreak(fault)) {
    breakConnection(req, fault.type);
    return;
  }
  if (fault?.type === "malformed-json") reply = breakJson(reply);
  send(deps, res, entry, reply);
}

// Saturday toggled unless the rule says what to change: a change every normalisation keeps.
function handEdit(
  deps: AdminServeDeps,
  fault: Extract<AdminFault, { type: "edit" }>,
  skillId: number | undefined,
  entry: AdminRequestLogEntry,
) {
  const current = skillId === undefined ? undefined : deps.skills.scheduleSettings(skillId);
  if (current === undefined || skillId === undefined) {
    entry.fault = "edit skipped: no such Personal Connection skill";
    return;
  }
  if (fault.timeZones !== undefined) deps.skills.editTimeZoneSettings(skillId, fault.timeZones);
  if (fault.settings !== undefined || fault.timeZones === undefined)
    deps.skills.editScheduleSettings(
      skillId,
      fault.settings ?? { saturdayIsActive: !current.saturdayIsActive },
    );
}

function send(deps: AdminServeDeps, res: ServerResponse, entry: AdminRequestLogEntry, reply: Reply): void {
  entry.status = reply.status;
  deps.logger.debug(
    {
      method: entry.method,
      path: entry.path,
      kind: entry.kind,
      status: reply.status,
      skillId: entry.skillId,
    },
    "simulator request",
  );
  writeReply(res, reply);
}

function describeFault(fault: AdminFault): string {
  if (fault.type === "status") return `status ${fault.status}`;
  if (fault.type === "edit") return fault.after === true ? "edit after" : "edit before";
  return fault.type;
}
