/**
 * `import` turns ids and names from the API into file names and YAML. A hostile or broken API
 * must not make it write outside --out, through a link there, or YAML that says something else.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { Schedule } from "../../src/desired/schedule.js";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startSimulator } from "../../src/simulator/index.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";

const AT = "2026-12-01T15:00:00Z";
const SCHEDULE: Schedule = {
  timezone: "America/Chicago",
  dialingHours: [{ day: "MON", startTime: "09:00", endTime: "17:00" }],
  pauseConditions: ["BUSY"],
};

const HOSTILE = [
  { id: "/../../x/PWNED", name: "" },
  { id: "/../../../../victim-dir/PWNED", name: "" },
  { id: "1001", name: "../../../etc/passwd" },
  { id: "1002", name: "a/b/../../c\\d" },
  { id: "1003", name: "evil\u0000name" },
  { id: "1004", name: "CON" },
  { id: "1005", name: "Same Name" },
  { id: "1006", name: "same-name!" },
  { id: "1007", name: "Ünïcödé Çampaign" },
  { id: "1008", name: "" },
  { id: "1009", name: "../" },
  { id: "1010", name: 'x"\n# evil: yes\nkind: Config\u2028apiVersion: evil\u0085\u001b[31m' },
  { id: "1011", name: "lpt1" },
];

async function hostileWorld() {
  const sim = await startSimulator({
    rpm: Number.POSITIVE_INFINITY,
    campaigns: HOSTILE.map((c) => ({ ...c, schedule: SCHEDULE })),
  });
  after(() => sim.close());
  const env = {
    CXONE_API_URL: sim.apiUrl,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
  };
  const root = await tempDir("dw-import-hostile-");
  await mkdir(join(root, "victim-dir"));
  await mkdir(join(root, "x"));
  const out = join(root, "out");
  return { sim, env, root, out };
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe("import: hostile ids and names", () => {
  it("writes only inside --out, from safe slugs, with YAML that reads back as written", async () => {
    const { env, root, out } = await hostileWorld();
    const imp = await runInProcess(["import", "--dir", out], { env, now: AT });

    // Nothing outside --out: the traversal targets stay empty.
    assert.deepEqual(await filesUnder(join(root, "victim-dir")), []);
    assert.deepEqual(await filesUnder(join(root, "x")), []);
    const outside = (await filesUnder(root)).filter((f) => !f.startsWith(`out/`));
    assert.deepEqual(outside, []);

    // The ids that can never be managed are refused by name, quoted; the rest are imported.
    assert.equal(imp.code, 1, imp.stdout + imp.stderr);
    assert.match(
      imp.stderr,
      /✗ campaign "\/\.\.\/\.\.\/x\/PWNED": .*not a campaign id dialwindow can manage/,
    );
    assert.match(imp.stdout, /Imported 11 campaign\(s\), 2 failed\./);
    const files = await filesUnder(out);
    const names = files
      .filter((f) => f.startsWith("campaigns/"))
      .map((f) => f.slice("campaigns/imported/".length));
    assert.equal(names.length, 11, files.join("\n"));
    for (const name of names) assert.match(name, /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.yaml$/);
    assert.ok(names.includes("etc-passwd.yaml"), names.join(" "));
    assert.ok(names.includes("unicode-campaign.yaml"), names.join(" "));
    assert.ok(names.includes("same-name.yaml"), names.join(" "));
    assert.ok(
      names.some((n) => /^same-name-[0-9a-f]{6,}\.yaml$/.test(n)),
      names.join(" "),
    );
    // Windows cannot create CON.yaml or lpt1.yaml in any folder.
    assert.ok(!names.some((n) => /^(con|prn|aux|nul|com\d|lpt\d)\.yaml$/.test(n)), names.join(" "));

    // Each file is one CampaignSchedule document whose values are exactly what CXone holds.
    for (const file of files.filter((f) => f.startsWith("campaigns/"))) {
      const text = await readFile(join(out, file), "utf8");
      const raw = [...text].filter(
        (ch) => (ch < " " && ch !== "\n") || (ch >= "\u007f" && ch <= "\u009f") || ch === "\u2028",
      );
      assert.deepEqual(raw, [], `${file} holds a raw control character or line separator`);
      const docs = parseAllDocuments(text);
      assert.equal(Array.isArray(docs) ? docs.length : 0, 1, `${file}: ${text}`);
      const value = (docs as { toJS(): unknown }[])[0]?.toJS() as {
        kind: string;
        metadata: { campaignId: string };
      };
      assert.equal(value.kind, "CampaignSchedule", text);
      assert.ok(HOSTILE.some((c) => c.id === value.metadata.campaignId));
    }

    // The CXone name survives in the header comment, escaped, and reads back as it was.
    const tricky = await readFile(
      join(out, "campaigns/imported/x-evil-yes-kind-config-apiversion-evil-31m.yaml"),
      "utf8",
    );
    const quoted = /^# Imported from CXone by dialwindow import \(CXone name: (".*")\)\.$/m.exec(tricky)?.[1];
    assert.equal(parseAllDocuments(`v: ${quoted}`)[0]?.toJS().v, HOSTILE[11]?.name, tricky);

    // Import then plan: no change.
    const plan = await runInProcess(["plan", "--dir", out, "--at", AT], { env, now: AT });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /Plan: 0 to update, 11 unchanged\./);
  });

  it("never writes through a link in --out: not a linked folder, not a linked file with --force", async () => {
    const { env, root, out } = await hostileWorld();
    const elsewhere = join(root, "victim-dir");
    await mkdir(join(out, "campaigns"), { recursive: true });
    await symlink(elsewhere, join(out, "campaigns", "imported"));
    const first = await runInProcess(["import", "--dir", out, "--out", out, "--campaign", "1001"], {
      env,
      now: AT,
    });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, /campaigns\/imported is a symbolic link/);
    assert.deepEqual(await filesUnder(elsewhere), []);

    // A file link where the campaign would go, and a dangling dialwindow.yaml link.
    const victim = join(root, "x", "victim.txt");
    await writeFile(victim, "victim\n");
    const out2 = join(root, "out2");
    await mkdir(join(out2, "campaigns", "imported"), { recursive: true });
    await symlink(victim, join(out2, "campaigns", "imported", "etc-passwd.yaml"));
    await symlink(join(root, "x", "created-through-link.yaml"), join(out2, "dialwindow.yaml"));
    const second = await runInProcess(
      ["import", "--dir", out2, "--out", out2, "--campaign", "1001", "--force"],
      {
        env,
        now: AT,
      },
    );
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stderr, /etc-passwd\.yaml is a symbolic link/);
    assert.equal(await readFile(victim, "utf8"), "victim\n");
    assert.deepEqual(await filesUnder(join(root, "x")), ["victim.txt"]);
  });
});
