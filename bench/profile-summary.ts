/**
 * Reads a V8 .cpuprofile (from `npm run bench -- --profile DIR`) and prints where the time
 * went: the top functions by self time and by inclusive time, and self time by file. Positions
 * in compiled files are mapped back to the TypeScript source through the .js.map beside them.
 *
 *   node dist/bench/profile-summary.js PROFILE.cpuprofile [--top 25] [--focus FUNCTION]
 *
 * --focus FUNCTION also says which of dialwindow's own functions (src/) the time spent in
 * FUNCTION and below was spent for: e.g. `--focus partsOffset` for luxon's zone offsets.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const maps = new Map<string, SourceMap | null>();
const cwd = process.cwd();

function sourceMapFor(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    const path = `${file}.map`;
    map = existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, "utf8"))) : null;
    maps.set(file, map);
  }
  return map;
}

/** "src/desired/policy.ts:123" for our code, "node_modules/luxon/…:45" or "(native)" otherwise. */
function where(frame: CallFrame): string {
  if (frame.url === "") return "(native)";
  let file = frame.url;
  let line = frame.lineNumber + 1;
  if (file.startsWith("file://")) {
    file = fileURLToPath(file);
    const map = sourceMapFor(file);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && "originalSource" in entry) {
      const source = entry.originalSource.startsWith("file://")
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(file), entry.originalSource);
      file = source;
      line = entry.originalLine + 1;
    }
    file = relative(cwd, file);
  }
  return `${file}:${line}`;
}

function label(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${where(frame)}`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, focus: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write("usage: node dist/bench/profile-summary.js PROFILE.cpuprofile [--top N]\n");
    process.exitCode = 2;
    return;
  }
  const top = Number(values.top);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = profile.endTime - profile.startTime;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  const focus = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const node = byId.get(id);
    if (!node) continue;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const fileKey = where(node.callFrame).replace(/:\d+$/, "");
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
    if (values.focus !== undefined) {
      let inFocus = false;
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const frame = byId.get(cur)?.callFrame;
        if (!frame) break;
        if (frame.functionName === values.focus) inFocus = true;
        else if (inFocus && where(frame).startsWith("src/")) {
          const k = label(frame);
          focus.set(k, (focus.get(k) ?? 0) + us);
          break;
        }
      }
    }
    // Every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      const k = label(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }

  const print = (title: string, m: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, us] of rows) {
      process.stdout.write(
        `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}\n`,
      );
    }
  };
  process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms profiled\n`);
  print("Self time by function", self);
  print("Self time by file", byFile);
  const skip = /^\((root|program|garbage collector|idle)\)|^\(anonymous\) (\(native\)|node:)/;
  print("Inclusive time by function", new Map([...inclusive].filter(([k]) => !skip.test(k))));
  if (values.focus !== undefined)
    print(`Time in ${values.focus} and below, by the src/ function it served`, focus);
}

// `| head` closes the pipe early; that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
main();
