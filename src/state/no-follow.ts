/**
 * File access in the state directory that never follows a symbolic link. The default state
 * directory sits inside the desired-state checkout, so a pull request can commit a link where
 * the journal, the lock or the .gitignore goes; writing through it would overwrite any file the
 * process can reach. Every open here carries O_NOFOLLOW (the kernel refuses a link as the last
 * component) and directories are checked with lstat before anything goes in them.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open } from "node:fs/promises";
import { DialwindowError } from "../util/errors.js";

/** Windows has no O_NOFOLLOW; links there need privileges git does not use by default. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** open(2) flags by the names node uses, each with O_NOFOLLOW. */
export const NO_FOLLOW = {
  read: constants.O_RDONLY | O_NOFOLLOW,
  /** Read and append, created when missing ("a+"). */
  append: constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW,
  /** Write from empty, created when missing ("w"). */
  truncate: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW,
  /** Create; fails when anything, a dangling link included, has the name ("wx"). */
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
} as const;

/** Controls, line separators and bidi/invisible format characters: never printed raw. */
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

/**
 * A path for a message: as is, or JSON-quoted and escaped when it holds something a terminal
 * or a CI log would act on (the names in a state directory may come from a commit).
 */
export function showPath(path: string): string {
  if (!UNPRINTABLE.test(path)) return path;
  return JSON.stringify(path).replace(
    new RegExp(UNPRINTABLE.source, "g"),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A link found where dialwindow keeps its own state. */
export class StateLinkError extends DialwindowError {
  readonly path: string;

  constructor(path: string, what = "") {
    const shown = showPath(path);
    super(
      "DW_STATE_LINK",
      `${what}${shown} is a symbolic link. dialwindow never reads or writes through a link in its state ` +
        "directory: one committed to the repository could make it overwrite any file it can reach. " +
        `Remove the link (rm ${shown}) and run again; dialwindow recreates what it needs.`,
    );
    this.path = path;
  }
}

/** Opens `path` with `flags` (from NO_FOLLOW); a link there is a StateLinkError. */
export async function openNoFollow(path: string, flags: number, mode = 0o600): Promise<FileHandle> {
  try {
    return await open(path, flags, mode);
  } catch (err) {
    // Linux and macOS say ELOOP for O_NOFOLLOW on a link; FreeBSD says EMLINK.
    const code = errorCode(err);
    if (code === "ELOOP" || code === "EMLINK") throw new StateLinkError(path);
    throw err;
  }
}

/** Writes `data` to `path` (opened with `flags`, from NO_FOLLOW) and fsyncs it before closing. */
export async function writeSynced(
  path: string,
  data: string | Uint8Array,
  flags: number,
  mode?: number,
): Promise<void> {
  const fh = await openNoFollow(path, flags, mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The whole file, or undefined when there is none; a link is a StateLinkError. */
export async function readNoFollow(path: string): Promise<Buffer | undefined> {
  let fh: FileHandle;
  try {
    fh = await openNoFollow(path, NO_FOLLOW.read);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return undefined;
    throw err;
  }
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * lstat of `path`: undefined when nothing is there, a StateLinkError when it is a link, and an
 * error naming `path` when it exists but is not a directory.
 */
export async function directoryNoFollow(path: string, what = ""): Promise<Stats | undefined> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return undefined;
    throw err;
  }
  if (stats.isSymbolicLink()) throw new StateLinkError(path, what);
  if (!stats.isDirectory()) {
    throw new DialwindowError(
      "DW_STATE_NOT_DIR",
      `${what}${path} is not a directory. Move that file away (or point --state-dir elsewhere) and run again.`,
    );
  }
  return stats;
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
