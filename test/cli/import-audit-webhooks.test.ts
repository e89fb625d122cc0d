import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type Simulator,
  startSimulator,
} from "../../src/simulator/index.js";
import { runInProcess, spawnBinary, waitFor } from "../helpers/cli.js";
import { tempDir, writeTree } from "../helpers/fs.js";
import { driftByHand, gitIn, makeWorld } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";
const Q4 = "123456789012345678";
const EAST = "223456789012345678";

function simEnv(sim: Simulator): Record<string, string> {
  return {
    CXONE_API_URL: sim.apiUrl,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: DEMO_CLIENT_ID,
    CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
  };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

describe("import", () => {
  it("import then plan reports no changes", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const out = await tempDir("dw-import-");
    const imp = await runInProcess(["import", "--dir", out], { env: world.env, now: AT });
    assert.equal(imp.code, 0, imp.stdout + imp.stderr);
    assert.match(imp.stdout, /Imported 7 campaign\(s\)\./);
    const files = (await readdir(join(out, "campaigns/imported"))).sort();
    assert.equal(files.length, 7);
    const q4 = await readFile(join(out, "campaigns/imported/q4-outreach.yaml"), "utf8");
    assert.match(q4, /campaignId: "123456789012345678"/);
    assert.match(q4, /- days: \[MON, TUE, WED, THU, FRI\]\n {6}start: "09:00"\n {6}end: "17:00"/);
    const plan = await runInProcess(["plan", "--dir", out, "--at", AT], { env: world.env, now: AT });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /Plan: 0 to update, 7 unchanged\./);
  });

  it("skips campaigns already managed and never overwrites a file", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const imp = await runInProcess(["import", "--dir", world.dir, "--campaign", Q4], {
      env: world.env,
      now: AT,
    });
    assert.equal(imp.code, 0);
    assert.match(
      imp.stdout,
      /= 123456789012345678 is already managed by campaigns\/collections\/q4-outreach\.yaml; skipped/,
    );
    const out = await tempDir();
    await writeTree(out, {
      "campaigns/imported/collections-east.yaml": "# someone's notes, not a campaign\n",
    });
    const second = await runInProcess(["import", "--dir", out, "--campaign", EAST], { env: world.env });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /collections-east\.yaml exists; not overwritten \(use --force\)/);
    assert.equal(
      await readFile(join(out, "campaigns/imported/collections-east.yaml"), "utf8"),
      "# someone's notes, not a campaign\n",
    );
  });

  it("a campaign id that does not exist fails clearly", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const out = await tempDir();
    const r = await runInProcess(["import", "--dir", out, "--campaign", "42"], { env: world.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /campaign 42 does not exist in CXone/);
  });

  it("exits 1 after printing the findings when what CXone holds breaks a rule", async () => {
    const sim = await startSimulator({ rpm: Number.POSITIVE_INFINITY });
    after(() => sim.close());
    sim.upsertCampaigns([
      {
        id: "900000000000000007",
        name: "Night Owls",
        schedule: {
          timezone: "America/Chicago",
          dialingHours: [{ day: "MON", startTime: "06:00", endTime: "22:30" }],
          pauseConditions: [],
        },
      },
    ]);
    const out = await tempDir();
    const r = await runInProcess(["import", "--dir", out], { env: simEnv(sim), now: AT });
    assert.match(r.stdout, /\+ 900000000000000007 → .*night-owls\.yaml/, "the file is still written");
    assert.match(r.stdout, /DW200/);
    assert.equal(r.code, 1, r.stdout + r.stderr);
  });

  it("never writes a loopback API URL into the committed dialwindow.yaml, and says so", async () => {
    const world = await makeWorld({ noWebhooks: true });
    const out = await tempDir();
    const r = await runInProcess(["import", "--dir", out, "--campaign", Q4], { env: world.env, now: AT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const config = await readFile(join(out, "dialwindow.yaml"), "utf8");
    assert.doesNotMatch(config, /127\.0\.0\.1|localhost/);
    assert.doesNotMatch(config, /^\s*(apiUrl|tokenUrl):/m);
    assert.match(r.stdout, /left out .*127\.0\.0\.1.*CXONE_API_URL/s);
    // The environment still points plan at the simulator.
    const plan = await runInProcess(["plan", "--dir", out, "--at", AT], { env: world.env, now: AT });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});

describe("webhooks list and retry", () => {
  it("a receiver answering 410 leaves a dead letter that list shows and retry redelivers", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    world.receiver.handler = () => ({ status: 410, body: "gone" });
    const apply = await runInProcess(["apply", "--dir", world.dir, "--at", AT, "--webhook-wait", "5"], {
      env: world.env,
      now: AT,
    });
    assert.equal(apply.code, 0, "CXone was corrected; the webhook problem is reported, not fatal");
    assert.match(apply.stdout, /Webhooks: 0 delivered, 1 failed for good \(see dialwindow webhooks list\)\./);
    const list = await runInProcess(["webhooks", "list", "--dir", world.dir], { env: world.env });
    assert.match(list.stdout, /^dead {6}chg_\S+ {2}wfm {2}q4-outreach \(123456789012345678\)/m);
    assert.match(list.stdout, /0 delivered, 0 pending, 1 dead\. Redeliver with: dialwindow webhooks retry/);

    world.receiver.handler = () => ({ status: 200 });
    const retry = await runInProcess(["webhooks", "retry", "--dir", world.dir], { env: world.env });
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.match(retry.stdout, /1 dead letter\(s\) requeued; 1 delivered, 0 pending, 0 dead/);
    const ids = world.receiver.requests.map((r) => r.id);
    assert.equal(new Set(ids).size, 1, "the redelivery carries the original webhook-id");
    const json = JSON.parse(
      (await runInProcess(["webhooks", "list", "--dir", world.dir, "--format", "json"], { env: world.env }))
        .stdout,
    );
    assert.equal(json.deliveries[0].state, "delivered");
  });

  it("a missing webhook secret stops apply before it writes anything, naming the variable", async () => {
    const world = await makeWorld();
    driftByHand(world, Q4);
    const { WFM_WEBHOOK_SECRET: _, ...env } = world.env;
    const r = await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env, now: AT });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WFM_WEBHOOK_SECRET/);
    assert.equal(world.sim.countRequests("patch"), 0);
  });
});

describe("audit verify", () => {
  it("passes on the published trail and names the first altered line after tampering", async () => {
    const world = await makeWorld({ git: true, noWebhooks: true });
    driftByHand(world, Q4);
    driftByHand(world, EAST);
    assert.equal(
      (await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env: world.env, now: AT })).code,
      0,
    );
    const ok = await runInProcess(["audit", "verify", "--dir", world.dir], { env: world.env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✓ audit trail intact: 2 record\(s\) in 1 file\(s\) on dialwindow-audit/);

    // Someone rewrites history on the remote: change one field of the second record.
    const clone = await tempDir("dw-tamper-");
    await gitIn(clone, "clone", "-q", "-b", "dialwindow-audit", world.origin as string, ".");
    const [file] = (await allFiles(join(clone, "audit"))).filter((f) => f.endsWith(".jsonl"));
    assert.ok(file);
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    lines[1] = (lines[1] as string).replace(/"actor":"[^"]*"/, '"actor":"someone else"');
    await import("node:fs/promises").then((fs) => fs.writeFile(file, `${lines.join("\n")}\n`));
    await gitIn(clone, "commit", "-qam", "tidy");
    await gitIn(clone, "push", "-q", "origin", "dialwindow-audit");

    const broken = await runInProcess(["audit", "verify", "--dir", world.dir], { env: world.env });
    assert.equal(broken.code, 1);
    assert.match(
      broken.stdout,
      /✗ audit trail broken at audit\/\d{4}\/\d{2}\/\d{2}\.jsonl:2: .*\(hash-mismatch\)/,
    );
  });
});

describe("the state directory", () => {
  it("a second apply on the same state directory is refused with who holds it", async () => {
    const world = await makeWorld({ noWebhooks: true });
    driftByHand(world, Q4);
    world.sim.injectFault({ kind: "patch", times: 1, fault: "hang" });
    const first = spawnBinary(["apply", "--dir", world.dir, "--at", AT], { env: world.env });
    await waitFor("the first apply to be writing", () => world.sim.requests("patch").length > 0);
    // The second apply runs in this process: what matters is that another process holds the lock.
    const second = await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by .*pid \d+/i);
    assert.match(second.stderr, /command "apply"/);
    first.child.kill("SIGTERM");
    await first.done;
  });

  it("writes its own .gitignore so it never lands in git", async () => {
    const world = await makeWorld({ noWebhooks: true });
    await runInProcess(["apply", "--dir", world.dir, "--at", AT], { env: world.env, now: AT });
    assert.equal(await readFile(join(world.dir, ".dialwindow/.gitignore"), "utf8"), "*\n");
  });
});

describe("secrets never reach output, journal, webhooks or the audit trail", () => {
  it("greps every byte dialwindow wrote for the client secret, tokens and the webhook secret", async () => {
    const world = await makeWorld({ git: true });
    driftByHand(world, Q4);
    const clientSecret = "cxone-client-secret-7f3a9c1e";
    const env = { ...world.env, CXONE_CLIENT_SECRET: clientSecret, DIALWINDOW_LOG_LEVEL: "debug" };
    // A simulator that knows this client's secret.
    const sim2 = await startSimulator({
      clients: { [DEMO_CLIENT_ID]: clientSecret },
      rpm: Number.POSITIVE_INFINITY,
    });
    try {
      sim2.upsertCampaigns(
        [...world.desired].map(([id, schedule]) => ({
          id,
          name: id,
          schedule: id === Q4 ? { ...schedule, dialingHours: schedule.dialingHours.slice(1) } : schedule,
        })),
      );
      const env2 = { ...env, CXONE_API_URL: sim2.apiUrl, CXONE_TOKEN_URL: sim2.tokenUrl };
      // In-process with the binary's logging (JSON lines on stderr at debug): the same bytes.
      const plan = await runInProcess(["plan", "--dir", world.dir, "--at", AT, "--format", "json"], {
        env: env2,
        now: AT,
        logs: true,
      });
      const apply = await runInProcess(["apply", "--dir", world.dir, "--at", AT], {
        env: env2,
        now: AT,
        logs: true,
      });
      assert.equal(apply.code, 0, apply.stderr);
      const tokens = sim2.requests("token").length;
      assert.ok(tokens > 0);
      const bearer = sim2.issuedTokens();
      assert.equal(bearer.length, tokens);
      const haystack = [
        plan.stdout,
        plan.stderr,
        apply.stdout,
        apply.stderr,
        ...world.receiver.requests.map((r) => r.body),
        ...(await Promise.all(
          (await allFiles(join(world.dir, ".dialwindow"))).map((f) => readFile(f, "latin1")),
        )),
        await gitIn(world.origin as string, "log", "-p", "--all"),
      ].join("\n");
      assert.ok(apply.stderr.length > 0, "debug logging produced output to search");
      for (const secret of [clientSecret, world.secret, world.secret.slice(6), ...bearer]) {
        assert.equal(
          haystack.includes(secret),
          false,
          `a secret (${secret.slice(0, 4)}…) was found in dialwindow's output`,
        );
      }
    } finally {
      await sim2.close();
    }
  });
});
