#!/usr/bin/env node
import { processIo } from "./io.js";
import { runCli } from "./main.js";

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dialwindow: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
