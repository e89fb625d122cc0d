/**
 * The simulator's `GET /skills`: the documented filters, strictly checked (an unknown or repeated
 * parameter is a 400), then skip/top paging with `_links`, and the `fields` projection the other
 * reads share.
 */
import { jsonReply, type Reply } from "../reply.js";
import { type AdminApiDeps, NO_BODY } from "./admin-request.js";
import { adminError } from "./routes.js";
import { mediaTypeName, type SkillStore } from "./skill-store.js";

/** Query parameters `GET /skills` documents; anything else is a 400. */
const LIST_PARAMETERS = new Set([
  "mediaTypeId",
  "outboundStrategy",
  "isActive",
  "searchString",
  "fields",
  "skip",
  "top",
  "orderBy",
  "updatedSince",
]);

// GET /skills: filters, then skip/top paging with `_links`; `mediaTypeId` is required (the
// Swagger calls it a "required filter parameter"), and a page holds at most `maxPageSize`.
export function listSkills(deps: AdminApiDeps, url: URL): Reply {
  const query = url.searchParams;
  const problems: string[] = [];
  for (const key of new Set(query.keys())) {
    if (!LIST_PARAMETERS.has(key)) problems.push(`${key} is not a parameter of GET /skills`);
    else if (query.getAll(key).length > 1) problems.push(`${key} is given more than once`);
  }
  const mediaTypeId = integerParameter(query, "mediaTypeId", problems, 1);
  if (query.get("mediaTypeId") === null) problems.push("mediaTypeId is required");
  const isActive = booleanParameter(query, "isActive", problems);
  const skip = integerParameter(query, "skip", problems, 0) ?? 0;
  const top = integerParameter(query, "top", problems, 1);
  const order = orderParameter(query.get("orderBy"), problems);
  const updatedSince = query.get("updatedSince");
  if (updatedSince !== null && Number.isNaN(Date.parse(updatedSince))) {
    problems.push(`updatedSince ${JSON.stringify(updatedSince)} is not an ISO 8601 time`);
  }
  if (problems.length > 0) return adminError(400, "InvalidParameter", problems.join("; "));

  const strategy = query.get("outboundStrategy");
  const search = query.get("searchString")?.toLowerCase();
  const matching = deps.store
    .all()
    .filter(
      (skill) =>
        skill.mediaTypeId === mediaTypeId &&
        (strategy === null || skill.outboundStrategy === strategy) &&
        (isActive === undefined || skill.isActive === isActive) &&
        (search === undefined || skill.skillName.toLowerCase().includes(search)),
    );
  if (order !== undefined) matching.sort(order);
  const pageSize = Math.min(top ?? deps.settings.maxPageSize, deps.settings.maxPageSize);
  const page = matching.slice(skip, skip + pageSize);
  if (page.length === 0 && deps.settings.emptyPageStatus === 204) {
    return { status: 204, headers: {}, body: NO_BODY };
  }
  const link = (at: number) => {
    const next = new URL(url);
    next.searchParams.set("skip", String(at));
    next.searchParams.set("top", String(pageSize));
    return next.toString();
  };
  const fields = fieldsParameter(query);
  return jsonReply(200, {
    _links: {
      self: url.toString(),
      next: skip + pageSize < matching.length ? link(skip + pageSize) : null,
      previous: skip > 0 ? link(Math.max(0, skip - pageSize)) : null,
    },
    businessUnitId: deps.businessUnit().businessUnitId,
    lastPollTime: new Date(deps.now()).toISOString(),
    totalRecords: matching.length,
    skills: page.map((skill) => project(listItem(skill), fields)),
  });
}

function listItem(skill: ReturnType<SkillStore["all"]>[number]): Record<string, unknown> {
  return {
    skillId: skill.skillId,
    skillName: skill.skillName,
    mediaTypeId: skill.mediaTypeId,
    mediaTypeName: mediaTypeName(skill.mediaTypeId),
    isActive: skill.isActive,
    campaignId: skill.campaignId,
    campaignName: skill.campaignName,
    notes: "",
    isOutbound: skill.isOutbound,
    outboundStrategy: skill.outboundStrategy,
    isRunning: false,
    priorityBlending: false,
    callerIdOverride: null,
    scriptId: 0,
    scriptName: "",
    agentless: false,
    initialPriority: 0,
    acceleration: 1,
    maxPriority: 1000,
    serviceLevelThreshold: 30,
    serviceLevelGoal: 80,
  };
}

function integerParameter(
  query: URLSearchParams,
  name: string,
  problems: string[],
  min: number,
): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    problems.push(`${name} ${JSON.stringify(value)} is not an integer of at least ${min}`);
    return undefined;
  }
  return Number(value);
}

function booleanParameter(query: URLSearchParams, name: string, problems: string[]): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value !== "true" && value !== "false") {
    problems.push(`${name} ${JSON.stringify(value)} is not true or false`);
    return undefined;
  }
  return value === "true";
}

type Listed = ReturnType<SkillStore["all"]>[number];

function orderParameter(
  value: string | null,
  problems: string[],
): ((a: Listed, b: Listed) => number) | undefined {
  if (value === null) return undefined;
  const match = /^(skillId|skillName)(?: (asc|desc))?$/.exec(value.trim());
  if (match === null) {
    problems.push(
      `orderBy ${JSON.stringify(value)}: the simulator orders by skillId or skillName, asc or desc`,
    );
    return undefined;
  }
  const sign = match[2] === "desc" ? -1 : 1;
  return match[1] === "skillName"
    ? (a, b) =>
        sign * (a.skillName < b.skillName ? -1 : a.skillName > b.skillName ? 1 : a.skillId - b.skillId)
    : (a, b) => sign * (a.skillId - b.skillId);
}

/** The `fields` parameter: the top-level names to keep, or undefined for all. */
export function fieldsParameter(query: URLSearchParams): Set<string> | undefined {
  const value = query.get("fields");
  if (value === null || value.trim() === "") return undefined;
  return new Set(value.split(",").map((name) => name.trim()));
}

export function project(
  item: Record<string, unknown>,
  fields: Set<string> | undefined,
): Record<string, unknown> {
  if (fields === undefined) return item;
  return Object.fromEntries(Object.entries(item).filter(([key]) => fields.has(key)));
}
