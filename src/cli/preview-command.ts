/**
 * `dialwindow preview`: the desired state as a self-contained HTML calendar (a CI artifact a
 * reviewer opens). Exit 0, or 1 when the desired state does not validate (the page is still
 * written, with the problems shown beside their campaigns).
 */
import { writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { dayIn } from "../desired/effective.js";
import { desiredRevision } from "../desired/revision.js";
import { matches, parseSelectors } from "../desired/selector.js";
import { validateDesiredState } from "../desired/validate.js";
import { ZoneClocks } from "../desired/zone-clock.js";
import { safeText } from "../escape/text.js";
import { renderPreview } from "../review/preview.js";
import { UsageError } from "../util/errors.js";
import { parseAt, resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";

export interface PreviewFlags {
  dir?: string;
  weeks?: string;
  out?: string;
  selector?: string[];
  at?: string;
}

const MAX_WEEKS = 104;
const DAY_MS = 86_400_000;

export async function previewCommand(io: CliIo, flags: PreviewFlags): Promise<number> {
  const weeks = Number(flags.weeks ?? "8");
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) {
    throw new UsageError(`--weeks ${flags.weeks} is not a whole number of weeks from 1 to ${MAX_WEEKS}.`);
  }
  const dir = resolveDir(io, flags.dir);
  const at = parseAt(io, flags.at);
  const selector = parseSelectors(flags.selector);
  const result = await validateDesiredState(dir, { at, env: io.env });
  const problems = new Map<string, string[]>();
  for (const f of result.findings) {
    if (f.severity !== "error") continue;
    problems.set(f.file, [
      ...(problems.get(f.file) ?? []),
      `${f.file}:${f.line}:${f.col} ${f.code}: ${f.message}`,
    ]);
  }
  const html = renderPreview({
    campaigns: result.drawable.filter((c) => matches(selector, c.labels)),
    rules: result.policyRules,
    clocks: new ZoneClocks(at.toMillis() - 9 * DAY_MS, at.toMillis() + (weeks * 7 + 9) * DAY_MS),
    today: (zone) => dayIn(zone, at),
    weeks,
    revision: await desiredRevision(dir),
    generatedAt: at.toUTC().toISO() as string,
    problems,
  });
  if (flags.out === undefined) io.stdout(html);
  else {
    const out = isAbsolute(flags.out) ? flags.out : resolve(io.cwd, flags.out);
    await writeFile(out, html);
    io.stderr(`dialwindow: wrote ${safeText(out)} (${result.drawable.length} campaigns, ${weeks} weeks)\n`);
  }
  if (!result.valid) {
    io.stderr(
      "dialwindow: the desired state does not validate; the page shows the problems beside their campaigns.\n",
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}
