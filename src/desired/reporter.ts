/**
 * Collects findings from the semantic rules. Rules point at a document and a path in it; the
 * reporter turns that into file:line:col (re-parsing the file only when there is something to
 * report) and remembers which documents have errors, so a campaign with an error is never
 * planned or applied.
 */
import { type Code, type Finding, finding, type Severity } from "./findings.js";
import { type DocPath, type LoadedDocument, Locator } from "./source.js";

export class Reporter {
  readonly findings: Finding[] = [];
  private readonly failed = new Set<LoadedDocument<unknown>>();
  private readonly locator = new Locator();

  report(
    doc: LoadedDocument<unknown>,
    path: DocPath,
    code: Code,
    severity: Severity,
    message: string,
    target: "key" | "value" = "value",
  ): void {
    const pos = this.locator.locate(doc, path, target);
    this.findings.push(finding(code, severity, message, { file: doc.source.path, ...pos }));
    if (severity === "error") this.failed.add(doc);
  }

  error(
    doc: LoadedDocument<unknown>,
    path: DocPath,
    code: Code,
    message: string,
    target?: "key" | "value",
  ): void {
    this.report(doc, path, code, "error", message, target);
  }

  warn(
    doc: LoadedDocument<unknown>,
    path: DocPath,
    code: Code,
    message: string,
    target?: "key" | "value",
  ): void {
    this.report(doc, path, code, "warning", message, target);
  }

  hasErrors(doc: LoadedDocument<unknown>): boolean {
    return this.failed.has(doc);
  }
}
