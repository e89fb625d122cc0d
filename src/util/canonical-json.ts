/**
 * Canonical JSON and its SHA-256: how dialwindow hashes a document so that the same content
 * hashes the same whichever process wrote it (the audit chain, saved plans).
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted (UTF-16 code unit order) and no whitespace, as RFC 8785 does,
 * so the same record hashes the same whichever process wrote it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined && typeof object[key] !== "function")
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
