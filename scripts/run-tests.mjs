#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner. Files are passed explicitly
// because `node --test <dir>` means different things on Node 20 (a directory) and 22+ (a glob).
// Usage: node scripts/run-tests.mjs [--dist DIR] [substring ...]
import { spawn } from "node:child_process";
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
// The runner's TAP goes through as it comes; its closing counts are repeated as one line,
// "N passed, N failed", so any CI (and a person scrolling back) finds the verdict at the end.
// Most test files wait on sockets, child processes and git rather than the CPU, so several run
// at once even on 2 cores (node's default is one file at a time there). DIALWINDOW_TEST_CONCURRENCY overrides.
const concurrency = Number(process.env.DIALWINDOW_TEST_CONCURRENCY ?? 4);
const child = spawn(
  process.execPath,
  ["--enable-source-maps", "--test", `--test-concurrency=${concurrency}`, ...files],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const counts = {};
let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const text = tail + chunk.toString("utf8");
  const lines = text.split("\n");
  tail = lines.pop() ?? "";
  for (const line of lines) {
    const m = /^# (pass|fail|cancelled|skipped) (\d+)$/.exec(line);
    if (m) counts[m[1]] = Number(m[2]);
  }
});
child.on("close", (code, signal) => {
  const failed = (counts.fail ?? 0) + (counts.cancelled ?? 0);
  if (counts.skipped) console.log(`${counts.skipped} skipped (each says why in the log above)`);
  console.log(`${counts.pass ?? 0} passed, ${failed} failed`);
  process.exit(code ?? (signal ? 1 : 0));
});
