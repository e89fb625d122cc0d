/**
 * The names `dialwindow import` gives what it writes (metadata.name and the file's name): a slug
 * of untrusted CXone text, made unique among the folder's campaigns and safe as a file name on
 * every platform.
 */
import { createHash } from "node:crypto";
import type { LiveCampaign } from "../live/port.js";

/** Names Windows refuses for a file in any folder, whatever the extension. */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
const MAX_NAME = 63;

/**
 * A file and metadata name from untrusted text: ASCII letters and digits in runs joined by '-',
 * accents dropped (é -> e), lower case, at most 63 characters. Empty when nothing is left.
 */
export function slug(text: string | undefined): string {
  return (text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_NAME)
    .replace(/-+$/, "");
}

function shortHash(id: string, length = 8): string {
  return createHash("sha256").update(id).digest("hex").slice(0, length);
}

/**
 * The campaign's name: the slug of its CXone name, else `campaign-<id>`, else `campaign-<hash>`.
 * A name already used, or one Windows cannot have as a file name, gets a short hash of the id.
 */
export function uniqueName(live: LiveCampaign, used: Set<string>): string {
  const fromId = slug(live.id);
  const base = slug(live.name) || (fromId ? slug(`campaign-${fromId}`) : `campaign-${shortHash(live.id)}`);
  let name = base;
  for (let n = 1; used.has(name) || WINDOWS_RESERVED.test(name); n++) {
    const suffix = n === 1 ? shortHash(live.id) : `${shortHash(live.id)}-${n}`;
    name = `${base.slice(0, MAX_NAME - suffix.length - 1).replace(/-+$/, "")}-${suffix}`;
  }
  used.add(name);
  return name;
}
