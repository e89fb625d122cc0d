/**
 * Every check apply and reconcile make on dialwindow.yaml at run time is also a validate
 * finding: a pull request cannot go green with a configuration the apply after merge refuses.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openAuditTrail } from "../../src/audit/trail.js";
import { resolveConfig } from "../../src/desired/config.js";
import { connect } from "../../src/live/connect.js";
import { loadWebhookTargets } from "../../src/notify/targets.js";
import { SyncWindows } from "../../src/reconcile/sync-windows.js";
import { silentLogger } from "../../src/util/log.js";
import { runInProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/fs.js";
import { git } from "../helpers/git.js";
import { driftByHand, editFile, makeWorld, type World } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";

interface Case {
  what: string;
  /** Rewrites dialwindow.yaml; `mark` is the text the finding must point at. */
  edit: (text: string, world: World) => string;
  mark: string;
  /** Point at the last occurrence of `mark` (the second of two). */
  last?: boolean;
  code: string;
  message: RegExp;
}

const CASES: Case[] = [
  {
    what: "a webhook URL that is not http(s)",
    edit: (t, w) => t.replace(w.receiver.url("/wfm"), "ftp://wfm.example.com/hook"),
    mark: "ftp://wfm.example.com/hook",
    code: "DW172 url-not-http",
    message: /webhooks\[0\]\.url must be an http:\/\/ or https:\/\/ URL, not ftp:/,
  },
  {
    what: "a webhook URL that is not a URL at all",
    edit: (t, w) => t.replace(w.receiver.url("/wfm"), "mailto:wfm@example.com"),
    mark: "mailto:wfm@example.com",
    code: "DW172 url-not-http",
    message: /webhooks\[0\]\.url must be an http:\/\/ or https:\/\/ URL, not mailto:/,
  },
  {
    what: "two webhook targets with one name",
    edit: (t, w) =>
      t.replace(
        /^webhooks:\n/m,
        `webhooks:\n  - name: wfm\n    url: ${w.receiver.url("/other")}\n    secretEnv: WFM_WEBHOOK_SECRET\n`,
      ),
    mark: "wfm\n    url:",
    last: true,
    code: "DW130 duplicate-name",
    message: /webhook target name "wfm" is used twice/,
  },
  {
    what: "a CXone API URL that is not http(s)",
    edit: (t) =>
      t.replace("apiUrl: https://acme.mycxone.com/api/v2", "apiUrl: ftp://acme.mycxone.com/api/v2"),
    mark: "ftp://acme.mycxone.com/api/v2",
    code: "DW172 url-not-http",
    message: /cxone\.apiUrl must be an http:\/\/ or https:\/\/ URL, not ftp:/,
  },
  {
    what: "an audit path that leaves the audit folder",
    edit: (t) => t.replace("  path: audit\n", "  path: ../../outside\n"),
    mark: "../../outside",
    code: "DW173 audit-path-invalid",
    message: /audit\.path "\.\.\/\.\.\/outside" must be a folder/,
  },
  {
    what: "an audit path inside .git",
    edit: (t) => t.replace("  path: audit\n", "  path: .git/hooks\n"),
    mark: ".git/hooks",
    code: "DW173 audit-path-invalid",
    message: /audit\.path "\.git\/hooks" must be a folder/,
  },
  {
    what: "an audit branch git refuses",
    edit: (t) => t.replace("  branch: dialwindow-audit\n", '  branch: "audit..trail"\n'),
    mark: '"audit..trail"',
    code: "DW174 audit-branch-invalid",
    message: /audit\.branch "audit\.\.trail" is not a valid git branch name: it contains "\.\."/,
  },
  {
    what: "an audit branch named HEAD",
    edit: (t) => t.replace("  branch: dialwindow-audit\n", "  branch: HEAD\n"),
    mark: "HEAD",
    code: "DW174 audit-branch-invalid",
    message: /audit\.branch "HEAD" is not a valid git branch name/,
  },
  {
    what: "a schedule zone that is not an IANA zone",
    edit: (t) =>
      t.replace("profile: tutorial", 'profile: cxone-admin\n  scheduleTimezone: "Mountain Standard Time"'),
    mark: '"Mountain Standard Time"',
    code: "DW110 unknown-timezone",
    message: /"Mountain Standard Time" is not an IANA time zone/,
  },
  {
    what: "an issuer that is not an http(s) URL",
    edit: (t) => t.replace("profile: tutorial", "profile: cxone-admin\n  issuer: ftp://cxone.example"),
    mark: "ftp://cxone.example",
    code: "DW172 url-not-http",
    message: /cxone\.issuer must be an http:\/\/ or https:\/\/ URL/,
  },
  {
    what: "a sync window that ends before it starts",
    edit: (t) =>
      t.replace(
        "  syncWindows: []\n",
        '  syncWindows:\n    - { kind: deny, timezone: America/Chicago, days: [SUN], start: "03:00", end: "01:00" }\n',
      ),
    mark: '"01:00"',
    code: "DW170 sync-window-invalid",
    message: /sync window 03:00–01:00 must end after it starts/,
  },
  {
    what: "a sync window in a zone that does not exist",
    edit: (t) =>
      t.replace(
        "  syncWindows: []\n",
        '  syncWindows:\n    - { kind: deny, timezone: America/Gotham, days: [SUN], start: "01:00", end: "03:00" }\n',
      ),
    mark: "America/Gotham",
    code: "DW110 unknown-timezone",
    message: /"America\/Gotham" is not an IANA time zone/,
  },
  {
    what: "a resync interval the daemon would spin on",
    edit: (t) => t.replace("resyncInterval: 5m", "resyncInterval: 0s"),
    mark: "resyncInterval",
    code: "DW171 duration-out-of-range",
    message: /reconcile\.resyncInterval is 0s; it must be at least 1s/,
  },
];

/** 1-based line and column of the first occurrence of `mark`. */
function positionOf(text: string, mark: string, last = false): string {
  const offset = last ? text.lastIndexOf(mark) : text.indexOf(mark);
  assert.ok(offset >= 0, `${mark} not in the file`);
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

describe("validate runs every check apply makes on dialwindow.yaml", () => {
  for (const c of CASES) {
    it(`${c.what}: validate fails at the value, and apply refuses before writing`, async () => {
      const world = await makeWorld({ at: AT });
      await editFile(world, "dialwindow.yaml", (t) => c.edit(t, world));
      const text = await readFile(join(world.dir, "dialwindow.yaml"), "utf8");
      const where = `dialwindow.yaml:${positionOf(text, c.mark, c.last)}`;

      const v = await runInProcess(["validate", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
      assert.equal(v.code, 1, v.stdout + v.stderr);
      const line = v.stdout.split("\n").find((l) => l.includes(c.code));
      assert.ok(line, `no ${c.code} finding in:\n${v.stdout}`);
      assert.ok(line.startsWith(`${where}: error ${c.code}: `), `${line}\nexpected at ${where}`);
      assert.match(line, c.message);

      driftByHand(world, Q4);
      const stateDir = await tempDir("dw-state-");
      const a = await runInProcess(
        ["apply", "--dir", world.dir, "--at", AT, "--state-dir", stateDir, "--webhook-wait", "2"],
        { env: world.env, now: AT },
      );
      assert.equal(a.code, 1, a.stdout + a.stderr);
      assert.match(a.stderr, new RegExp(`${where}: error ${c.code}`));
      assert.match(a.stderr, /nothing was read from or sent to CXone/);
      assert.equal(world.sim.countRequests("patch"), 0);
      assert.equal(world.receiver.requests.length, 0);
    });
  }
});

describe("the run-time checks are the same functions, with the same words", () => {
  const env = { WFM_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };

  it("webhook targets: URL scheme and duplicate names", () => {
    assert.throws(
      () =>
        loadWebhookTargets([{ name: "wfm", url: "ftp://x.example/h", secretEnv: "WFM_WEBHOOK_SECRET" }], env),
      /webhooks\[0\]\.url must be an http:\/\/ or https:\/\/ URL, not ftp:/,
    );
    const ok = { name: "wfm", url: "https://x.example/h", secretEnv: "WFM_WEBHOOK_SECRET" };
    assert.throws(() => loadWebhookTargets([ok, ok], env), /webhook target name "wfm" is used twice/);
  });

  it("the audit trail: path and branch", async () => {
    const base = {
      push: false,
      author: { name: "t", email: "t@example.test" },
      logger: silentLogger(),
    };
    await assert.rejects(
      openAuditTrail({ ...base, workDir: join(await tempDir(), "a"), branch: "audit..trail", path: "audit" }),
      /audit\.branch "audit\.\.trail" is not a valid git branch name: it contains "\.\."/,
    );
    await assert.rejects(
      openAuditTrail({ ...base, workDir: join(await tempDir(), "a"), branch: "x", path: "a/../../b" }),
      /audit\.path "a\/\.\.\/\.\.\/b" must be a folder/,
    );
  });

  it("the CXone connection: URL schemes (also of a URL from the environment), under either profile", () => {
    const env = {
      CXONE_CLIENT_ID: "id",
      CXONE_CLIENT_SECRET: "secret",
      CXONE_API_URL: "ftp://x.example/api",
      CXONE_TOKEN_URL: "https://x.example/token",
    };
    const config = resolveConfig(undefined, env);
    const logger = silentLogger();
    const admin = {
      ...env,
      CXONE_ACCESS_KEY_ID: "k",
      CXONE_ACCESS_KEY_SECRET: "s",
      CXONE_ISSUER: "ftp://x.example",
    };
    const adminConfig = resolveConfig(
      { apiVersion: "dialwindow/v1", kind: "Config", cxone: { profile: "cxone-admin" } },
      admin,
    );
    assert.throws(
      () => connect(adminConfig, admin, { logger }),
      /CXONE_ISSUER must be an http:\/\/ or https:\/\/ URL, not ftp:/,
    );
    assert.throws(
      () => connect(config, env, { logger }),
      /CXONE_API_URL must be an http:\/\/ or https:\/\/ URL, not ftp:/,
    );
  });

  it("sync windows", () => {
    assert.throws(
      () =>
        new SyncWindows([
          { kind: "deny", timezone: "America/Chicago", days: ["SUN"], start: "03:00", end: "01:00" },
        ]),
      /sync window 03:00–01:00 must end after it starts/,
    );
    assert.throws(
      () =>
        new SyncWindows([
          { kind: "deny", timezone: "America/Gotham", days: ["SUN"], start: "01:00", end: "03:00" },
        ]),
      /"America\/Gotham" is not an IANA time zone/,
    );
  });
});

describe("audit branch names: dialwindow's check agrees with git check-ref-format --branch", () => {
  it("every name dialwindow accepts, git accepts as is; every name git refuses, dialwindow refuses", async () => {
    const { branchNameProblem } = await import("../../src/desired/config-checks.js");
    const cwd = await tempDir();
    git(cwd, "init", "-q");
    const names = [
      "main",
      "dialwindow-audit",
      "ops/audit",
      "audit.trail",
      "a.lock.b",
      "ümlaut",
      "a@b",
      "a]b",
      "a{b",
      "a`b",
      "x/HEAD",
      "HEAD",
      "@",
      "-x",
      "a..b",
      "a b",
      "a.lock",
      ".a",
      "a/.b",
      "a/",
      "/a",
      "a//b",
      "a@{b",
      "@{-1}",
      "a~b",
      "a^b",
      "a:b",
      "a?b",
      "a*b",
      "a[b",
      "a\\b",
      "a.",
      "a/b.lock/c",
      "a\tb",
      "a\u007fb",
      ".lock",
      "a/b/",
    ];
    for (const name of names) {
      let gitAnswer: string | undefined;
      try {
        gitAnswer = git(cwd, "check-ref-format", "--branch", name).trim();
      } catch {
        gitAnswer = undefined;
      }
      const ours = branchNameProblem("audit.branch", name);
      if (ours === undefined)
        assert.equal(gitAnswer, name, `dialwindow accepts ${JSON.stringify(name)}, git does not`);
      if (gitAnswer !== name) assert.ok(ours, `git refuses ${JSON.stringify(name)}, dialwindow accepts it`);
    }
  });
});
