/** The command tree. Parses argv and dispatches; commands return their exit code. */
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../util/errors.js";
import type { CliIo } from "./io.js";
import { validateCommand } from "./validate-command.js";

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("dialwindow")
    .description("GitOps for NICE CXone outbound dialing schedules.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run dialwindow --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const run = (fn: () => Promise<number>) => async () => {
    setExit(await fn());
  };

  program
    .command("validate")
    .description("check the desired state (schema, rules, calling-hours policy); exit 0 valid, 1 invalid")
    .option("--dir <dir>", "desired-state directory", ".")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "github"]).default("text"),
    )
    .option("--at <iso>", "start the year of policy checks at this instant (default: now)")
    .option("--selector <key=value>", "ignored by validate (all files are validated); accepted for symmetry")
    .action((opts: { dir: string; format: string; at?: string }) =>
      run(() =>
        validateCommand(io, { dir: opts.dir, format: opts.format, ...(opts.at ? { at: opts.at } : {}) }),
      )(),
    );

  return program;
}

export const VERSION = "0.1.0";

/** Turns commander's own exits (help, version, bad flags) into exit codes. */
export function commanderExit(err: unknown): number | undefined {
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    )
      return 0;
    return 1;
  }
  if (err instanceof UsageError) return 1;
  return undefined;
}
