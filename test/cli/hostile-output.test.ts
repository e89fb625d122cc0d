/**
 * Values from outside (CXone's answers, file names, YAML values quoted in findings) printed in
 * every output format: they must show as data, never as terminal control sequences, Markdown
 * structure in the pull-request comment, or a second GitHub workflow command.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runInProcess } from "../helpers/cli.js";
import { driftByHand, makeWorld, type World } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const EAST = "223456789012345678";

/** Everything at once: a fence, a heading, an image, HTML, a table cell, terminal escapes, CI commands. */
const HOSTILE =
  "```\n# Pwned\n![x](http://evil)\n<img src=x>\n| a | b |\n\u001b[2J\u001b]0;title\u0007\n::error::injected ##[add-mask]x \u202eevil\u009b31m";
/** Short enough to survive the client's 60-character excerpt of an unexpected value. */
const HOSTILE_PAUSE = "```\n# Pwned ![x](http://evil) <img src=x> |";
const UNMANAGED = "999000000000000002";

/** C0 (but newline), DEL, C1, bidi controls and line separators: nothing a terminal or a reader should get raw. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function plan(world: World, ...args: string[]) {
  return runInProcess(["plan", "--dir", world.dir, "--at", AT, "--show-unmanaged", ...args], {
    env: world.env,
    now: AT,
  });
}

async function hostileWorld(): Promise<World> {
  const world = await makeWorld();
  const q4 = world.sim.getCampaign(Q4);
  assert.ok(q4);
  world.sim.editSchedule(Q4, { ...q4.schedule, timezone: HOSTILE });
  const east = world.sim.getCampaign(EAST);
  assert.ok(east);
  world.sim.editSchedule(EAST, { ...east.schedule, pauseConditions: [HOSTILE_PAUSE as never] });
  world.sim.upsertCampaigns([
    {
      id: UNMANAGED,
      name: HOSTILE,
      schedule: { timezone: "UTC", dialingHours: [], pauseConditions: [] },
    },
  ]);
  return world;
}

/** Text meant for a terminal or a CI log: no control characters, no line a runner would take as a command. */
function assertSafeText(text: string): void {
  assert.doesNotMatch(text, UNSAFE, "a control character reached the output");
  for (const line of text.split("\n")) {
    assert.doesNotMatch(line, /^\s*::/, `a line reads as a workflow command: ${line}`);
    assert.doesNotMatch(line, /^\s*# Pwned/, `a value started its own line: ${line}`);
    assert.ok(!line.includes("##["), `a line carries a ##[ command: ${line}`);
  }
}

/**
 * A line with code spans and backslash escapes folded away (CommonMark's rules), so what is
 * left is what a Markdown renderer would interpret.
 */
function interpreted(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === "\\" && /[!-/:-@[-`{-~]/.test(line[i + 1] ?? "")) {
      out += "E";
      i += 2;
      continue;
    }
    if (ch === "`") {
      let n = 0;
      while (line[i + n] === "`") n++;
      let j = i + n;
      let close = -1;
      while (j < line.length) {
        if (line[j] !== "`") {
          j++;
          continue;
        }
        let m = 0;
        while (line[j + m] === "`") m++;
        if (m === n) {
          close = j;
          break;
        }
        j += m;
      }
      if (close >= 0) {
        out += "C";
        i = close + n;
      } else {
        out += "`".repeat(n);
        i += n;
      }
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** GFM table cells: a pipe directly after a backslash is part of the cell. */
function cellCount(row: string): number {
  let pipes = 0;
  for (let i = 0; i < row.length; i++) if (row[i] === "|" && row[i - 1] !== "\\") pipes++;
  return pipes - 1;
}

const OWN_HEADINGS =
  /^#### (Changed in this revision|Changed by hand in CXone \(drift\)|Moved by a holiday, override or clock change|Different in CXone|Errors) \(\d+\)$/;

/** The comment has only the structure dialwindow wrote: its fences, its headings, its tables, its tags. */
function assertSafeMarkdown(md: string): void {
  assert.doesNotMatch(md, UNSAFE, "a control character reached the comment");
  const lines = md.split("\n");
  let fence: string | undefined;
  const infos: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (fence !== undefined) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close && (close[1] as string)[0] === fence[0] && (close[1] as string).length >= fence.length)
        fence = undefined;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      fence = open[1] as string;
      infos.push((open[2] as string).trim());
      continue;
    }
    // dialwindow's own: the title (line 2) and one heading per cause group.
    const ours = index === 1 || OWN_HEADINGS.test(line);
    if (!ours) assert.doesNotMatch(line, /^ {0,3}#{1,6}(\s|$)/, `an injected heading: ${line}`);
    assert.doesNotMatch(line, /^ {0,3}(=+|-{2,})\s*$/, `an injected setext underline: ${line}`);
    if (line.startsWith("|")) assert.equal(cellCount(line), 5, `a table row with injected cells: ${line}`);
    const live = interpreted(
      line
        .replace("<!-- dialwindow-plan -->", "")
        .replace(/<\/?details>|<\/?summary>/g, "")
        .replace(/\\\|/g, "P"),
    );
    assert.ok(!live.includes("!["), `an injected image: ${line}`);
    assert.ok(!live.includes("]("), `an injected link: ${line}`);
    assert.ok(!live.includes("<"), `injected HTML: ${line}`);
    assert.doesNotMatch(live, /https?:\/\//, `an autolink: ${line}`);
  }
  assert.equal(fence, undefined, "a fence was left open");
  assert.ok(
    infos.every((i) => i === "diff"),
    `only dialwindow's diff fences open: ${JSON.stringify(infos)}`,
  );
}

describe("hostile live values in plan output", () => {
  it("text: no control sequences, no forged lines", async () => {
    const world = await hostileWorld();
    const r = await plan(world);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /~ q4-outreach \(123456789012345678\)/);
    assert.match(r.stdout, /Unmanaged \(in CXone, in no file\): 1/);
    assertSafeText(r.stdout);
    assertSafeText(r.stderr);
  });

  it("markdown: the comment keeps only its own fences, heading, table and tags", async () => {
    const world = await hostileWorld();
    const r = await plan(world, "--format", "markdown");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^<!-- dialwindow-plan -->\n### dialwindow plan: /);
    assert.match(r.stdout, /```diff\n/);
    assertSafeMarkdown(r.stdout);
  });

  it("json: parses, and carries the values exactly", async () => {
    const world = await hostileWorld();
    const r = await plan(world, "--format", "json");
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    const q4 = doc.changes.find((c: { campaignId: string }) => c.campaignId === Q4);
    assert.deepEqual(q4.diff[0], {
      path: "timezone",
      op: "replace",
      before: HOSTILE,
      after: "America/Chicago",
    });
    assert.equal(q4.before.timezone, HOSTILE);
    assert.deepEqual(doc.unmanaged, [{ campaignId: UNMANAGED, name: HOSTILE }]);
    const east = doc.changes.find((c: { campaignId: string }) => c.campaignId === EAST);
    assert.equal(east.action, "error");
    assert.ok(east.error.includes(JSON.stringify(HOSTILE_PAUSE)), east.error);
  });
});

describe("hostile values from CXone and receivers in other commands", () => {
  it("apply: CXone's 422 reason is printed as data", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    world.sim.injectFault({
      kind: "patch",
      campaignId: Q4,
      fault: { type: "status", status: 422, body: { message: HOSTILE } },
    });
    const r = await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✗ q4-outreach .*\(422\)/);
    assertSafeText(r.stdout);
  });

  it("webhooks list: a receiver's answer is printed as data", async () => {
    const world = await makeWorld();
    world.receiver.handler = () => ({ status: 400, body: HOSTILE });
    driftByHand(world, Q4);
    const applied = await runInProcess(["apply", "--dir", world.dir, "--at", AT, "--webhook-wait", "5"], {
      env: world.env,
      now: AT,
    });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const r = await runInProcess(["webhooks", "list", "--dir", world.dir], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dead /m);
    assertSafeText(r.stdout);
    const json = await runInProcess(["webhooks", "list", "--dir", world.dir, "--format", "json"], {
      env: world.env,
      now: AT,
    });
    const [row] = JSON.parse(json.stdout).deliveries;
    assert.ok(row.lastError.includes(HOSTILE), row.lastError);
  });

  it("the error boundary: a token endpoint's reason is printed as data", async () => {
    const world = await makeWorld();
    world.sim.injectFault({
      kind: "token",
      times: 5,
      fault: { type: "status", status: 400, body: { error: "invalid_client", error_description: HOSTILE } },
    });
    const r = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dialwindow: /);
    assertSafeText(r.stderr);
  });
});

describe("hostile file names and YAML values in validate output", () => {
  /** A Config document in campaigns/, under a file name that tries to end the annotation and start another. */
  const EVIL_FILE = "evil\n::error file=x.yaml,line=1::forged%0A,\u001b[2J\u202e.yaml";

  async function evilRepo(): Promise<World> {
    const world = await makeWorld({ noWebhooks: true });
    await writeFile(join(world.dir, "campaigns", EVIL_FILE), "apiVersion: dialwindow/v1\nkind: Config\n");
    const q4 = join(world.dir, "campaigns/collections/q4-outreach.yaml");
    await writeFile(
      q4,
      (await readFile(q4, "utf8")).replace(
        "timezone: America/Chicago",
        'timezone: "Mars/Olympus\\e[2J\\n::warning::forged"',
      ),
    );
    return world;
  }

  it("github: one annotation per finding, each one command, nothing forged", async () => {
    const world = await evilRepo();
    const json = await runInProcess(["validate", "--dir", world.dir, "--format", "json", "--at", AT], {
      cwd: world.dir,
    });
    const findings = JSON.parse(json.stdout).findings as { file: string; code: string }[];
    assert.ok(findings.some((f) => f.file === `campaigns/${EVIL_FILE}` && f.code === "DW009"));
    assert.ok(findings.some((f) => f.code === "DW110"));

    const r = await runInProcess(["validate", "--dir", world.dir, "--format", "github", "--at", AT], {
      cwd: world.dir,
    });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, UNSAFE);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.pop(), `dialwindow: ${findings.length} errors`);
    assert.equal(lines.length, findings.length, "one line per finding");
    for (const line of lines) {
      const m = /^::(error|warning) ([^:]*)::(.*)$/.exec(line);
      assert.ok(m, `not one workflow command: ${line}`);
      const props = (m[2] as string).split(",").map((p) => p.split("=")[0]);
      assert.deepEqual(props, ["file", "line", "col", "title"], line);
    }
    const evil = lines.find((l) => l.includes("DW009"));
    assert.ok(evil?.startsWith("::error file=campaigns/evil"), evil);
  });

  it("text: file names and quoted values print as data", async () => {
    const world = await evilRepo();
    const r = await runInProcess(["validate", "--dir", world.dir, "--at", AT], { cwd: world.dir });
    assert.equal(r.code, 1);
    assertSafeText(r.stdout);
    assert.match(r.stdout, /^campaigns\/evil\\n::error file=x\.yaml/m);
  });
});
