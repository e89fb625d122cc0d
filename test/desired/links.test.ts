/**
 * A pull request can commit symbolic links. The loader must never read through one that leaves
 * the desired-state directory (CI would quote what it read in annotations), while links that
 * stay inside keep working.
 */
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runInProcess } from "../helpers/cli.js";
import { tempDir, writeTree } from "../helpers/fs.js";

const NOW = "2026-11-27T12:00:00Z";
const CONFIG = "apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: 35 }\n";
/** What a loader that read it would quote back: an unknown kind is shown in its finding. */
const SECRET_TEXT = "apiVersion: dialwindow/v1\nkind: ghp_0utsideSecretValue0123456789\n";
const SECRET_MARKERS = [/0utsideSecretValue/, /ghp_/];

function campaign(name: string, id: string): string {
  return `apiVersion: dialwindow/v1
kind: CampaignSchedule
metadata:
  name: ${name}
  campaignId: "${id}"
spec:
  timezone: America/Chicago
  dialingHours:
    - days: [MON, TUE, WED, THU, FRI]
      start: "09:00"
      end: "17:00"
`;
}

/** A desired-state directory and, beside it, a folder of secrets it must not reach. */
async function setting() {
  const root = await tempDir("dw-links-");
  const dir = join(root, "repo");
  const outside = join(root, "outside");
  await writeTree(dir, { "dialwindow.yaml": CONFIG, "campaigns/a.yaml": campaign("a", "1") });
  await writeTree(outside, { "secret.yaml": SECRET_TEXT, "more/x.yaml": SECRET_TEXT });
  return { root, dir, outside };
}

async function validateAll(dir: string) {
  const text = await runInProcess(["validate", "--dir", dir], { now: NOW });
  const json = await runInProcess(["validate", "--dir", dir, "--format", "json"], { now: NOW });
  // In Actions the workspace is the current directory; annotation paths are relative to it.
  const github = await runInProcess(["validate", "--dir", ".", "--format", "github"], { now: NOW, cwd: dir });
  return { text, json, github };
}

function assertNothingLeaked(...outputs: { stdout: string; stderr: string }[]): void {
  for (const out of outputs) {
    for (const marker of SECRET_MARKERS) assert.doesNotMatch(out.stdout + out.stderr, marker);
    assert.doesNotMatch(out.stdout + out.stderr, /outside\//, "the target's path is not shown");
  }
}

describe("loader: links that leave --dir are findings, and nothing is read through them", () => {
  const cases: { what: string; link: string; target: (outside: string) => string }[] = [
    { what: "a campaign file", link: "campaigns/leak.yaml", target: (o) => join(o, "secret.yaml") },
    { what: "a folder in campaigns/", link: "campaigns/shared", target: (o) => join(o, "more") },
    { what: "the calendars/ folder", link: "calendars", target: (o) => join(o, "more") },
    { what: "a policy file", link: "policies/p.yaml", target: (o) => join(o, "secret.yaml") },
    { what: "dialwindow.yaml", link: "dialwindow.yaml", target: (o) => join(o, "secret.yaml") },
  ];
  for (const c of cases) {
    it(`${c.what} linked outside: DW017 naming the link, exit 1, in text, json and github formats`, async () => {
      const { dir, outside } = await setting();
      await mkdir(join(dir, c.link, ".."), { recursive: true });
      if (c.link === "dialwindow.yaml")
        await import("node:fs/promises").then((fs) => fs.rm(join(dir, c.link)));
      await symlink(c.target(outside), join(dir, c.link));

      const { text, json, github } = await validateAll(dir);
      assert.equal(text.code, 1, text.stdout);
      const escaped = c.link.replace(/[./]/g, (ch) => `\\${ch}`);
      assert.match(
        text.stdout,
        new RegExp(
          `^${escaped}:1:1: error DW017 link-leaves-directory: ${escaped} is a symbolic link to something outside the desired-state directory`,
          "m",
        ),
      );
      assert.match(text.stdout, /replace the link with the file or folder itself/i);
      assert.equal(json.code, 1);
      const doc = JSON.parse(json.stdout);
      assert.ok(
        doc.findings.some((f: { code: string; file: string }) => f.code === "DW017" && f.file === c.link),
      );
      assert.equal(github.code, 1);
      assert.match(
        github.stdout,
        new RegExp(`^::error file=${escaped},line=1,col=1,title=DW017 link-leaves-directory::`, "m"),
      );
      assertNothingLeaked(text, json, github);
    });
  }

  it("a link whose target does not exist is DW017 too, not a silently missing file", async () => {
    const { dir, root } = await setting();
    await symlink(join(root, "nowhere.yaml"), join(dir, "campaigns/gone.yaml"));
    await symlink(join(root, "nowhere"), join(dir, "policies"));
    const r = await runInProcess(["validate", "--dir", dir], { now: NOW });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^campaigns\/gone\.yaml:1:1: error DW017 .*whose target does not exist/m);
    assert.match(r.stdout, /^policies:1:1: error DW017 .*whose target does not exist/m);
  });

  it("a link into a hidden folder inside --dir (.git/config holds CI's token) is DW017", async () => {
    const { dir } = await setting();
    await writeTree(dir, { ".git/config": SECRET_TEXT });
    await symlink("../.git/config", join(dir, "campaigns/config.yaml"));
    const { text, github } = await validateAll(dir);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^campaigns\/config\.yaml:1:1: error DW017 .*hidden/m);
    assertNothingLeaked(text, github);
  });
});

describe("loader: links that stay inside --dir keep working", () => {
  it("file and folder links inside are read (each file once), and a link cycle does not loop", async () => {
    const { dir } = await setting();
    await writeTree(dir, {
      "shared/b.yaml": campaign("b", "2"),
      "team-campaigns/c.yaml": campaign("c", "3"),
    });
    await symlink("../shared/b.yaml", join(dir, "campaigns/b.yaml"));
    await symlink("../team-campaigns", join(dir, "campaigns/team"));
    // Aliases of what is read anyway: read once, so no duplicate-name findings.
    await symlink("a.yaml", join(dir, "campaigns/a-again.yaml"));
    await symlink(".", join(dir, "campaigns/loop"));
    await symlink("../campaigns", join(dir, "team-campaigns/back"));
    const r = await runInProcess(["validate", "--dir", dir], { now: NOW });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /✓ valid: 3 campaigns/);
  });

  it("--dir may itself be a link (git-sync's layout); links inside are judged against where it points", async () => {
    const { root, dir } = await setting();
    await writeTree(dir, { "shared/b.yaml": campaign("b", "2") });
    await symlink("../shared/b.yaml", join(dir, "campaigns/b.yaml"));
    const current = join(root, "current");
    await symlink(dir, current);
    const r = await runInProcess(["validate", "--dir", current], { now: NOW });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /✓ valid: 2 campaigns/);
  });

  it("a *.yaml link to a folder inside is read as that folder", async () => {
    const { dir } = await setting();
    await writeTree(dir, { "more/d.yaml": campaign("d", "4") });
    await symlink("../more", join(dir, "campaigns/linked.yaml"));
    await writeFile(join(dir, "campaigns/e.yaml"), campaign("e", "5"));
    const r = await runInProcess(["validate", "--dir", dir], { now: NOW });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /✓ valid: 3 campaigns/);
  });
});
