/**
 * A pull request can edit dialwindow.yaml. With --config-from REV, the connection (cxone),
 * webhooks and audit sections come from REV's committed dialwindow.yaml, so a pull request
 * cannot point the CXone credentials, the webhook signatures or the audit pushes at a host of
 * its choosing. Real temporary git repositories, the simulator, and a second local server
 * standing in for the attacker, which must see nothing.
 */
import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../src/simulator/index.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { git } from "../helpers/git.js";
import { closedPortUrl, type Receiver, startReceiver } from "../helpers/receiver.js";
import { driftByHand, GIT_ENV, makeWorld, type World } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const MESSAGE =
  "dialwindow.yaml: cxone, webhooks and audit come from main (main:desired-state/dialwindow.yaml), not from the work tree. The work tree's changes to cxone and webhooks take effect after merge.";

interface Repo {
  world: World;
  attacker: Receiver;
  /** The desired-state folder inside the repository (desired-state/). */
  dir: string;
  root: string;
  /** Credentials only: no URL overrides, so the YAML decides where they go. */
  env: Record<string, string>;
}

function setUrls(text: string, api: string, token: string, hook?: string): string {
  let out = text.replace(/apiUrl: \S+/, `apiUrl: ${api}`).replace(/tokenUrl: \S+/, `tokenUrl: ${token}`);
  if (hook) out = out.replace(/^( {4}url: )\S+/m, `$1${hook}`);
  return out;
}

/**
 * A repository whose first commit (tag `before`) has no desired state, whose `main` has the
 * example pointed at the simulator, and whose checked-out branch `pr` points dialwindow.yaml's
 * CXone URLs and webhook at the attacker.
 */
async function repo(): Promise<Repo> {
  const world = await makeWorld({ at: AT });
  const attacker = await startReceiver({});
  after(() => attacker.close());
  const root = await tempDir("dw-repo-");
  const dir = join(root, "desired-state");
  git(root, "init", "-q", "-b", "main");
  await writeFile(join(root, "README.md"), "schedules\n");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "start");
  git(root, "tag", "before");
  await cp(world.dir, dir, { recursive: true });
  const config = join(dir, "dialwindow.yaml");
  const trusted = setUrls(await readFile(config, "utf8"), world.sim.apiUrl, world.sim.tokenUrl);
  await writeFile(config, trusted);
  git(root, "add", "-A");
  git(root, "commit", "-qm", "desired state");
  git(root, "checkout", "-qb", "pr");
  await writeFile(
    config,
    setUrls(trusted, attacker.url("/api/v2"), attacker.url("/oauth/token"), attacker.url("/wfm")),
  );
  git(root, "commit", "-qam", "a pull request that also edits dialwindow.yaml");
  const env = {
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    WFM_WEBHOOK_SECRET: world.secret,
    ...GIT_ENV,
  };
  return { world, attacker, dir, root, env };
}

/** Commits `text` as dialwindow.yaml on a new branch `name` off main, leaving `pr` checked out. */
async function branchWithConfig(r: Repo, name: string, edit: (text: string) => string): Promise<void> {
  git(r.root, "checkout", "-q", "main");
  git(r.root, "checkout", "-qb", name);
  const path = join(r.dir, "dialwindow.yaml");
  await writeFile(path, edit(await readFile(path, "utf8")));
  git(r.root, "commit", "-qam", `${name} config`);
  git(r.root, "checkout", "-q", "pr");
}

function plan(r: Repo, args: string[], env: Record<string, string> = r.env) {
  return runInProcess(["plan", "--dir", r.dir, "--at", AT, ...args], { env, now: AT });
}

function assertNothingSent(r: Repo): void {
  assert.equal(r.attacker.requests.length, 0, "the attacker's server was contacted");
  assert.equal(r.world.sim.countRequests(), 0, "the simulator was contacted");
}

describe("plan --config-from REV: the connection comes from REV, never from the work tree", () => {
  it("sends nothing to the host the pull request wrote, plans against REV's, and says what waits for merge", async () => {
    const r = await repo();
    driftByHand(r.world, Q4);
    const p = await plan(r, ["--config-from", "main"]);
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.equal(r.attacker.requests.length, 0);
    assert.ok(r.world.sim.countRequests("token") >= 1);
    assert.match(p.stdout, /~ q4-outreach \(123456789012345678\)/);
    // --config-from's revision is also the base the update is measured against: a hand edit.
    assert.match(p.stdout, /~ q4-outreach .*\n {4}why: changed in CXone since it was last written\n/);
    assert.ok(p.stdout.includes(MESSAGE), p.stdout);

    const json = JSON.parse((await plan(r, ["--config-from", "main", "--format", "json"])).stdout);
    assert.deepEqual(
      { ...json.configFrom, commit: typeof json.configFrom.commit },
      {
        rev: "main",
        commit: "string",
        file: "main:desired-state/dialwindow.yaml",
        sections: ["cxone", "webhooks", "audit"],
        changed: ["cxone", "webhooks"],
        message: MESSAGE,
      },
    );
    assert.equal(json.configFrom.commit, git(r.root, "rev-parse", "main").trim());

    const md = (await plan(r, ["--config-from", "main", "--format", "markdown"])).stdout;
    // Markdown escapes its punctuation; read as rendered, it says the same.
    assert.ok(md.replace(/\\(.)/g, "$1").includes(MESSAGE), md);
    assert.equal(r.attacker.requests.length, 0);
  });

  it("says nothing waits for merge when the work tree's sections equal REV's", async () => {
    const r = await repo();
    git(r.root, "checkout", "-q", "main");
    const p = await plan(r, ["--config-from", "main"]);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(
      p.stdout,
      /cxone, webhooks and audit come from main \(main:desired-state\/dialwindow\.yaml\)/,
    );
    assert.doesNotMatch(p.stdout, /take effect after merge/);
    assert.equal(r.attacker.requests.length, 0);
  });

  it("without --config-from, the pull request's URLs receive the client secret (why CI must use it)", async () => {
    const r = await repo();
    const p = await plan(r, []);
    assert.equal(p.code, 1, p.stdout + p.stderr);
    assert.equal(r.world.sim.countRequests(), 0);
    const first = r.attacker.requests[0];
    assert.ok(first, "the attacker got nothing");
    assert.equal(first.path, "/oauth/token");
    assert.match(first.body, new RegExp(`client_secret=${DEMO_CLIENT_SECRET}`));
  });

  it("environment URLs still win over REV's", async () => {
    const r = await repo();
    const closed = await closedPortUrl();
    await branchWithConfig(r, "elsewhere", (t) => setUrls(t, closed, closed));
    const env = { ...r.env, CXONE_API_URL: r.world.sim.apiUrl, CXONE_TOKEN_URL: r.world.sim.tokenUrl };
    const p = await plan(r, ["--config-from", "elsewhere"], env);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.equal(r.attacker.requests.length, 0);
    assert.ok(r.world.sim.countRequests("token") >= 1);
  });

  it("a revision that does not exist is an error before anything is sent", async () => {
    const r = await repo();
    const p = await plan(r, ["--config-from", "nosuch"]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /--config-from nosuch: no such revision in .*dw-repo-/);
    assertNothingSent(r);
  });

  it("a revision without dialwindow.yaml is an error naming REV:path", async () => {
    const r = await repo();
    const p = await plan(r, ["--config-from", "before"]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /--config-from before: before:desired-state\/dialwindow\.yaml does not exist/);
    assertNothingSent(r);
  });

  it("a revision whose dialwindow.yaml is invalid: located findings naming REV:path, nothing sent", async () => {
    const r = await repo();
    await branchWithConfig(r, "broken", (t) => t.replace("  concurrency: 4\n", "  concurrency: many\n"));
    const p = await plan(r, ["--config-from", "broken"]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /^broken:desired-state\/dialwindow\.yaml:\d+:\d+: error DW013 wrong-type: /m);
    assertNothingSent(r);
  });

  it("REV's sections pass the run-time checks too (a webhook URL that is not http)", async () => {
    const r = await repo();
    await branchWithConfig(r, "ftp", (t) => t.replace(/^( {4}url: )\S+/m, "$1ftp://wfm.example.com/hook"));
    const p = await plan(r, ["--config-from", "ftp"]);
    assert.equal(p.code, 1);
    assert.match(
      p.stderr,
      /^ftp:desired-state\/dialwindow\.yaml:\d+:\d+: error DW172 url-not-http: webhooks\[0\]\.url must be/m,
    );
    assertNothingSent(r);
  });

  it("outside a git repository it is an error", async () => {
    const r = await repo();
    const plain = await tempDir("dw-plain-");
    await cp(r.dir, plain, { recursive: true });
    const p = await runInProcess(["plan", "--dir", plain, "--config-from", "main"], { env: r.env, now: AT });
    assert.equal(p.code, 1);
    assert.match(p.stderr, /--config-from main: .* is not inside a git repository/);
    assertNothingSent(r);
  });
});

describe("plan --config-from REV with a blank environment variable", () => {
  it("blank CXONE_API_URL / CXONE_TOKEN_URL are errors even though REV's URLs are safe", async () => {
    const r = await repo();
    const p = await plan(r, ["--config-from", "main"], {
      ...r.env,
      CXONE_API_URL: "",
      CXONE_TOKEN_URL: "  ",
    });
    assertNothingSent(r);
    assert.equal(p.code, 1, p.stdout + p.stderr);
    assert.match(
      p.stderr,
      /CXONE_API_URL is set but empty \(as an unset CI secret is\): set it to the API base URL, or remove it/,
    );
    assert.match(p.stderr, /CXONE_TOKEN_URL is set but empty/);
  });
});

describe("apply --config-from REV", () => {
  it("writes through REV's connection, signs for REV's webhook target, and the pull request's gets nothing", async () => {
    const r = await repo();
    driftByHand(r.world, Q4);
    const state = await tempDir("dw-state-");
    const a = await runInProcess(
      [
        "apply",
        "--dir",
        r.dir,
        "--at",
        AT,
        "--config-from",
        "main",
        "--state-dir",
        state,
        "--webhook-wait",
        "5",
      ],
      { env: r.env, now: AT },
    );
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(r.world.sim.countRequests("patch"), 1);
    assert.equal(r.attacker.requests.length, 0);
    assert.equal(r.world.receiver.requests.filter((q) => q.verified).length, 1);
    assert.ok(a.stderr.includes(MESSAGE), a.stderr);
  });
});
