/** docs/benchmarks.md: the figures, the targets, and what every column means. */
import type { Context } from "./report.js";

export function renderDocument(c: Context, header: string, table: string, targets: string): string {
  return `# Benchmarks

What dialwindow costs on a fleet, measured by \`npm run bench\` (issue 6). The figures below
are from the run described in the header; rerun the benchmark to get your machine's.

${header}

${table}

## Targets

Checked by the benchmark itself against the medians above (PASS / FAIL; n/a when this run
did not measure what the target needs). Counts are checked at N = 10,000 (at the largest N
when a run has no 10,000), times and memory only at 10,000, as the issue states them. Linear
growth compares what 50,000 campaigns cost with the straight line through the costs at 1,000
and 10,000 (node's fixed start-up cost is part of that line, so it cannot hide a superlinear
term); up to 1.25x above the line passes.

${targets}

## What is measured

For each N the benchmark generates a desired-state repository of N campaigns: five US time
zones, one or two windows per weekday, Saturdays for half and Sundays for some, recipients in
one or two zones, state regions with stricter rules (Florida and Oklahoma hours, no Sunday
calls in Alabama, Louisiana, Mississippi), a federal and a company holiday calendar, a company
no-calls-on-federal-holidays policy, and seasonal overrides (one in four campaigns). Every
campaign is valid and policy-compliant and validate reports no warnings. The repository is a
git checkout whose \`origin\` is a local bare repository, so apply's audit commits are real
pushes. \`dialwindow.yaml\` points the webhook at a local \`node:http\` receiver that checks
each Standard Webhooks signature.

The CXone simulator (\`src/simulator/\`, no rate limit, list endpoint on) is seeded with the
same N campaigns, in sync with the desired state at \`--at\`, and then a fraction D of them is
changed "by hand" (a day closed, a window ended 30 minutes early, or the pause conditions
changed). Before every operation that starts from drift the simulator is reset to that state.

Each dialwindow operation runs in a child process of its own (\`bench/child.ts\` calls the same
\`runCli\` as the \`dialwindow\` binary), so its peak RSS is its own. The simulator and the
receiver run in the parent process, on the same two cores.

| row | what runs |
|---|---|
| validate | \`dialwindow validate --dir REPO --at AT\` |
| plan | \`dialwindow plan --dir REPO --at AT\` (text output), against the drifted simulator |
| apply | \`dialwindow apply --dir REPO --at AT --state-dir TMP\` against the drifted simulator: PATCHes, journal, signed webhooks, one audit commit pushed to the bare origin |
| apply, nothing drifted | the same apply again, with the same state directory, right after |
| naive tutorial loop | the original tutorial's loop (\`bench/naive.ts\`): for every campaign, one after another, validate, GET for the ETag, PATCH with If-Match, POST an unsigned webhook, append a line to a local audit file, whether or not it drifted |
| plan, no list endpoint | plan against a simulator whose list endpoint answers 404: one GET per campaign |

The naive loop is a faithful port of \`CxoneScheduleUpdater.update_campaign\` with plain
undici, with two differences: it keeps one keep-alive connection pool for the whole run (the
tutorial opens a new HTTP client per campaign, which would only make it slower), and it sends
the schedule in the wire's camelCase (the tutorial's \`model_dump\` would send snake_case keys,
which CXone rejects). It runs for N up to 10,000; at 50,000 it would only take minutes to
show the same ratio. The no-list-endpoint plan and the second apply are measured up to the
same N; at 50,000 only validate, plan and apply run, for the growth target.

## Columns

| column | meaning |
|---|---|
| N | campaigns in the repository and in the simulator |
| wall s (min–max) | median wall-clock seconds from starting the process to its exit, as \`time\` would show it (node start and module loading included), with the fastest and slowest run |
| peak RSS MB (min–max) | the child process's peak resident set size (\`process.resourceUsage().maxRSS\`), median with the lowest and highest run. It varies between runs with when V8 collects garbage, which depends on how busy the other core is |
| token, list, GET, PATCH | API requests the simulator received, by kind: OAuth token requests, list-endpoint pages, per-campaign GETs, schedule writes |
| API requests | all of them together: what counts against CXone's per-client budget (webhooks do not) |
| webhooks | deliveries the receiver accepted: signed and verified for dialwindow, unsigned for the naive loop |
| audit commits | commits added to the audit branch of the bare origin by the operation (the naive loop writes a local JSONL file instead) |
| at 200 req/min | how long the same number of API requests takes at 200 requests per minute, the real API's per-client budget: API requests × 0.3 s. This is the floor under a real run, however fast the client is |

The local simulator answers in well under a millisecond, so wall times here are dialwindow's
own CPU and I/O cost, and they grow when something else runs on the machine (the header says
how busy it was at the start and during the run). Against CXone the request budget
dominates, which is what the last column shows. The client's own budget (\`cxone.requestsPerMinute\`) is raised to 100,000 in the
generated \`dialwindow.yaml\` so that it does not hide that cost.

## Rerun

\`\`\`sh
npm ci
npm run bench                        # N = 100, 1,000, 10,000 (3 runs) and 50,000 (2 runs); writes this file
npm run bench -- --quick             # N = 100 and 1,000, one run: a fast check (prints only)
npm run bench -- --n 100,1000 --drift 0.05 --page-size 500 --runs 5
npm run bench -- --profile /tmp/prof # also write a .cpuprofile per dialwindow command
node dist/bench/profile-summary.js /tmp/prof/plan-10000-1.cpuprofile   # top self-time functions
node dist/bench/profile-summary.js /tmp/prof/plan-10000-1.cpuprofile --focus partsOffset  # who called it
\`\`\`

Flags: \`--n\` (comma-separated, \`10k\` allowed), \`--drift\` (fraction), \`--page-size\`
(\`cxone.pageSize\`, at most 1,000), \`--runs\`, \`--quick\`, \`--naive-max\` (largest N for the
naive loop, the no-list-endpoint plan and the second apply), \`--at\`, \`--seed\`, \`--out FILE\`
(where to write this document; \`--quick\` and custom \`--n\` print only unless it is given),
\`--no-write\`, \`--profile DIR\` (a \`.cpuprofile\` per dialwindow command), \`--trace-gc DIR\`
(a V8 GC trace per dialwindow command), \`--keep\` (keep the temporary repositories).
Everything runs on 127.0.0.1 in a temporary directory that is removed afterwards. The
benchmark exits 1 only when a command exited with an unexpected code (then it did not measure
what it says); a FAIL above is a finding about dialwindow, not a failure of the benchmark.

Last run: \`${c.command}\`.
`;
}
