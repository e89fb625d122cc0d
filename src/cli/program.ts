/**
 * The command tree. Parses argv and dispatches; commands return their exit code. Each command
 * is imported when it runs, so `--help` or `validate` does not load the daemon, the simulator
 * or the HTTP client.
 */
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../util/errors.js";
import { packageVersion } from "../util/paths.js";
import { collect } from "./common.js";
import type { CliIo } from "./io.js";

/** Drops undefined values so optional flags stay absent (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("dialwindow")
    .description("GitOps for NICE CXone outbound dialing schedules.")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run dialwindow --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const run = (fn: () => Promise<number>) => fn().then(setExit);
  const dir = () => new Option("--dir <dir>", "desired-state directory").default(".");
  const selector = () =>
    new Option("--selector <key=value>", "only campaigns with this label (repeatable)").argParser(collect);
  // Shared by every command that connects or writes (plan, apply; diff when it exists).
  const configFrom = () =>
    new Option(
      "--config-from <rev>",
      "take dialwindow.yaml's cxone, webhooks and audit sections from this git revision (e.g. the base branch), not the work tree",
    );
  const stateDir = () =>
    new Option(
      "--state-dir <dir>",
      "journal and outbox (default: $DIALWINDOW_STATE_DIR or <dir>/.dialwindow)",
    );

  program
    .command("validate")
    .description("check the desired state: schema, rules, calling-hours policy (exit 0 valid, 1 invalid)")
    .addOption(dir())
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "github"]).default("text"),
    )
    .option("--at <iso>", "start the year of policy checks at this instant (default: now)")
    .action((o: { dir: string; format: string; at?: string }) =>
      run(async () => (await import("./validate-command.js")).validateCommand(io, defined(o))),
    );

  program
    .command("plan")
    .description("show what apply would change (exit 0 no changes, 2 changes, 1 error); writes nothing")
    .addOption(dir())
    .addOption(selector())
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"),
    )
    .option("--out <file>", "also save the plan (JSON) for apply --plan")
    .option("--at <iso>", "evaluate holidays and overrides at this instant (default: now)")
    .option("--show-unmanaged", "list live campaigns that no file manages")
    .option(
      "--base <rev>",
      "tell updates this revision asks for from drift by comparing with this revision (default: --config-from's, else as diff)",
    )
    .addOption(configFrom())
    .action(
      (o: {
        dir: string;
        selector?: string[];
        format: string;
        out?: string;
        at?: string;
        showUnmanaged?: boolean;
        base?: string;
        configFrom?: string;
      }) => run(async () => (await import("./plan-command.js")).planCommand(io, defined(o))),
    );

  program
    .command("diff")
    .description(
      "what a change does to real dialing time, between two git revisions; no network (exit 0 no effective change, 2 changes, 1 invalid)",
    )
    .addOption(dir())
    .addOption(selector())
    .option(
      "--base <rev>",
      "compare from this revision (default: HEAD if the work tree is dirty, else the merge base with the upstream branch)",
    )
    .option("--head <rev>", "compare to this revision (default: the work tree)")
    .option("--from <date>", "first date of the horizon, YYYY-MM-DD (default: today in each campaign's zone)")
    .option("--weeks <n>", "weeks of dates to compare", "8")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"),
    )
    .option("--at <iso>", "the instant that counts as now (default: now)")
    .addOption(configFrom())
    .action(
      (o: {
        dir: string;
        selector?: string[];
        base?: string;
        head?: string;
        from?: string;
        weeks: string;
        format: string;
        at?: string;
        configFrom?: string;
      }) => run(async () => (await import("./diff-command.js")).diffCommand(io, defined(o))),
    );

  program
    .command("preview")
    .description(
      "every campaign's effective schedule as one self-contained HTML calendar (exit 1 if invalid)",
    )
    .addOption(dir())
    .addOption(selector())
    .option("--weeks <n>", "weeks to show", "8")
    .option("--out <file>", "write the page here (default: standard output)")
    .option("--at <iso>", "the instant that counts as now (default: now)")
    .action((o: { dir: string; selector?: string[]; weeks: string; out?: string; at?: string }) =>
      run(async () => (await import("./preview-command.js")).previewCommand(io, defined(o))),
    );

  program
    .command("apply")
    .description("write drifted campaigns to CXone (with If-Match), send webhooks, record the audit trail")
    .addOption(dir())
    .addOption(selector())
    .addOption(stateDir())
    .option("--plan <file>", "apply exactly this saved plan (from plan --out)")
    .option("--at <iso>", "evaluate holidays and overrides at this instant (default: now)")
    .option(
      "--webhook-wait <seconds>",
      "how long to wait for webhook deliveries before leaving them pending",
      "30",
    )
    .option("--ignore-sync-windows", "write even inside a reconcile.syncWindows deny window")
    .addOption(configFrom())
    .action(
      (o: {
        dir: string;
        selector?: string[];
        stateDir?: string;
        plan?: string;
        at?: string;
        webhookWait: string;
        ignoreSyncWindows?: boolean;
        configFrom?: string;
      }) => run(async () => (await import("./apply-command.js")).applyCommand(io, defined(o))),
    );

  program
    .command("reconcile")
    .description(
      "the daemon: keep CXone equal to the desired state (runs until SIGTERM; --once for one pass)",
    )
    .addOption(dir())
    .addOption(selector())
    .addOption(stateDir())
    .option("--repo <url>", "follow this git remote instead of --dir (cloned under the state directory)")
    .option("--branch <branch>", "with --repo: the branch to follow (default: the remote's default)")
    .option("--once", "one full pass, then exit (0 all reconciled, 1 some failed)")
    .addOption(
      new Option(
        "--mode <mode>",
        "enforce writes; report only records drift (default: reconcile.mode)",
      ).choices(["enforce", "report"]),
    )
    .option("--listen <host:port>", "serve /healthz, /readyz, /metrics and POST /hooks/git")
    .action(
      (o: {
        dir: string;
        stateDir?: string;
        repo?: string;
        branch?: string;
        once?: boolean;
        mode?: string;
        listen?: string;
      }) => run(async () => (await import("./reconcile-command.js")).reconcileCommand(io, defined(o))),
    );

  program
    .command("demo")
    .description(
      "the whole loop on loopback: simulator, webhook receiver, reconciler, audit trail (npm start)",
    )
    .option("--dir <dir>", "desired-state directory (default: the shipped example of the profile)")
    .option("--profile <profile>", "tutorial (default) or cxone-admin: the simulated API's shape")
    .action((o: { dir?: string; profile?: string }) =>
      run(async () => (await import("./demo-command.js")).demoCommand(io, defined(o))),
    );

  program
    .command("init")
    .description("scaffold a schedules repository: dialwindow.yaml, folders, workflows, editor schemas")
    .argument("[dir]", "where (default: the current directory)")
    .option("--force", "replace files that already exist")
    .action((target: string | undefined, o: { force?: boolean }) =>
      run(async () =>
        (await import("./init-command.js")).initCommand(io, defined({ dir: target, force: o.force })),
      ),
    );

  program
    .command("import")
    .description("write live CXone schedules as CampaignSchedule YAML (onboarding)")
    .addOption(dir())
    .option("--out <dir>", "where to write campaigns/imported/*.yaml (default: --dir)")
    .option("--campaign <id>", "only this campaign id (repeatable; default: all)", collect)
    .option("--force", "overwrite files that already exist")
    .action((o: { dir: string; out?: string; campaign?: string[]; force?: boolean }) =>
      run(async () => (await import("./import-command.js")).importCommand(io, defined(o))),
    );

  program
    .command("simulator")
    .description("run the local CXone simulator until Ctrl+C")
    .addOption(
      new Option("--profile <profile>", "the API it speaks")
        .choices(["tutorial", "cxone-admin"])
        .default("tutorial"),
    )
    .option("--port <n>", "port on 127.0.0.1 (default: any free port)")
    .option("--campaigns <file>", 'tutorial: seed from JSON {"campaigns":[{id,name,schedule}]}')
    .option("--seed <dir>", "tutorial: seed from a desired-state directory (in sync as of now)")
    .option(
      "--skills <file>",
      'cxone-admin: seed from JSON {"skills":[{skillId,skillName,scheduleSettings}]}',
    )
    .option("--rpm <n>", "requests per minute per client before 429 (default 200)")
    .option("--state <file>", "tutorial: keep campaigns in this JSON file across restarts")
    .action(
      (o: {
        profile?: string;
        port?: string;
        campaigns?: string;
        seed?: string;
        skills?: string;
        rpm?: string;
        state?: string;
      }) => run(async () => (await import("./simulator-command.js")).simulatorCommand(io, defined(o))),
    );

  const webhooks = program.command("webhooks").description("inspect and redeliver WFM webhook deliveries");
  webhooks
    .command("list")
    .description("show each change's deliveries: pending, delivered or dead")
    .addOption(dir())
    .addOption(stateDir())
    .addOption(
      new Option("--state <state>", "only deliveries in this state").choices([
        "pending",
        "delivered",
        "dead",
      ]),
    )
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((o: { dir: string; stateDir?: string; state?: string; format: string }) =>
      run(async () => (await import("./webhooks-command.js")).webhooksListCommand(io, defined(o))),
    );
  webhooks
    .command("retry")
    .description(
      "redeliver dead letters (all, or --change ID) and anything pending; exit 1 if some remain undelivered",
    )
    .addOption(dir())
    .addOption(stateDir())
    .option("--change <id>", "only this change id (repeatable)", collect)
    .option("--webhook-wait <seconds>", "how long to keep trying", "60")
    .action((o: { dir: string; stateDir?: string; change?: string[]; webhookWait: string }) =>
      run(async () => (await import("./webhooks-command.js")).webhooksRetryCommand(io, defined(o))),
    );

  const audit = program.command("audit").description("the git audit trail");
  audit
    .command("verify")
    .description("check the audit trail's hash chain as published (exit 0 intact, 1 broken)")
    .addOption(dir())
    .addOption(stateDir())
    .option("--remote <url>", "read the trail from this remote (default: the checkout's origin)")
    .option("--branch <branch>", "audit branch (default: audit.branch)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((o: { dir: string; stateDir?: string; remote?: string; branch?: string; format: string }) =>
      run(async () => (await import("./audit-command.js")).auditVerifyCommand(io, defined(o))),
    );

  return program;
}

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
