/**
 * Reading and writing saved plans (`plan --out FILE`, `apply --plan FILE`). A saved plan is
 * applied exactly as reviewed, so it is checked strictly before anything is sent: a plan
 * from another format version, or one edited into an invalid shape, is refused with the
 * reason.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { isObject, parseWireSchedule } from "../live/tutorial-wire.js";
import { UsageError } from "../util/errors.js";
import { PLAN_FORMAT_VERSION, type Plan, type PlannedChange } from "./plan.js";

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(plan, null, 2)}\n`);
  await rename(tmp, path);
}

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read the saved plan ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); run dialwindow plan --out ${path} first.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${path} is not a saved plan (not valid JSON); write one with dialwindow plan --out ${path}.`,
    );
  }
  return parsePlan(doc, path);
}

export function parsePlan(doc: unknown, path: string): Plan {
  const bad = (why: string) =>
    new UsageError(`${path} is not a usable saved plan: ${why}. Run dialwindow plan --out ${path} again.`);
  if (!isObject(doc)) throw bad("expected a JSON object");
  if (doc.formatVersion !== PLAN_FORMAT_VERSION) {
    throw bad(
      `formatVersion is ${JSON.stringify(doc.formatVersion)}, this dialwindow reads ${PLAN_FORMAT_VERSION}`,
    );
  }
  if (typeof doc.at !== "string" || !Array.isArray(doc.changes)) throw bad("it has no `at` or no `changes`");
  const changes = doc.changes.map((c, i): PlannedChange => {
    const where = `changes[${i}]`;
    if (!isObject(c)) throw bad(`${where} is not an object`);
    if (typeof c.campaignId !== "string" || c.campaignId === "")
      throw bad(`${where}.campaignId must be a string`);
    if (c.action !== "update" && c.action !== "noop" && c.action !== "error")
      throw bad(`${where}.action must be update, noop or error`);
    if (c.action === "update" && (typeof c.etag !== "string" || c.etag === ""))
      throw bad(`${where} is an update without the ETag it was planned against`);
    let after: PlannedChange["after"];
    try {
      after = parseWireSchedule(c.after, `${where}.after`);
    } catch (err) {
      throw bad((err as Error).message);
    }
    return { ...(c as unknown as PlannedChange), after };
  });
  return { ...(doc as unknown as Plan), changes };
}
