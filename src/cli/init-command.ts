/**
 * `dialwindow init [DIR]`: scaffolds a schedules repository from the templates shipped in the
 * package (templates/init/): dialwindow.yaml with every section explained, campaigns/, a
 * starter holiday calendar, the pull-request workflows, editor settings and .gitignore, plus a
 * copy of the JSON Schemas the editor maps. Existing files are kept (or replaced with
 * --force); the schemas are dialwindow's own and are always refreshed to this version.
 */
import { lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { safeText } from "../escape/text.js";
import { UsageError } from "../util/errors.js";
import { packageRoot, packageVersion } from "../util/paths.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";

export interface InitFlags {
  dir?: string;
  force?: boolean;
}

type Outcome = "created" | "kept" | "replaced" | "updated" | "unchanged";

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(relative(root, path));
  }
  return out.sort();
}

/** What is at `path` now: nothing, a regular file's text, or something dialwindow will not touch. */
async function existing(
  path: string,
): Promise<{ kind: "none" } | { kind: "file"; text: string } | { kind: "other" }> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile()) return { kind: "other" };
    return { kind: "file", text: await readFile(path, "utf8") };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    throw err;
  }
}

async function place(path: string, text: string, replace: boolean): Promise<Outcome> {
  const now = await existing(path);
  if (now.kind === "other") {
    throw new UsageError(
      `${path} exists and is not a regular file (a folder or a symbolic link); dialwindow init will not write through it. Move it away and run init again.`,
    );
  }
  if (now.kind === "file" && now.text === text) return "unchanged";
  if (now.kind === "file" && !replace) return "kept";
  await mkdir(dirname(path), { recursive: true });
  if (now.kind === "file") await rm(path);
  // "wx": never follow a link that appeared since the check; fail instead.
  await writeFile(path, text, { flag: "wx" });
  return now.kind === "file" ? "replaced" : "created";
}

export async function initCommand(io: CliIo, flags: InitFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const version = packageVersion();
  const templates = join(packageRoot(), "templates", "init");
  const results: [string, Outcome][] = [];
  for (const file of await listFiles(templates)) {
    const text = (await readFile(join(templates, file), "utf8")).replaceAll("@@VERSION@@", version);
    // npm leaves .gitignore files out of packages, so the template is shipped without its dot.
    const target = file === "gitignore" ? ".gitignore" : file;
    results.push([target, await place(join(dir, target), text, flags.force === true)]);
  }
  const schemas = join(packageRoot(), "schemas");
  for (const file of await listFiles(schemas)) {
    const outcome = await place(
      join(dir, "schemas", file),
      await readFile(join(schemas, file), "utf8"),
      true,
    );
    results.push([join("schemas", file), outcome === "replaced" ? "updated" : outcome]);
  }
  const width = Math.max(...results.map(([f]) => f.length));
  io.stdout(`dialwindow ${version}: a schedules repository in ${safeText(dir)}\n\n`);
  for (const [file, outcome] of results) {
    const note = outcome === "kept" ? "  (exists; kept, use --force to replace)" : "";
    io.stdout(`  ${file.split("\\").join("/").padEnd(width)}  ${outcome}${note}\n`);
  }
  io.stdout(
    [
      "",
      "Next:",
      "  1. Fill in cxone in dialwindow.yaml and export CXONE_CLIENT_ID and CXONE_CLIENT_SECRET.",
      "  2. dialwindow import          # writes your live campaigns to campaigns/imported/",
      "  3. dialwindow validate && dialwindow plan   # plan should show no changes",
      "  4. Commit, push, and add the repository secrets the workflow's header names.",
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}
