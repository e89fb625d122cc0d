/**
 * Structural validation: each document against its committed JSON Schema (2020-12) with ajv,
 * and ajv's errors turned into findings a person can act on, located at the offending key or
 * value. The schemas are the ones in schemas/, so editors (yaml-language-server) and
 * dialwindow agree on what is valid.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import * as ajvFormats from "ajv-formats";
import { packageRoot } from "../util/paths.js";
import type { DocumentKind } from "./documents.js";
import { type Code, didYouMean } from "./findings.js";
import { looksLikeSecretValue } from "./secrets.js";
import type { DocPath } from "./source.js";

// ajv-formats is CommonJS with an `exports.default`; under NodeNext the plugin arrives one level down.
const addFormats = ((ajvFormats.default as unknown as { default?: unknown }).default ??
  ajvFormats.default) as (ajv: Ajv2020) => Ajv2020;

export const SCHEMA_FILES: Record<DocumentKind, string> = {
  CampaignSchedule: "campaign-schedule.schema.json",
  HolidayCalendar: "holiday-calendar.schema.json",
  CallingPolicy: "calling-policy.schema.json",
  Config: "config.schema.json",
};

/** A structural problem, located by document path, before it is turned into a Finding. */
export interface SchemaProblem {
  code: Code;
  message: string;
  path: DocPath;
  target: "key" | "value";
}

/** Compiled validators by schema folder and kind: compiling costs ~50 ms a schema, and the files ship with the package. */
const COMPILED = new Map<string, Map<DocumentKind, ValidateFunction>>();

export class SchemaValidators {
  private readonly validators: Map<DocumentKind, ValidateFunction>;
  private ajv: Ajv2020 | undefined;

  constructor(private readonly schemaDir = join(packageRoot(), "schemas")) {
    let compiled = COMPILED.get(schemaDir);
    if (!compiled) {
      compiled = new Map();
      COMPILED.set(schemaDir, compiled);
    }
    this.validators = compiled;
  }

  /** Compiled on first use: a loader worker that only sees campaigns never compiles the rest. */
  private validator(kind: DocumentKind): ValidateFunction {
    let v = this.validators.get(kind);
    if (!v) {
      if (!this.ajv) {
        this.ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
        addFormats(this.ajv);
        // Editor hints, not validation keywords; declared so ajv's strict mode accepts them.
        this.ajv.addVocabulary(["patternErrorMessage", "markdownDescription"]);
      }
      const schema = JSON.parse(readFileSync(join(this.schemaDir, SCHEMA_FILES[kind]), "utf8")) as object;
      v = this.ajv.compile(schema);
      this.validators.set(kind, v);
    }
    return v;
  }

  /** Compiles every schema now (a test proves they all compile under strict mode). */
  compileAll(): void {
    for (const kind of Object.keys(SCHEMA_FILES) as DocumentKind[]) this.validator(kind);
  }

  validate(
    kind: DocumentKind,
    value: unknown,
    sources: (path: DocPath) => string | undefined,
  ): SchemaProblem[] {
    const validate = this.validator(kind);
    if (validate(value)) return [];
    const problems = (validate.errors ?? []).map((e) => describe(e, sources));
    // allErrors can report one mistake several ways at one place; keep the first of each.
    const seen = new Set<string>();
    return problems.filter((p) => {
      const key = `${p.path.join("\u0000")}|${p.target}|${p.code}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function where(path: DocPath): string {
  if (path.length === 0) return "the document";
  return `\`${path.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("")}\``;
}

/** Quote a value for a message, unless it could be a secret. */
function show(value: unknown): string {
  if (typeof value === "string") {
    if (looksLikeSecretValue(value)) return "(a value that looks like a secret; not shown)";
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  return JSON.stringify(value) ?? String(value);
}

function describe(e: ErrorObject, sources: (path: DocPath) => string | undefined): SchemaProblem {
  const path = pathOf(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent.properties as object | undefined) ?? {});
      const guess = didYouMean(key, allowed);
      return {
        code: "DW011",
        path: [...path, key],
        target: "key",
        message:
          `unknown key \`${key}\` in ${where(path)}` +
          (guess ? `: did you mean \`${guess}\`?` : ".") +
          ` Allowed keys here: ${allowed.join(", ")}. Unknown keys are errors so a typo is never silently ignored.`,
      };
    }
    case "required": {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const prop = (parent.properties as Record<string, { description?: string }> | undefined)?.[key];
      return {
        code: "DW012",
        path,
        target: "key",
        message: `${where(path)} is missing the required key \`${key}\`${prop?.description ? ` (${prop.description})` : ""}; add it.`,
      };
    }
    case "type": {
      const expected = String((e.params as { type: string }).type);
      const last = path[path.length - 1];
      if ((last === "campaignId" || last === "skillId") && typeof e.data === "number") {
        const digits = sources(path) ?? String(e.data);
        const lost = String(e.data) !== digits;
        return {
          code: "DW014",
          path,
          target: "value",
          message:
            `\`metadata.${last}\` must be a quoted string, not a number: write ${last}: "${digits}".` +
            (lost
              ? ` Unquoted, YAML reads it as a number and ${digits} becomes ${String(e.data)} (precision lost), which is a different campaign.`
              : " CXone ids are longer than a number can hold exactly, so they are always strings."),
        };
      }
      const actual = e.data === null ? "null" : Array.isArray(e.data) ? "a list" : typeof e.data;
      const hint = expected === "string" && typeof e.data === "number" ? " Quote it." : "";
      return {
        code: "DW013",
        path,
        target: "value",
        message: `${where(path)} must be ${article(expected)}, not ${actual === "object" ? "a mapping" : actual}.${hint}`,
      };
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof e.data === "string" ? didYouMean(e.data, allowed) : undefined;
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${show(e.data)} is not allowed in ${where(path)}${guess ? `: did you mean ${guess}?` : "."} Use one of: ${allowed.join(", ")}.`,
      };
    }
    case "const": {
      const wanted = (e.params as { allowedValue: unknown }).allowedValue;
      return {
        code: path[0] === "kind" || path[0] === "apiVersion" ? "DW005" : "DW015",
        path,
        target: "value",
        message: `${where(path)} must be ${JSON.stringify(wanted)}, not ${show(e.data)}.`,
      };
    }
    case "pattern": {
      const hint =
        typeof parent.patternErrorMessage === "string"
          ? parent.patternErrorMessage
          : `match ${String(parent.pattern)}`;
      const secretish =
        path[path.length - 1] === "secretEnv" || (typeof e.data === "string" && looksLikeSecretValue(e.data));
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${where(path)} ${secretish ? "is not valid" : `is ${show(e.data)}, which is not valid`}: ${hint}.`,
      };
    }
    case "format":
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${where(path)} is ${show(e.data)}, which is not a valid ${String((e.params as { format: string }).format)}; write an absolute URL such as https://acme.mycxone.com/api/v2.`,
      };
    case "uniqueItems":
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${where(path)} lists the same value twice (items ${(e.params as { j: number }).j} and ${(e.params as { i: number }).i}); remove the repeat.`,
      };
    case "minItems":
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${where(path)} ${e.message ?? "is too short"}; add at least one.`,
      };
    default:
      return {
        code: "DW015",
        path,
        target: "value",
        message: `${where(path)} ${e.message ?? "is not valid"}.`,
      };
  }
}

function article(type: string): string {
  switch (type) {
    case "object":
      return "a mapping (key: value lines)";
    case "array":
      return "a list";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true or false";
    default:
      return `a ${type}`;
  }
}
