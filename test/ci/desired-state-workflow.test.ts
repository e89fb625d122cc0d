/**
 * The example workflow keeps secrets away from pull-request code: in the job that plans a pull
 * request (and holds the CXone credentials), nothing from the pull request's checkout is
 * installed, built or run, and plan takes the connection from the base branch.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { repoPath } from "../helpers/fs.js";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}

describe(".github/workflows/desired-state.yml", () => {
  it("the plan job builds dialwindow only from the base revision and plans with --config-from", async () => {
    const workflow = parse(await readFile(repoPath(".github", "workflows", "desired-state.yml"), "utf8"));
    const steps: Step[] = workflow.jobs.plan.steps;
    const checkouts = steps.filter((s) => s.uses?.startsWith("actions/checkout"));
    const trusted = checkouts.find((s) => s.with?.path === "trusted");
    assert.ok(trusted, "no separate checkout of the base revision");
    assert.match(String(trusted.with?.ref), /^\$\{\{ github\.event\.pull_request\.base\.sha \}\}$/);
    for (const c of checkouts) assert.equal(c.with?.["persist-credentials"], false);

    const runs = steps.filter((s) => s.run !== undefined);
    for (const s of runs) {
      const installs = /\bnpm (ci|install|run|test|start)\b|\bnpx\b/.test(s.run as string);
      if (installs)
        assert.equal(s["working-directory"], "trusted", `runs npm outside the trusted checkout: ${s.run}`);
      // Whatever runs dialwindow runs the trusted build.
      for (const m of (s.run as string).matchAll(/node (\S+)/g))
        assert.match(m[1] as string, /^(\.\.\/)?trusted\//);
    }
    const plans = runs.filter((s) => /bin\.js plan\b/.test(s.run as string));
    assert.ok(plans.length > 0);
    for (const s of plans) assert.match(s.run as string, /--config-from "\$BASE_SHA"/);
  });
});

const WORKFLOWS = [
  ".github/workflows/desired-state.yml",
  ".github/workflows/desired-state-comment.yml",
  ".github/workflows/ci.yml",
  "templates/init/.github/workflows/dialwindow.yml",
  "templates/init/.github/workflows/dialwindow-comment.yml",
  "templates/init/.github/workflows/dialwindow-plan-fork.yml",
  "action.yml",
];

describe("the pull-request workflows (fork-safe, least privilege, pinned)", () => {
  it("pins every third-party action to a commit, with its version in a comment, on current majors", async () => {
    for (const file of WORKFLOWS) {
      const text = await readFile(repoPath(...file.split("/")), "utf8");
      for (const m of text.matchAll(/uses: ([^\s#]+)(.*)$/gm)) {
        const [ref, comment] = [m[1] as string, m[2] as string];
        if (ref.startsWith("./") || ref.startsWith("dialwindow/dialwindow@")) continue;
        assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${ref} is not pinned to a commit`);
        assert.match(comment, /# v\d+\.\d+\.\d+/, `${file}: ${ref} has no version comment`);
        if (ref.startsWith("actions/checkout@") || ref.startsWith("actions/setup-node@"))
          assert.match(comment, /# v7\./, `${file}: ${ref} is not the current major`);
      }
    }
  });

  it("grants permissions per job, and none to the review of a pull request beyond reading", async () => {
    for (const file of WORKFLOWS.filter((f) => !f.endsWith("action.yml") && !f.endsWith("ci.yml"))) {
      const workflow = parse(await readFile(repoPath(...file.split("/")), "utf8"));
      assert.deepEqual(workflow.permissions, {}, `${file}: top-level permissions must be {}`);
      for (const [name, job] of Object.entries(workflow.jobs as Record<string, { permissions?: object }>))
        assert.ok(job.permissions, `${file}: job ${name} states its permissions`);
    }
    for (const file of [
      ".github/workflows/desired-state.yml",
      "templates/init/.github/workflows/dialwindow.yml",
    ]) {
      const workflow = parse(await readFile(repoPath(...file.split("/")), "utf8"));
      assert.deepEqual(workflow.jobs.review.permissions, { contents: "read" }, file);
      assert.doesNotMatch(
        JSON.stringify(workflow.jobs.review),
        /secrets\./,
        `${file}: review must hold no secret`,
      );
    }
  });

  it("posts comments from a workflow_run job that never checks out or runs the pull request", async () => {
    const files = [
      ".github/workflows/desired-state-comment.yml",
      "templates/init/.github/workflows/dialwindow-comment.yml",
    ];
    const texts = await Promise.all(files.map((f) => readFile(repoPath(...f.split("/")), "utf8")));
    for (const [i, text] of texts.entries()) {
      const workflow = parse(text);
      assert.deepEqual(workflow.on.workflow_run.types, ["completed"], files[i]);
      const steps: Step[] = workflow.jobs.comment.steps;
      assert.ok(!steps.some((s) => s.uses?.startsWith("actions/checkout")), `${files[i]} checks out code`);
      assert.ok(!steps.some((s) => s.run !== undefined), `${files[i]} runs a shell`);
      assert.deepEqual(workflow.jobs.comment.permissions, { actions: "read", "pull-requests": "write" });
    }
    // One script, two copies: they may differ only in the workflows they follow.
    const strip = (t: string) => t.replace(/workflows: \[.*\]/, "");
    assert.equal(strip(texts[0] as string), strip(texts[1] as string));
  });
});
