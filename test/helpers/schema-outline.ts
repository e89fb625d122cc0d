/** A readable outline of the committed JSON Schemas: every key with its type and constraints. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_FILES } from "../../src/desired/schema.js";
import { packageRoot } from "../../src/util/paths.js";

type Schema = Record<string, unknown>;

export interface OutlineEntry {
  kind: string;
  /** e.g. "spec.dialingHours[].days[]" */
  path: string;
  key: string;
  text: string;
}

export function schemaOutline(): OutlineEntry[] {
  const out: OutlineEntry[] = [];
  for (const [kind, file] of Object.entries(SCHEMA_FILES)) {
    const root = JSON.parse(readFileSync(join(packageRoot(), "schemas", file), "utf8")) as Schema;
    const resolve = (s: Schema): Schema => {
      const ref = s.$ref;
      if (typeof ref !== "string") return s;
      const target = ref.replace("#/$defs/", "");
      return { ...resolve((root.$defs as Record<string, Schema>)[target] as Schema), ...s, $ref: undefined };
    };
    const describe = (s: Schema): string => {
      const r = resolve(s);
      if (r.const !== undefined) return `const ${JSON.stringify(r.const)}`;
      if (Array.isArray(r.enum)) return `enum ${r.enum.join("|")}`;
      const parts = [String(r.type ?? "any")];
      if (r.pattern) parts.push(`/${String(r.pattern)}/`);
      if (r.format) parts.push(`format ${String(r.format)}`);
      for (const k of ["minimum", "maximum", "minItems", "minLength", "maxLength"])
        if (r[k] !== undefined) parts.push(`${k} ${String(r[k])}`);
      if (r.uniqueItems) parts.push("unique");
      return parts.join(" ");
    };
    const walk = (s: Schema, path: string) => {
      const r = resolve(s);
      const props = (r.properties ?? {}) as Record<string, Schema>;
      const required = new Set((r.required as string[] | undefined) ?? []);
      for (const [key, child] of Object.entries(props)) {
        const p = path ? `${path}.${key}` : key;
        out.push({ kind, path: p, key, text: `${describe(child)}${required.has(key) ? " (required)" : ""}` });
        walk(child, p);
      }
      if (r.items) {
        const items = resolve(r.items as Schema);
        if (items.properties) walk(items, `${path}[]`);
        else out.push({ kind, path: `${path}[]`, key: "", text: describe(items) });
      }
      if (r.additionalProperties && typeof r.additionalProperties === "object") {
        out.push({ kind, path: `${path}.<key>`, key: "", text: describe(r.additionalProperties as Schema) });
      }
    };
    walk(root, "");
  }
  return out;
}

export function outlineText(entries: readonly OutlineEntry[]): string {
  let kind = "";
  const lines: string[] = [];
  for (const e of entries) {
    if (e.kind !== kind) {
      kind = e.kind;
      lines.push(`${lines.length ? "\n" : ""}${kind}`);
    }
    lines.push(`  ${e.path}: ${e.text}`);
  }
  return `${lines.join("\n")}\n`;
}
