import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCHEMA_FILES, SchemaValidators } from "../../src/desired/schema.js";
import { packageRoot } from "../../src/util/paths.js";
import { outlineText, schemaOutline } from "../helpers/schema-outline.js";
import { matchSnapshot } from "../helpers/snapshot.js";

describe("committed JSON Schemas", () => {
  it("compile under ajv's strict mode", () => {
    assert.doesNotThrow(() => new SchemaValidators().compileAll());
  });

  it("match the reviewed outline (a change to the YAML contract shows in review)", () => {
    matchSnapshot("schema-outline.txt", outlineText(schemaOutline()));
  });

  it("forbid unknown keys on every object, so a typo is an error", () => {
    const objectsWithoutClosure: string[] = [];
    for (const file of Object.values(SCHEMA_FILES)) {
      const walk = (s: unknown, where: string) => {
        if (s === null || typeof s !== "object") return;
        const o = s as Record<string, unknown>;
        if (o.type === "object" && o.properties && o.additionalProperties !== false)
          objectsWithoutClosure.push(`${file}${where}`);
        for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
      };
      walk(JSON.parse(readFileSync(join(packageRoot(), "schemas", file), "utf8")), "");
    }
    assert.deepEqual(objectsWithoutClosure, []);
  });

  it("every YAML key is documented in the README", () => {
    const readme = readFileSync(join(packageRoot(), "README.md"), "utf8");
    const missing = schemaOutline()
      .filter((e) => e.key !== "")
      // Documented: the full path, a child path starting with it, or (for leaves) the bare key.
      .filter(
        (e) =>
          !readme.includes(`\`${e.path}\``) &&
          !readme.includes(`\`${e.path}.`) &&
          !readme.includes(`\`${e.key}\``),
      )
      .map((e) => `${e.kind}: ${e.path}`);
    assert.deepEqual(missing, []);
  });
});
