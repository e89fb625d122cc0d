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
