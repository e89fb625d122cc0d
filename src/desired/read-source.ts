/**
 * Reading one desired-state file safely: never through a link that appeared after the tree was
 * listed, never a pipe or a device, the size checked before a byte is read, and the bytes
 * checked to be UTF-8 (with the line and column of the first that is not). A problem is an
 * answer (`failed`, with a finding's code and message), never an exception.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { CONFIG_FILE } from "./documents.js";
import type { Code } from "./findings.js";
import type { SourceFile } from "./source.js";

/** The largest file read unless dialwindow.yaml's limits.maxFileBytes says otherwise. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export type SourceRead =
  | { kind: "ok"; source: SourceFile }
  | { kind: "missing" }
  | { kind: "failed"; file: string; code: Code; message: string; line: number; col: number };

/** Windows has no O_NOFOLLOW; the tree is checked for links before anything is opened anyway. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Reads one file (`path`, shown as `file`): size checked before reading, UTF-8 checked after.
 * Synchronous on purpose: parsing is synchronous anyway, and for thousands of small files sync
 * reads are several times faster than going through the thread pool four times per file.
 * `follow` only for dialwindow's own files (a package manager may install them as links).
 */
export function readSource(file: string, path: string, maxBytes: number, follow = false): SourceRead {
  let fd: number;
  try {
    // Non-blocking, so a named pipe called *.yaml is reported below instead of hanging validate.
    // No-follow: listDesiredTree judged every link; one that appeared since is not read either.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return {
      kind: "failed",
      file,
      code: "DW008",
      message: `cannot read ${file} (${code ?? String(err)}); check its permissions.`,
      line: 1,
      col: 1,
    };
  }
  try {
    const stat = fstatSync(fd);
    const { size } = stat;
    if (!stat.isFile()) {
      return {
        kind: "failed",
        file,
        code: "DW008",
        message: `cannot read ${file}: it is ${stat.isDirectory() ? "a folder (or a link to one)" : "not a regular file (a pipe, socket or device)"}, not a YAML file. Rename or remove it.`,
        line: 1,
        col: 1,
      };
    }
    if (size > maxBytes) {
      return {
        kind: "failed",
        file,
        code: "DW002",
        message: `${file} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for a desired-state file; split it into smaller files (one campaign per file is usual), or raise limits.maxFileBytes in ${CONFIG_FILE} if it is really meant to be this large.`,
        line: 1,
        col: 1,
      };
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(fd);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        kind: "failed",
        file,
        code: "DW008",
        message: `cannot read ${file} (${code ?? String(err)}); check the file and its permissions.`,
        line: 1,
        col: 1,
      };
    }
    return sourceFromBytes(file, bytes);
  } finally {
    closeSync(fd);
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** Bytes read from somewhere other than a file on disk (a git blob), checked to be UTF-8. */
export function sourceFromBytes(file: string, bytes: Uint8Array): SourceRead {
  const decoded = decodeUtf8(bytes);
  if (typeof decoded !== "string") {
    return {
      kind: "failed",
      file,
      code: "DW003",
      message: `${file} is not UTF-8 (${decoded.reason} at byte ${decoded.offset}); save it as UTF-8.`,
      line: decoded.line,
      col: decoded.col,
    };
  }
  return { kind: "ok", source: { path: file, text: decoded } };
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The text, or where the first byte that is not valid UTF-8 sits. */
export function decodeUtf8(
  bytes: Uint8Array,
): string | { reason: string; offset: number; line: number; col: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { reason: "it starts with a UTF-16 byte order mark", offset: 0, line: 1, col: 1 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { reason: "it starts with a UTF-16 byte order mark", offset: 0, line: 1, col: 1 };
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const col = new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1;
    return {
      reason: `invalid byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")}`,
      offset,
      line,
      col,
    };
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    const need =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
    }
    // Overlong 3/4-byte forms, surrogates and > U+10FFFF.
    const c1 = b[i + 1] as number;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += need + 1;
  }
  return b.length;
}
