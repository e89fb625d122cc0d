/**
 * The published package, as a team gets it: `npm pack`, installed into an empty folder with
 * no network (npm --offline, from the cache `npm ci` filled), then `--version` and `validate`
 * through the installed binary, and `init`, `import` against the simulator, `plan` and `diff`
 * through the installed copy's own CLI module loaded in this process: the same files, the same
 * dependencies resolved from the install, one node start each saved (the installed bin link,
 * shebang and start-up are what `--version` and `validate` prove).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { DateTime } from "luxon";
import { runCli } from "../../src/cli/main.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startSimulator } from "../../src/simulator/index.js";
import { packageRoot } from "../../src/util/paths.js";
import { inProcessIo } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { GIT_ENV, gitIn } from "../helpers/world.js";

const run = promisify(execFile);

interface LockEntry {
  version?: string;
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * A lockfile for the empty project: our own production entries, plus the tarball. With it,
 * `npm ci --offline` resolves everything from the cache by integrity, never the registry.
 */
async function lockFor(tarball: string, name: string): Promise<object> {
  const ours = JSON.parse(await readFile(join(packageRoot(), "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(await readFile(join(packageRoot(), "package.json"), "utf8")) as {
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    engines: Record<string, string>;
    license: string;
  };
  const integrity = `sha512-${createHash("sha512")
    .update(await readFile(tarball))
    .digest("base64")}`;
  const packages: Record<string, LockEntry> = {
    "": { name: "schedules", dependencies: { dialwindow: `file:${name}` } },
    "node_modules/dialwindow": {
      version: pkg.version,
      resolved: `file:${name}`,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path !== "" && !entry.dev && !entry.devOptional) packages[path] = entry;
  }
  return { name: "schedules", lockfileVersion: 3, requires: true, packages };
}

describe("the packed tarball", () => {
  it("installs offline in an empty folder; its binary and its CLI run init, validate, import, plan and diff", async () => {
    const work = await tempDir("dw-pack-");
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: packageRoot(),
    });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(info);
    const files = info.files.map((f) => f.path);
    for (const expected of [
      "dist/src/cli/bin.js",
      "schemas/config.schema.json",
      "policies/us-federal.yaml",
      "templates/init/dialwindow.yaml",
      "LICENSE",
      "SECURITY.md",
      "CHANGELOG.md",
    ]) {
      assert.ok(files.includes(expected), `the package lacks ${expected}`);
    }
    assert.ok(
      !files.some((f) => f.startsWith("dist/test/") || f.startsWith("src/") || f.startsWith("test/")),
      "no tests or sources in the package",
    );

    const app = join(work, "app");
    await run("mkdir", ["-p", app]);
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({
        name: "schedules",
        private: true,
        dependencies: { dialwindow: `file:../${info.filename}` },
      }),
    );
    await writeFile(
      join(app, "package-lock.json"),
      JSON.stringify(await lockFor(join(work, info.filename), `../${info.filename}`)),
    );
    await run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app });

    const bin = join(app, "node_modules", ".bin", "dialwindow");
    const sim = await startSimulator({ rpm: Number.POSITIVE_INFINITY });
    try {
      sim.upsertCampaigns([
        {
          id: "900000000000000001",
          name: "Renewals Été",
          schedule: {
            timezone: "America/New_York",
            dialingHours: [
              { day: "MON", startTime: "09:00", endTime: "17:00" },
              { day: "WED", startTime: "09:00", endTime: "17:00" },
            ],
            pauseConditions: ["BUSY"],
          },
        },
      ]);
      const env = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        CXONE_API_URL: sim.apiUrl,
        CXONE_TOKEN_URL: sim.tokenUrl,
        CXONE_CLIENT_ID: DEMO_CLIENT_ID,
        CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        ...GIT_ENV,
      };
      // The installed copy's CLI, not this checkout's: its modules, schemas and dependencies.
      const installed = (await import(
        pathToFileURL(join(app, "node_modules", "dialwindow", "dist", "src", "cli", "main.js")).href
      )) as typeof import("../../src/cli/main.js");
      assert.notEqual(installed.runCli, runCli, "the installed module, not this checkout's");
      const dwIn = async (...args: string[]) => {
        const out = { stdout: "", stderr: "" };
        const code = await installed.runCli(
          args,
          inProcessIo(out, { cwd: app, env, now: () => DateTime.utc() }),
        );
        return { code, ...out };
      };
      const dw = async (...args: string[]) => {
        try {
          const r = await run(bin, args, { cwd: app, env });
          return { code: 0, stdout: r.stdout, stderr: r.stderr };
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          return { code: e.code, stdout: e.stdout, stderr: e.stderr };
        }
      };
      const version = await dw("--version");
      assert.equal(
        version.stdout.trim(),
        JSON.parse(await readFile(join(packageRoot(), "package.json"), "utf8")).version,
      );

      const init = await dwIn("init", "schedules");
      assert.equal(init.code, 0, init.stderr);
      for (const file of [
        ".gitignore",
        "dialwindow.yaml",
        "calendars/us-federal.yaml",
        ".github/workflows/dialwindow.yml",
        ".vscode/settings.json",
        "schemas/campaign-schedule.schema.json",
      ]) {
        assert.match(
          init.stdout,
          new RegExp(`^ {2}${file.replaceAll(".", "\\.")} +created$`, "m"),
          `init writes ${file}`,
        );
      }
      const repo = join(app, "schedules");
      const validate = await dw("validate", "--dir", repo);
      assert.equal(validate.code, 0, validate.stdout + validate.stderr);

      const imported = await dwIn("import", "--dir", repo);
      assert.equal(imported.code, 0, imported.stdout + imported.stderr);
      const written = await readdir(join(repo, "campaigns", "imported"));
      assert.equal(written.length, 1, written.join(", "));

      const plan = await dwIn("plan", "--dir", repo);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /No changes/);

      await gitIn(repo, "init", "-q", "-b", "main");
      await gitIn(repo, "add", "-A");
      await gitIn(repo, "commit", "-qm", "imported");
      const file = join(repo, "campaigns", "imported", written[0] as string);
      await writeFile(file, (await readFile(file, "utf8")).replace(/"?17:00"?/, '"16:00"'));
      const diff = await dwIn("diff", "--dir", repo);
      assert.equal(diff.code, 2, diff.stdout + diff.stderr);
      assert.match(diff.stdout, /09:00–17:00 → 09:00–16:00/);
    } finally {
      await sim.close();
    }
  });
});
