/**
 * Where `dialwindow import` writes, and how: the `campaigns/imported` folder checked to stay
 * inside --out, and each file created without ever following a symbolic link, so a planted link
 * cannot make import write outside the folder it was pointed at.
 */
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { UsageError } from "../util/errors.js";
import type { CliIo } from "./io.js";

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * `<out>/campaigns/imported`, created where missing. Its folders may be links that stay inside
 * --out (the loader follows those too); a link that leaves --out, or a file in the way, stops
 * the import before anything is written. Returns the folder's real path.
 */
export async function importFolder(io: CliIo, out: string): Promise<string> {
  await mkdir(out, { recursive: true });
  const root = await realpath(out);
  let real = root;
  let shown = out;
  for (const part of ["campaigns", "imported"]) {
    shown = join(shown, part);
    const path = join(real, part);
    const stats = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (stats === undefined) {
      await mkdir(path);
      real = path;
      continue;
    }
    if (stats.isSymbolicLink()) {
      const target = await realpath(path).catch(() => undefined);
      if (target === undefined || !isInside(root, target)) {
        throw new UsageError(
          `${relative(io.cwd, shown)} is a symbolic link that does not resolve inside ${relative(io.cwd, out) || "."}; import never writes through one. Remove it (or replace it with a folder) and import again.`,
        );
      }
      real = target;
    } else {
      real = path;
    }
    if (!(await stat(real)).isDirectory()) {
      throw new UsageError(`${relative(io.cwd, shown)} is not a folder; move it away and import again.`);
    }
  }
  return real;
}

/**
 * Writes `text` to a new file at `path` (or over an existing regular file with `force`), never
 * through a link: a link there, even one pointing nowhere, is reported, not followed.
 */
export async function writeNew(
  path: string,
  text: string,
  force: boolean,
): Promise<"written" | "exists" | "link"> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isSymbolicLink()) return "link";
  if (stats !== undefined && !force) return "exists";
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    (force ? constants.O_TRUNC : constants.O_EXCL) |
    (constants.O_NOFOLLOW ?? 0);
  let fh: FileHandle;
  try {
    fh = await open(path, flags, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "exists";
    if (code === "ELOOP" || code === "EMLINK") return "link";
    throw err;
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  return "written";
}
