/**
 * `dialwindow diff` on scratch git repositories holding the shipped example in a subfolder:
 * what a reviewer sees for an end-time change, a key reorder, a moved file, a law-breaking
 * change, a rename, and a bad revision. In-process, on a fixed clock.
 */
import assert from "node:assert/strict";
import { cp, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { packageRoot } from "../../src/util/paths.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { git } from "../helpers/git.js";
import { matchSnapshot } from "../helpers/snapshot.js";

const NOW = "2026-12-01T15:00:00Z"; // a Tuesday
const Q4 = "schedules/campaigns/collections/q4-outreach.yaml";

/** A repository with the example under schedules/, one commit, on branch main. */
async function scratchRepo(): Promise<string> {
  const repo = await tempDir("dw-diff-");
  git(repo, "init", "-q", "-b", "main");
  await cp(join(packageRoot(), "desired-state"), join(repo, "schedules"), {
    recursive: true,
    filter: (src) => !src.includes(".dialwindow"),
  });
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "example");
  return repo;
}

async function edit(repo: string, file: string, from: string, to: string): Promise<void> {
  const path = join(repo, file);
  const text = await readFile(path, "utf8");
  assert.ok(text.includes(from), `${file} should contain ${from}`);
  await writeFile(path, text.replace(from, to));
}

function commit(repo: string, message: string): void {
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", message);
}

function diff(repo: string, ...args: string[]) {
  return runInProcess(["diff", "--dir", join(repo, "schedules"), "--at", NOW, ...args], { now: NOW });
}

const FRIDAY_17_TO_16 = [
  `    - days: [MON, TUE, WED, THU, FRI]
      start: "09:00"      # 08:00 in Denver: the earliest the federal rule allows there
      end: "17:00"`,
  `    - days: [MON, TUE, WED, THU]
      start: "09:00"      # 08:00 in Denver: the earliest the federal rule allows there
      end: "17:00"
    - days: [FRI]
      start: "09:00"
      end: "16:00"`,
] as const;

describe("dialwindow diff", () => {
  it("shows exactly the campaign whose end time changed, the dates it moves and the hours per week", async () => {
    const repo = await scratchRepo();
    await edit(repo, Q4, ...FRIDAY_17_TO_16);
    commit(repo, "q4-outreach: Fridays end at 16:00");

    const r = await diff(repo, "--base", "HEAD~1", "--head", "HEAD");
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /^~ q4-outreach \(123456789012345678\) {2}campaigns\/collections\/q4-outreach\.yaml/m,
    );
    // Only that campaign.
    assert.equal((r.stdout.match(/^[~+-] /gm) ?? []).length, 1, r.stdout);
    // Every Friday of the 8 weeks from Tue 2026-12-01, but Christmas Day and New Year's Day (holidays).
    const fridays = [...r.stdout.matchAll(/^ {6}FRI (\d{4}-\d{2}-\d{2}) {2}09:00–17:00 → 09:00–16:00/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(fridays, [
      "2026-12-04",
      "2026-12-11",
      "2026-12-18",
      "2027-01-08",
      "2027-01-15",
      "2027-01-22",
    ]);
    assert.match(
      r.stdout,
      /dialing per week: −1\.0 h in 6 of 8 weeks \(44\.0 h → 43\.0 h in the week of 2026-12-01\); unchanged in 2/,
    );
    // The week picture: Friday's last dialing cell moves from 16:30–17:00 to 15:30–16:00.
    const friday = r.stdout.split("\n").filter((l) => /FRI 12-04 before|^ +after .*◀/.test(l));
    assert.match(r.stdout, /^ {4}THU 12-03 same {3}/m, "an unchanged day is drawn once");
    assert.equal(friday.length, 2, r.stdout);
    const cells = (line: string) => line.slice(line.length - (line.endsWith("◀") ? 50 : 48)).slice(0, 48);
    assert.equal(
      cells(friday[0] as string).lastIndexOf("█"),
      33,
      "before: the 16:30 cell is the last one dialing",
    );
    assert.equal(
      cells(friday[1] as string).lastIndexOf("█"),
      31,
      "after: the 15:30 cell is the last one dialing",
    );
    assert.match(r.stdout, /^Diff: 1 changed, 0 added, 0 removed\.$/m);

    const json = JSON.parse(
      (await diff(repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "json")).stdout,
    );
    assert.equal(json.formatVersion, 1);
    assert.equal(json.changed, true);
    assert.deepEqual(
      json.campaigns.map((c: { name: string; status: string }) => [c.name, c.status]),
      [["q4-outreach", "changed"]],
    );
    assert.deepEqual(json.campaigns[0].dates[0].after, [{ start: "09:00", end: "16:00" }]);
  });

  it("says 'no effect' for a commit that only reorders keys or moves a file, and exits 0", async () => {
    const repo = await scratchRepo();
    await edit(repo, Q4, "  pauseConditions: [NO_ANSWER, BUSY]\n", "");
    await edit(repo, Q4, "spec:\n", "spec:\n  pauseConditions: [BUSY, NO_ANSWER]\n");
    await mkdir(join(repo, "schedules/campaigns/care/moved"), { recursive: true });
    await rename(
      join(repo, "schedules/campaigns/care/surveys.yaml"),
      join(repo, "schedules/campaigns/care/moved/surveys.yaml"),
    );
    commit(repo, "tidy: reorder keys, move a file");

    const r = await diff(repo, "--base", "HEAD~1", "--head", "HEAD");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No effective change/);
    assert.match(r.stdout, /M campaigns\/collections\/q4-outreach\.yaml {2}\(no effect\)/);
    assert.match(
      r.stdout,
      /R campaigns\/care\/surveys\.yaml → campaigns\/care\/moved\/surveys\.yaml {2}\(no effect\)/,
    );
    assert.match(
      r.stdout,
      /→ survey-east \(623456789012345678\) \(moved from campaigns\/care\/surveys\.yaml\): no effect/,
    );
    assert.doesNotMatch(r.stdout, /^[+-] survey/m, "a moved file is not a delete and an add");
  });

  it("calls out a new calling-hours violation first, shows the head's findings, and exits 1", async () => {
    const repo = await scratchRepo();
    await edit(repo, Q4, ...FRIDAY_17_TO_16);
    await edit(repo, Q4, 'end: "16:00"', 'end: "20:30"');
    commit(repo, "q4-outreach: Fridays until 20:30");

    const r = await diff(repo, "--base", "HEAD~1", "--head", "HEAD");
    assert.equal(r.code, 1, r.stdout);
    const body = r.stdout.split("\n").filter((l) => l.trim() !== "");
    assert.match(body[2] as string, /^⚠ New calling-hours violations \(1\):/);
    assert.match(body[3] as string, /DW200 .*window FRI 09:00–20:30 .* outside the 08:00–20:00/);
    // The grid marks the unlawful half hour.
    assert.match(r.stdout, /after +█+!+ +◀/);
    assert.match(r.stdout, /✗ [0-9a-f]{12} \(HEAD\) does not validate:\n.*DW200/);
  });

  it("treats a renamed campaign (same id, new name and file) as a rename", async () => {
    const repo = await scratchRepo();
    await edit(repo, Q4, "name: q4-outreach", "name: q1-outreach");
    git(repo, "mv", Q4, "schedules/campaigns/collections/q1-outreach.yaml");
    // The work tree, uncommitted: the default base is HEAD.
    const r = await diff(repo);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^dialwindow diff: [0-9a-f]{12} \(HEAD; the work tree has uncommitted changes\) → the work tree/,
    );
    assert.match(
      r.stdout,
      /→ q1-outreach \(123456789012345678\) \(renamed from q4-outreach, campaigns\/collections\/q4-outreach\.yaml\): no effect/,
    );
  });

  it("shows an added and a removed campaign, and a holiday that starts applying", async () => {
    const repo = await scratchRepo();
    const file = "schedules/campaigns/care/surveys.yaml";
    const text = await readFile(join(repo, file), "utf8");
    await writeFile(
      join(repo, file),
      text
        .replace(/\n---\n[\s\S]*$/, "\n")
        .replace("    calendars: [us-federal]\n", '    calendars: [us-federal]\n    dates: ["2026-12-08"]\n'),
    );
    await writeFile(
      join(repo, "schedules/campaigns/care/new.yaml"),
      [
        "apiVersion: dialwindow/v1",
        "kind: CampaignSchedule",
        "metadata: { name: brand-new, campaignId: '999' }",
        "spec:",
        "  timezone: America/New_York",
        '  dialingHours: [{ days: [WED], start: "10:00", end: "12:00" }]',
        "",
      ].join("\n"),
    );
    const r = await diff(repo, "--weeks", "2");
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^~ survey-east .*\n(.*\n)*? {4}\+ holiday spec\.holidays\.dates now applies on 2026-12-08/m,
    );
    assert.match(
      r.stdout,
      /^ {6}TUE 2026-12-08 {2}11:00–19:00 → no dialing {2}\(weekly hours → holiday: spec\.holidays\.dates\)/m,
    );
    assert.match(r.stdout, /^\+ brand-new \(999\)/m);
    assert.match(r.stdout, /^- survey-west \(623456789012345679\)/m);
    assert.match(r.stdout, /^Diff: 1 changed, 1 added, 1 removed\.$/m);
  });

  it("with --config-from, says which connection sections of the work tree wait for merge", async () => {
    const repo = await scratchRepo();
    await edit(
      repo,
      "schedules/dialwindow.yaml",
      "apiUrl: https://acme.mycxone.com/api/v2",
      "apiUrl: https://elsewhere.example.com/api/v2",
    );
    const r = await diff(repo, "--config-from", "main");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /cxone, webhooks and audit come from main .* The work tree's changes to cxone take effect after merge\./,
    );
    const json = JSON.parse((await diff(repo, "--config-from", "main", "--format", "json")).stdout);
    assert.deepEqual(json.configFrom.changed, ["cxone"]);
    const missing = await diff(repo, "--config-from", "no-such-rev");
    assert.equal(missing.code, 1);
  });

  it("refuses a base that is not a commit, before reading anything", async () => {
    const repo = await scratchRepo();
    const r = await diff(repo, "--base", "no-such-branch");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--base "no-such-branch" is not a commit/);
    const option = await diff(repo, "--base", "--output=/tmp/x");
    assert.equal(option.code, 1);
    assert.match(option.stderr, /is not a commit/);
  });

  it("renders a reviewable Markdown comment (snapshot)", async () => {
    const repo = await scratchRepo();
    await edit(repo, Q4, ...FRIDAY_17_TO_16);
    commit(repo, "q4-outreach: Fridays end at 16:00");
    const r = await diff(repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown");
    assert.equal(r.code, 2);
    matchSnapshot("diff.md", r.stdout.replace(/\b[0-9a-f]{12}\b/g, "0123456789ab"));
  });
});
