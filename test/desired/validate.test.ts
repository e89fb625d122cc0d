import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { validateDesiredState } from "../../src/desired/validate.js";
import { runBinary, runInProcess } from "../helpers/cli.js";
import { exampleRepo, repoPath, tempDir, writeTree } from "../helpers/fs.js";

const AT = DateTime.fromISO("2026-11-27T12:00:00Z");
const NOW = "2026-11-27T12:00:00Z";

const CONFIG = "apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: 35 }\n";

function campaign(name: string, id: string, extra = ""): string {
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
${extra}`;
}

async function repo(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, { "dialwindow.yaml": CONFIG, ...files });
  return dir;
}

async function validate(dir: string) {
  return runInProcess(["validate", "--dir", dir], { now: NOW });
}

describe("validate: the shipped example", () => {
  it("desired-state/ validates clean", async () => {
    const result = await runInProcess(["validate", "--dir", repoPath("desired-state")], { now: NOW });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /✓ valid: 7 campaigns, 2 calendars/);
  });

  it("reports campaigns, calendars and findings as JSON", async () => {
    const result = await runInProcess(["validate", "--dir", repoPath("desired-state"), "--format", "json"], {
      now: NOW,
    });
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.formatVersion, 1);
    assert.equal(doc.valid, true);
    assert.equal(doc.summary.campaigns, 7);
    assert.equal(doc.summary.errors, 0);
  });
});

describe("validate: bad input gets one clear, located error", () => {
  it("malformed YAML", async () => {
    const dir = await repo({ "campaigns/a.yaml": `${campaign("a", "1")}  pauseConditions: [NO_ANSWER\n` });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^campaigns\/a\.yaml:\d+:\d+: error DW001 yaml-syntax: YAML syntax error/m);
    assert.doesNotMatch(r.stdout + r.stderr, /at .*\.js:\d+/); // no stack trace
  });

  it("a YAML alias bomb is refused quickly, not expanded", async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const dir = await repo({ "campaigns/bomb.yaml": `${lines.join("\n")}\n` });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^campaigns\/bomb\.yaml:1:1: error DW004 yaml-alias-limit: .*billion laughs/m);
  });

  it("a 50 MB file is refused without being parsed", async () => {
    const dir = await repo({});
    await writeTree(dir, { "campaigns/huge.yaml": `# ${"x".repeat(50 * 1024 * 1024)}\n` });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/huge\.yaml:1:1: error DW002 file-too-large: campaigns\/huge\.yaml is 50\.0 MiB, over the 1\.0 MiB limit/m,
    );
  });

  it("a file that is not UTF-8, located at the bad byte", async () => {
    const text = Buffer.from(campaign("latin", "7"), "utf8");
    const bad = Buffer.concat([text.subarray(0, 60), Buffer.from([0xe9]), text.subarray(60)]);
    const dir = await repo({ "campaigns/latin1.yaml": bad });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/latin1\.yaml:4:\d+: error DW003 not-utf8: .*invalid byte 0xe9 at byte 60\); save it as UTF-8/m,
    );
  });

  it("a campaign id written as a number names the precision loss", async () => {
    const dir = await repo({
      "campaigns/n.yaml": campaign("n", "1").replace('campaignId: "1"', "campaignId: 123456789012345678"),
    });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/n\.yaml:5:15: error DW014 campaign-id-not-string: .*campaignId: "123456789012345678".*becomes 123456789012345680/m,
    );
  });

  it("an unknown key suggests the right one", async () => {
    const dir = await repo({ "campaigns/k.yaml": campaign("k", "2", "  pauseConditons: [BUSY]\n") });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/k\.yaml:12:3: error DW011 unknown-key: unknown key `pauseConditons` in `spec`: did you mean `pauseConditions`\?/m,
    );
  });

  it("a calendar referenced by name that does not exist", async () => {
    const dir = await repo({
      "campaigns/c.yaml": campaign("c", "3", "  holidays:\n    calendars: [us-federl]\n"),
    });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/c\.yaml:13:17: error DW120 unknown-calendar: no HolidayCalendar named "us-federl"/m,
    );
  });

  it("an empty repository", async () => {
    const dir = await tempDir();
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:1:1: error DW006 empty-repository: no desired state found in /m,
    );
    assert.equal(r.stdout.split("\n").filter((l) => l.includes(": error DW")).length, 1);
  });

  it("a directory that does not exist is the same clear error", async () => {
    const dir = join(await tempDir(), "nope");
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /DW006 empty-repository/);
  });

  it("a missing dialwindow.yaml next to campaigns", async () => {
    const dir = await tempDir();
    await writeTree(dir, { "campaigns/a.yaml": campaign("a", "1") });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^dialwindow\.yaml:1:1: error DW007 missing-config/m);
  });

  it("each bad case exits 1 through the real binary too, without a stack trace", async () => {
    const dir = await repo({
      "campaigns/n.yaml": campaign("n", "1").replace('campaignId: "1"', "campaignId: 42"),
    });
    const r = await runBinary(["validate", "--dir", dir, "--at", NOW]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /campaigns\/n\.yaml:5:15: error DW014/);
    assert.equal(r.stderr, "");
  });
});

describe("validate: semantic rules", () => {
  it("overlapping windows and start after end, each located", async () => {
    const dir = await repo({
      "campaigns/o.yaml": campaign(
        "o",
        "4",
        '    - days: [FRI]\n      start: "16:00"\n      end: "18:00"\n    - days: [SAT]\n      start: "12:00"\n      end: "11:00"\n',
      ),
    });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/o\.yaml:12:7: error DW102 overlapping-windows: window 16:00–18:00 overlaps 09:00–17:00 \(spec\.dialingHours\[0\]\) on FRI/m,
    );
    assert.match(r.stdout, /^campaigns\/o\.yaml:17:12: error DW101 window-start-not-before-end/m);
  });

  it("duplicate names and campaign ids across files", async () => {
    const dir = await repo({
      "campaigns/a.yaml": campaign("same", "100"),
      "campaigns/b.yaml": campaign("same", "100"),
    });
    const r = await validate(dir);
    assert.match(
      r.stdout,
      /^campaigns\/b\.yaml:4:9: error DW130 duplicate-name: .*already used in campaigns\/a\.yaml/m,
    );
    assert.match(
      r.stdout,
      /^campaigns\/b\.yaml:5:15: error DW131 duplicate-campaign-id: .*already managed by same in campaigns\/a\.yaml/m,
    );
  });

  it("an invalid time zone, an impossible date, a reversed override", async () => {
    const extra = `  holidays:
    dates: ["2026-02-30"]
  overrides:
    - name: backwards
      from: "2026-12-10"
      to: "2026-12-01"
      dialingHours: []
`;
    const dir = await repo({
      "campaigns/z.yaml": campaign("z", "5", extra).replace("America/Chicago", "CST"),
    });
    const r = await validate(dir);
    assert.match(
      r.stdout,
      /^campaigns\/z\.yaml:7:13: error DW110 unknown-timezone: "CST" is not an IANA time zone/m,
    );
    assert.match(
      r.stdout,
      /^campaigns\/z\.yaml:13:13: error DW121 invalid-date: "2026-02-30" is not a real date/m,
    );
    assert.match(r.stdout, /^campaigns\/z\.yaml:17:11: error DW122 override-range-reversed/m);
  });

  it("too many dialing blocks for the licence tier, including blocks an override adds", async () => {
    const dir = await repo({ "campaigns/b.yaml": campaign("b", "6") });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      "apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: 4 }\n",
    );
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /DW140 too-many-dialing-blocks: this campaign sends 5 dialing blocks .* its weekly hours alone, over limits\.maxDialingBlocks = 4/,
    );

    await writeFile(
      join(dir, "dialwindow.yaml"),
      "apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: 5 }\n",
    );
    const override = `  overrides:
    - name: weekend-push
      from: "2026-12-05"
      to: "2026-12-06"
      dialingHours:
        - { days: [SAT, SUN], start: "10:00", end: "14:00" }
`;
    await writeFile(join(dir, "campaigns/b.yaml"), campaign("b", "6", override));
    const r2 = await validate(dir);
    assert.equal(r2.code, 1);
    assert.match(
      r2.stdout,
      /DW140 too-many-dialing-blocks: this campaign sends 7 dialing blocks .*the week from 2026-11-3/,
    );
  });

  it("a type error in dialwindow.yaml is one finding: no campaign is checked against a default in its place", async () => {
    // Six blocks (over the default limit of 5) from 06:00 (outside the default federal hours):
    // both pass under this file's own limits and policy, which cannot be read while it is invalid.
    const busy = campaign("busy", "16")
      .replace('"09:00"', '"06:00"')
      .replace(
        '      end: "17:00"\n',
        '      end: "17:00"\n    - { days: [SAT], start: "10:00", end: "12:00" }\n',
      );
    const dir = await repo({ "campaigns/busy.yaml": busy });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      'apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: "many" }\npolicy: { callingHours: off }\n',
    );
    const r = await validate(dir);
    assert.equal(r.code, 1);
    const errors = r.stdout.split("\n").filter((l) => l.includes(": error DW"));
    assert.deepEqual(
      errors.map((l) => l.split(": error ")[1]?.slice(0, 5)),
      ["DW013"],
      r.stdout,
    );
    assert.match(errors[0] ?? "", /^dialwindow\.yaml:3:29: error DW013 .*limits\.maxDialingBlocks/);

    // Fixed, the file's own limit and policy apply: nothing to report.
    await writeFile(
      join(dir, "dialwindow.yaml"),
      "apiVersion: dialwindow/v1\nkind: Config\nlimits: { maxDialingBlocks: 6 }\npolicy: { callingHours: off }\n",
    );
    const fixed = await validate(dir);
    assert.equal(fixed.code, 0, fixed.stdout);
  });

  it("secret-looking keys and values are errors that never repeat the value", async () => {
    const dir = await repo({
      "campaigns/s.yaml": campaign("s", "8").replace(
        "  name: s\n",
        "  name: s\n  labels: { apiKey: zz-top-secret-1234 }\n",
      ),
    });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      `${CONFIG}webhooks:\n  - name: wfm\n    url: https://wfm.example.com/hook\n    secretEnv: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n`,
    );
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/s\.yaml:5:13: error DW150 secret-in-yaml: `apiKey` looks like a secret/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:\d+:16: error DW150 secret-in-yaml: the value of `secretEnv` looks like a secret/m,
    );
    assert.doesNotMatch(r.stdout, /zz-top-secret-1234|MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/);
  });

  it("a document of the wrong kind in a folder is pointed to its home", async () => {
    const dir = await repo({
      "campaigns/cal.yaml":
        "apiVersion: dialwindow/v1\nkind: HolidayCalendar\nmetadata: { name: x }\nspec: { holidays: [] }\n",
    });
    const r = await validate(dir);
    assert.match(
      r.stdout,
      /^campaigns\/cal\.yaml:2:7: error DW009 misplaced-document: a HolidayCalendar belongs in calendars\//m,
    );
  });

  it("an override that leaves a weekly day without hours is a warning, not an error", async () => {
    const extra = `  overrides:
    - name: short-week
      from: "2026-12-07"
      to: "2026-12-11"
      dialingHours:
        - { days: [MON, TUE, WED], start: "09:00", end: "17:00" }
`;
    const dir = await repo({ "campaigns/w.yaml": campaign("w", "9", extra) });
    const r = await validate(dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /warning DW124 override-closes-day: override short-week lists no hours for THU, FRI/,
    );
  });

  it("multi-document files: every campaign is read and each finding names its own line", async () => {
    const dir = await repo({
      "campaigns/two.yaml": `${campaign("first", "11")}---\n${campaign("second", "12").replace('"09:00"', '"9am"')}`,
    });
    const result = await validateDesiredState(dir, { at: AT });
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.campaigns.map((c) => c.name),
      ["first"],
    );
    const f = result.findings.find((x) => x.code === "DW015");
    assert.equal(f?.line, 22);
    assert.deepEqual(
      result.blocked.map((b) => b.campaignId),
      ["12"],
    );
  });

  it("policy.callingHours: off is an explicit, visible choice", async () => {
    const dir = await repo({ "campaigns/early.yaml": campaign("early", "13").replace('"09:00"', '"06:00"') });
    const strict = await validate(dir);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /DW200 outside-calling-hours/);
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy: { callingHours: off }\n`);
    const off = await validate(dir);
    assert.equal(off.code, 0);
    assert.match(
      off.stdout,
      /^dialwindow\.yaml:4:25: warning DW161 policy-disabled: the calling-hours policy is switched off/m,
    );
  });

  it("an unknown policy pack name", async () => {
    const dir = await repo({ "campaigns/a.yaml": campaign("a", "14") });
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy: { packs: [us-federal, us-sates] }\n`);
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /DW160 unknown-policy-pack: no CallingPolicy pack named "us-sates"; did you mean "us-states"\?/,
    );
  });
});

describe("validate: output formats", () => {
  it("github prints workflow annotations with escaped messages and workspace-relative paths", async () => {
    const dir = await repo({ "campaigns/k.yaml": campaign("k", "2", "  colour: red\n") });
    const r = await runInProcess(["validate", "--dir", dir, "--format", "github"], {
      cwd: join(dir, ".."),
      now: NOW,
    });
    assert.equal(r.code, 1);
    const base = dir.split("/").pop();
    assert.match(
      r.stdout,
      new RegExp(
        `^::error file=${base}/campaigns/k\\.yaml,line=12,col=3,title=DW011 unknown-key::unknown key`,
        "m",
      ),
    );
  });

  it("an unknown --format is a usage error", async () => {
    const r = await runInProcess(["validate", "--format", "xml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /xml/);
  });

  it("files removed between runs do not linger", async () => {
    const dir = await repo({
      "campaigns/a.yaml": campaign("a", "1"),
      "campaigns/b.yaml": campaign("a", "1"),
    });
    assert.equal((await validate(dir)).code, 1);
    await rm(join(dir, "campaigns/b.yaml"));
    assert.equal((await validate(dir)).code, 0);
  });

  it("the example stays valid from a temporary copy (no hidden dependence on paths)", async () => {
    const dir = await exampleRepo();
    const result = await validateDesiredState(dir, { at: AT });
    assert.deepEqual(result.findings, []);
    assert.equal(result.campaigns.length, 7);
  });
});

const FEDERAL_HOURS_ONLY_SUNDAYS = `apiVersion: dialwindow/v1
kind: CallingPolicy
metadata:
  name: us-federal
spec:
  rules:
    - name: no sunday calls
      noCallDays: [SUN]
`;

describe("validate: only policy.callingHours: off switches the calling-hours law off", () => {
  const early = () => campaign("early", "21").replace('"09:00"', '"05:00"').replace('"17:00"', '"23:30"');

  it("policy.packs: [] is an error at policy.packs, not a pass for 05:00–23:30", async () => {
    const dir = await repo({ "campaigns/early.yaml": early() });
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy: { packs: [] }\n`);
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:4:18: error DW163 no-calling-hours-rule: no calling-hours rule applies to every recipient: none of policy\.packs \[\] has a rule with allowedHours and no regions.*Only policy\.callingHours: off switches/m,
    );
  });

  it("packs whose hours rules all have regions leave most recipients unprotected: an error", async () => {
    const dir = await repo({ "campaigns/early.yaml": early() });
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy:\n  packs: [us-states]\n`);
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:5:10: error DW163 no-calling-hours-rule: .*policy\.packs \[us-states\]/m,
    );
  });

  it("callingHours: off with no packs is the explicit switch: a warning only", async () => {
    const dir = await repo({ "campaigns/early.yaml": early() });
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy: { callingHours: off, packs: [] }\n`);
    const r = await validate(dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /warning DW161 policy-disabled/);
    assert.doesNotMatch(r.stdout, /DW163/);
  });

  it("a repository pack replacing a built-in one is named in a warning; without an hours rule it is an error at line 1", async () => {
    const dir = await repo({
      "campaigns/early.yaml": early(),
      "policies/us-federal.yaml": FEDERAL_HOURS_ONLY_SUNDAYS,
    });
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^policies\/us-federal\.yaml:4:9: warning DW164 builtin-pack-replaced: policies\/us-federal\.yaml replaces dialwindow's built-in us-federal pack: its rules apply instead of the shipped ones \(federal calling hours\)/m,
    );
    // dialwindow.yaml has no policy.packs (the defaults apply), so the error points at line 1.
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:1:1: error DW163 no-calling-hours-rule: .*\[us-federal, us-states\]/m,
    );
  });

  it("a replacement that keeps an hours rule for everyone is only the warning", async () => {
    const dir = await repo({
      "campaigns/a.yaml": campaign("a", "22"),
      "policies/us-federal.yaml": `${FEDERAL_HOURS_ONLY_SUNDAYS.replace("noCallDays: [SUN]", 'allowedHours: { start: "08:00", end: "21:00" }')}`,
    });
    const r = await validate(dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /warning DW164 builtin-pack-replaced/);
    assert.doesNotMatch(r.stdout, /DW163/);
  });
});

describe("validate: the loader never crashes on the folders it reads", () => {
  it("a campaigns folder that is a symbolic link to itself is DW008, not a stack trace", async () => {
    const dir = await repo({});
    await symlink("campaigns", join(dir, "campaigns"));
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^campaigns:1:1: error DW008 unreadable-file: cannot list the folder campaigns\/: it is a symbolic link that points back to itself \(ELOOP\)\. Replace the link/m,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /at .*\.js:\d+|internal error/i);
  });

  it("a folder without permission is DW008 naming it", {
    skip: process.getuid?.() === 0 && "root reads any folder",
  }, async () => {
    const dir = await repo({ "campaigns/team/a.yaml": campaign("a", "1") });
    await chmod(join(dir, "campaigns/team"), 0o000);
    try {
      const r = await validate(dir);
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^campaigns\/team:1:1: error DW008 unreadable-file: cannot list the folder campaigns\/team\/: permission denied/m,
      );
    } finally {
      await chmod(join(dir, "campaigns/team"), 0o755);
    }
  });

  it("a *.yaml that is a named pipe is DW008, and validate does not hang on it", async () => {
    // (A *.yaml link to a folder is read as that folder: see links.test.ts.)
    const dir = await repo({ "campaigns/real/a.yaml": campaign("a", "1") });
    const fifo = spawnSync("mkfifo", [join(dir, "campaigns/pipe.yaml")]);
    const r = await validate(dir);
    if (fifo.status === 0) {
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^campaigns\/pipe\.yaml:1:1: error DW008 unreadable-file: .*not a regular file/m,
      );
    }
  });
});

describe("validate: zone names are case-sensitive", () => {
  it("america/chicago is an error with the right spelling; links such as US/Central and Asia/Kolkata stay valid", async () => {
    const dir = await repo({
      "campaigns/z.yaml": campaign(
        "z",
        "31",
        "  recipients:\n    timezones: [US/Central, Asia/Kolkata, us/central]\n",
      ).replace("timezone: America/Chicago", "timezone: america/chicago"),
    });
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^campaigns\/z\.yaml:7:13: error DW110 unknown-timezone: "america\/chicago" is not spelled as an IANA time zone: did you mean America\/Chicago \(zone names are case-sensitive\)\?/m,
    );
    assert.match(
      r.stdout,
      /^campaigns\/z\.yaml:13:43: error DW110 unknown-timezone: "us\/central" .*did you mean America\/Chicago/m,
    );
    assert.doesNotMatch(r.stdout, /"US\/Central"|"Asia\/Kolkata"/);
  });

  it("sync window zones are held to the same spelling", async () => {
    const dir = await repo({ "campaigns/a.yaml": campaign("a", "32") });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      `${CONFIG}reconcile:\n  syncWindows:\n    - { kind: deny, timezone: UTC, days: [SUN], start: "01:00", end: "02:00" }\n    - { kind: deny, timezone: utc, days: [SUN], start: "03:00", end: "04:00" }\n`,
    );
    const r = await validate(dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^dialwindow\.yaml:7:31: error DW110 unknown-timezone: "utc" .*did you mean UTC/m);
    assert.doesNotMatch(r.stdout, /dialwindow\.yaml:6:/);
  });
});

function calendar(name: string, dates: string[]): string {
  return `apiVersion: dialwindow/v1
kind: HolidayCalendar
metadata:
  name: ${name}
spec:
  holidays:
${dates.map((d) => `    - { date: "${d}", name: Holiday ${d} }`).join("\n")}
`;
}

describe("validate: holiday calendars", () => {
  it("a calendar in use that ends within the coming year warns at its last date", async () => {
    const dir = await repo({
      "campaigns/a.yaml": campaign("a", "41", "  holidays:\n    calendars: [short]\n"),
      "calendars/short.yaml": calendar("short", ["2026-12-25", "2027-07-05", "2027-01-01"]),
      "calendars/unused.yaml": calendar("unused", ["2026-12-25"]),
      "calendars/long.yaml": calendar("long", ["2027-11-27"]),
      "policies/p.yaml":
        "apiVersion: dialwindow/v1\nkind: CallingPolicy\nmetadata: { name: p }\nspec:\n  rules:\n    - { name: no calls on long, noCallDates: { calendars: [long] } }\n",
    });
    await writeFile(join(dir, "dialwindow.yaml"), `${CONFIG}policy: { packs: [us-federal, p] }\n`);
    const r = await validate(dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /^calendars\/short\.yaml:8:15: warning DW126 calendar-runs-out: calendar short runs out within the coming year: the last date is 2027-07-05; add next year's holidays before then\. After it, campaign a gets no holidays from it/m,
    );
    // long's last date is exactly the end of the coming year (--at + 365 days); unused is not referenced.
    assert.doesNotMatch(r.stdout, /calendars\/(long|unused)\.yaml/);

    await writeFile(join(dir, "calendars/long.yaml"), calendar("long", ["2027-11-26"]));
    const r2 = await validate(dir);
    assert.match(
      r2.stdout,
      /^calendars\/long\.yaml:7:15: warning DW126 calendar-runs-out: calendar long .*the last date is 2027-11-26.*After it, policy p gets/m,
    );
  });

  it("a date listed twice is DW125 duplicate-holiday", async () => {
    const dir = await repo({ "calendars/d.yaml": calendar("d", ["2027-12-25", "2027-12-25"]) });
    const r = await validate(dir);
    assert.match(
      r.stdout,
      /^calendars\/d\.yaml:8:15: warning DW125 duplicate-holiday: 2027-12-25 is listed twice/m,
    );
  });
});

describe("validate: durations the daemon can live with", () => {
  it("zero intervals and timeouts are errors at their keys with the minimum; debounce: 0ms is fine", async () => {
    const dir = await repo({ "campaigns/a.yaml": campaign("a", "51") });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      `${CONFIG}cxone:\n  timeout: 50ms\nwebhooks:\n  - name: wfm\n    url: https://wfm.example.com/hook\n    secretEnv: WFM_SECRET\n    timeout: 0s\nreconcile:\n  resyncInterval: 0s\n  gitInterval: 0s\n  debounce: 0ms\n`,
    );
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:5:3: error DW171 duration-out-of-range: cxone\.timeout is 50ms; it must be at least 100ms/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:10:5: error DW171 duration-out-of-range: webhooks\[0\]\.timeout is 0s; it must be at least 100ms/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:12:3: error DW171 duration-out-of-range: reconcile\.resyncInterval is 0s; it must be at least 1s/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:13:3: error DW171 duration-out-of-range: reconcile\.gitInterval is 0s; it must be at least 1s/m,
    );
    assert.doesNotMatch(r.stdout, /debounce/);
  });

  it("durations longer than a Node timer can wait are errors too", async () => {
    const dir = await repo({ "campaigns/a.yaml": campaign("a", "52") });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      `${CONFIG}reconcile:\n  gitInterval: 1000h\n  resyncInterval: 1s\n`,
    );
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:5:3: error DW171 duration-out-of-range: reconcile\.gitInterval is 1000h; it must be at most 480h/m,
    );
    assert.doesNotMatch(r.stdout, /resyncInterval/);
  });
});

describe("validate: credentials inside URLs", () => {
  it("user:password@ and token query parameters in webhook and CXone URLs are DW150, never printed", async () => {
    const dir = await repo({ "campaigns/a.yaml": campaign("a", "61") });
    await writeFile(
      join(dir, "dialwindow.yaml"),
      `${CONFIG}cxone:
  apiUrl: https://acme.mycxone.com/api/v2?sig=c2lnbmF0dXJlLXZhbHVl
  tokenUrl: https://acme.mycxone.com/oauth/token
webhooks:
  - name: a
    url: https://wfm-user:hunter2pass@wfm.example.com/hook
    secretEnv: A_SECRET
  - name: b
    url: https://wfm.example.com/hook?tenant=7&access_token=tok-abc123xyz
    secretEnv: B_SECRET
  - name: c
    url: https://wfm.example.com/hook?Signature=zzSIGzz&token=t0k
    secretEnv: C_SECRET
  - name: d
    url: https://wfm.example.com/hook?tenant=7&page=2
    secretEnv: D_SECRET
`,
    );
    const r = await validate(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:5:11: error DW150 secret-in-yaml: the URL in `apiUrl` carries a credential in the query parameter `sig` \(not shown\)/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:9:10: error DW150 secret-in-yaml: the URL in `url` carries a credential in a user name and password before the host/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:12:10: error DW150 secret-in-yaml: .*query parameter `access_token`/m,
    );
    assert.match(
      r.stdout,
      /^dialwindow\.yaml:15:10: error DW150 secret-in-yaml: .*query parameter `Signature`/m,
    );
    assert.doesNotMatch(r.stdout, /dialwindow\.yaml:18:/);
    assert.doesNotMatch(r.stdout, /c2lnbmF0dXJlLXZhbHVl|hunter2pass|wfm-user|tok-abc123xyz|zzSIGzz|t0k/);
  });
});

describe("validate: files that declare nothing", () => {
  it("an empty or comment-only campaign file is a warning that names the file", async () => {
    const dir = await repo({
      "campaigns/a.yaml": campaign("a", "71"),
      "campaigns/empty.yaml": "# TODO: the spring campaign\n",
      "calendars/blank.yaml": "",
    });
    const r = await validate(dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /^campaigns\/empty\.yaml:1:1: warning DW016 empty-file: campaigns\/empty\.yaml holds no documents; if it should declare a CampaignSchedule, check its line endings\/indentation/m,
    );
    assert.match(r.stdout, /^calendars\/blank\.yaml:1:1: warning DW016 empty-file/m);
    assert.doesNotMatch(r.stdout, /campaigns\/a\.yaml/);
  });
});
