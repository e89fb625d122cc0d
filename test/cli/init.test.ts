/** `dialwindow init`: a valid schedules repository, existing files kept, links never written through. */
import assert from "node:assert/strict";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { packageVersion } from "../../src/util/paths.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";

describe("dialwindow init", () => {
  it("scaffolds a repository that validates, with the workflow pinned to this version", async () => {
    const dir = join(await tempDir("dw-init-"), "schedules");
    const r = await runInProcess(["init", dir]);
    assert.equal(r.code, 0, r.stderr);
    const validate = await runInProcess(["validate", "--dir", dir]);
    assert.equal(validate.code, 0, validate.stdout);
    assert.match(validate.stdout, /✓ valid: 0 campaigns, 1 calendar/);

    const config = await readFile(join(dir, "dialwindow.yaml"), "utf8");
    assert.match(config, /^# yaml-language-server: \$schema=\.\/schemas\/config\.schema\.json/);
    for (const section of ["cxone:", "policy:", "webhooks:", "audit:", "reconcile:"]) {
      assert.match(config, new RegExp(`^${section}`, "m"), `${section} is there`);
    }
    assert.match(config, /push: true pushes each audit commit/);

    const workflow = parse(await readFile(join(dir, ".github/workflows/dialwindow.yml"), "utf8"));
    const uses = JSON.stringify(workflow).match(/dialwindow\/dialwindow@v[^"]+/g) ?? [];
    assert.ok(uses.length >= 4);
    assert.ok(
      uses.every((u) => u === `dialwindow/dialwindow@v${packageVersion()}`),
      uses.join(" "),
    );
    assert.deepEqual(workflow.permissions, {}, "no permission unless a job asks");
    assert.deepEqual(workflow.jobs.review.permissions, { contents: "read" });
    const settings = JSON.parse(await readFile(join(dir, ".vscode/settings.json"), "utf8"));
    assert.ok(settings["yaml.schemas"]["./schemas/campaign-schedule.schema.json"]);
    assert.match(await readFile(join(dir, ".gitignore"), "utf8"), /^\.dialwindow\/$/m);
  });

  it("keeps existing files unless --force, and never writes through a link", async () => {
    const dir = await tempDir("dw-init-");
    await writeFile(join(dir, "dialwindow.yaml"), "# mine\n");
    const kept = await runInProcess(["init", dir]);
    assert.equal(kept.code, 0);
    assert.match(kept.stdout, /dialwindow\.yaml +kept {2}\(exists; kept, use --force to replace\)/);
    assert.equal(await readFile(join(dir, "dialwindow.yaml"), "utf8"), "# mine\n");

    const forced = await runInProcess(["init", dir, "--force"]);
    assert.match(forced.stdout, /dialwindow\.yaml +replaced/);

    const victim = join(await tempDir("dw-victim-"), "victim.txt");
    await writeFile(victim, "untouched");
    const other = await tempDir("dw-init-");
    await symlink(victim, join(other, "dialwindow.yaml"));
    const refused = await runInProcess(["init", other, "--force"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /dialwindow\.yaml exists and is not a regular file .* will not write through it/,
    );
    assert.equal(await readFile(victim, "utf8"), "untouched");
  });
});
