#!/usr/bin/env node
import { safeLines } from "../escape/text.js";
import { processIo } from "./io.js";
import { runCli } from "./main.js";

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dialwindow: ${safeLines(String(err))}\n`);
    process.exitCode = 1;
  },
);
