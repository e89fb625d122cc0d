#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner. Files are passed explicitly
// because `node --test <dir>` means different things on Node 20 (a directory) and 22+ (a glob).
// Usage: node scripts/run-tests.mjs [--dist DIR] [substring ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
let dist = "dist";
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--dist") dist = args[++i];
  else filters.push(args[i]);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(join(dist, "test"))
  .filter((f) => f.endsWith(".test.js"))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(dist, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${dist}/test matching ${filters.join(" ") || "*"}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--enable-source-maps", "--test", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
