/**
 * Source documents and how to point into them. A loaded document keeps its file's text, not
 * its YAML syntax tree: ten thousand trees would cost hundreds of megabytes, while findings are
 * rare. When a rule needs a line and column, the file is parsed again (once, cached) to find
 * the node at the document path.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";

export type DocPath = readonly (string | number)[];

export interface SourceFile {
  /** Relative to the desired-state directory, forward slashes. */
  path: string;
  text: string;
}

export interface LoadedDocument<T> {
  value: T;
  source: SourceFile;
  /** Position of the document within a multi-document file (0-based). */
  index: number;
}

export interface Position {
  line: number;
  col: number;
}

export const YAML_OPTIONS = { uniqueKeys: true, prettyErrors: true, strict: true } as const;

/**
 * The position of the node at `path` (its key when `target` is "key"), or of the deepest
 * existing ancestor when the path does not exist (e.g. a missing key points at its parent).
 */
export function positionIn(
  root: Node | null | undefined,
  path: DocPath,
  lc: LineCounter,
  target: "key" | "value",
): Position {
  let node: Node | null | undefined = root;
  let keyNode: Node | null | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
      if (node == null) {
        node = keyNode;
        break;
      }
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg] !== undefined) {
      keyNode = undefined;
      node = node.items[seg] as Node;
    } else {
      break;
    }
  }
  const chosen = target === "key" && keyNode ? keyNode : node;
  const offset = chosen?.range?.[0] ?? 0;
  return lc.linePos(offset);
}

/** Lazily re-parses source files to locate paths; one per validation run. */
export class Locator {
  private readonly cache = new Map<SourceFile, { docs: (Node | null)[]; lc: LineCounter }>();

  locate(doc: LoadedDocument<unknown>, path: DocPath, target: "key" | "value" = "value"): Position {
    let parsed = this.cache.get(doc.source);
    if (!parsed) {
      const lc = new LineCounter();
      const docs = parseAllDocuments(doc.source.text, { ...YAML_OPTIONS, lineCounter: lc });
      parsed = { docs: Array.isArray(docs) ? docs.map((d) => d.contents as Node | null) : [], lc };
      this.cache.set(doc.source, parsed);
    }
    return positionIn(parsed.docs[doc.index], path, parsed.lc, target);
  }

  /** "spec.dialingHours[0].start": how a path reads in a message. */
  static describe(path: DocPath): string {
    return path.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("");
  }
}

/** The original text of the scalar at `path` (e.g. digits of a number before precision loss). */
export function scalarSource(root: Node | null | undefined, path: DocPath): string | undefined {
  let node: unknown = root;
  for (const seg of path) {
    if (isMap(node)) node = node.get(seg, true);
    else if (isSeq(node) && typeof seg === "number") node = node.items[seg];
    else return undefined;
  }
  return isScalar(node) && typeof node.source === "string" ? node.source : undefined;
}
