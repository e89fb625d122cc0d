/**
 * The CLI's one error boundary. Expected failures (DialwindowError: bad input, refused
 * credentials, unreachable endpoints) print their message and exit 1; anything else is a bug
 * and prints its stack, asking for a report. Messages quote values from outside (an API's reason,
 * a file name), so they are printed escaped, on one line.
 */
import { safeLines, safeText } from "../escape/text.js";
import { DialwindowError } from "../util/errors.js";
import type { CliIo } from "./io.js";
import { buildProgram, commanderExit } from "./program.js";

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    const exit = commanderExit(err);
    if (exit !== undefined && !(err instanceof DialwindowError)) return exit;
    if (err instanceof DialwindowError) {
      io.stderr(`dialwindow: ${safeText(err.message)}\n`);
      return 1;
    }
    io.stderr(
      `dialwindow: internal error (a bug; please report it with the command you ran):\n${safeLines(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
    );
    return 1;
  }
}
