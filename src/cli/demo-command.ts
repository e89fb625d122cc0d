/**
 * `dialwindow demo` (what `npm start` runs): the whole loop on loopback, in one process.
 * A CXone simulator seeded from desired-state/ with some campaigns changed by hand, a WFM
 * webhook receiver that verifies signatures, the reconciler in enforce mode, and an audit
 * trail pushed to a scratch repository under the state directory (never the user's own
 * branches). Then it keeps watching desired-state/ so an edit is applied within seconds.
 *
 * `--profile cxone-admin` runs the same loop on the real Admin API's shapes: the cxone-admin
 * simulator, PC skills from examples/cxone-admin/, windows translated into the business unit's
 * zone, and hand edits made to the skills' schedule-settings.
 *
 * One file although long: both profiles' demos, which must show the same loop.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, relative } from "node:path";
import type { DateTime } from "luxon";
import { Webhook } from "standardwebhooks";
import { effectiveSchedule } from "../desired/effective.js";
import type { Schedule } from "../desired/schedule.js";
import { type ValidationResult, validateDesiredState } from "../desired/validate.js";
import { safeText as t } from "../escape/text.js";
import { ADMIN_DAYS, flatSettings, settingsFor } from "../live/admin-wire.js";
import type { ProfileName } from "../live/capabilities.js";
import { connect } from "../live/connect.js";
import { ianaZoneOf } from "../live/windows-zones.js";
import { buildPlan } from "../plan/plan.js";
import { renderText, shortRevision } from "../plan/render.js";
import { type ReconcileEvent, Reconciler } from "../reconcile/reconciler.js";
import {
  DEFAULT_BUSINESS_UNIT,
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type ScheduleSettings,
  startAdminSimulator,
  startSimulator,
} from "../simulator/index.js";
import { checkStateDir, DEFAULT_STATE_DIR_NAME } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import { git } from "../util/git.js";
import { guardedListener } from "../util/http-listener.js";
import { packageRoot } from "../util/paths.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";
import { planTargetOf } from "./session.js";
import { validationText } from "./validate-command.js";

export interface DemoFlags {
  dir?: string;
  /** tutorial (default) or cxone-admin. */
  profile?: string;
}

/** The simulator the demo runs, whichever profile: what to print and the env that reaches it. */
interface DemoBackend {
  url: string;
  env: Record<string, string>;
  /** What dialwindow.yaml's cxone section says that the demo replaces: the simulator's URLs. */
  cxone: Partial<ValidationResult["config"]["cxone"]>;
  edited: number;
  writeHow: string;
  close(): Promise<void>;
}

/** Three hand edits someone made in the CXone UI, so the first plan has something to show. */
function handEdits(schedules: Map<string, Schedule>): string[] {
  const edited: string[] = [];
  const ids = [...schedules.keys()].sort();
  const edit = (id: string | undefined, change: (s: Schedule) => Schedule) => {
    const s = id === undefined ? undefined : schedules.get(id);
    if (!id || !s) return;
    schedules.set(id, change(s));
    edited.push(id);
  };
  edit(ids[0], (s) => ({
    ...s,
    dialingHours: s.dialingHours.map((h) => (h.day === "FRI" ? { ...h, endTime: "20:30" } : h)),
  }));
  edit(ids[1], (s) => ({ ...s, pauseConditions: ["BUSY"] }));
  edit(ids[ids.length - 1], (s) => ({ ...s, dialingHours: s.dialingHours.filter((h) => h.day !== "TUE") }));
  return edited;
}

export async function demoCommand(io: CliIo, flags: DemoFlags): Promise<number> {
  const profile = (flags.profile ?? "tutorial") as ProfileName;
  if (profile !== "tutorial" && profile !== "cxone-admin")
    throw new UsageError(`--profile ${flags.profile} is not one of tutorial, cxone-admin.`);
  const dir = flags.dir
    ? resolveDir(io, flags.dir)
    : join(packageRoot(), profile === "cxone-admin" ? join("examples", "cxone-admin") : "desired-state");
  const shown = t(relative(io.cwd, dir) || ".");
  const stateDir = join(dir, DEFAULT_STATE_DIR_NAME, "demo");
  const out = (line = "") => io.stdout(`${line}\n`);

  const at = io.now();
  const desired = await validateDesiredState(dir, { at, env: io.env });
  if (!desired.valid) {
    io.stderr(validationText(desired));
    return EXIT.failure;
  }
  if (desired.config.cxone.profile !== profile) {
    io.stderr(
      `dialwindow demo: ${t(shown)}/dialwindow.yaml says cxone.profile: ${desired.config.cxone.profile}; run the demo with --profile ${desired.config.cxone.profile}, or point --dir at a ${profile} repository.\n`,
    );
    return EXIT.failure;
  }
  // A fresh scratch state each run, so the demo tells the same story every time; never inside
  // a .dialwindow/ that is a link or comes from a commit.
  await checkStateDir(dirname(stateDir));
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const auditRemote = join(stateDir, "audit-remote.git");
  await git(["init", "-q", "--bare", auditRemote], { cwd: stateDir });

  const backend =
    profile === "cxone-admin" ? await adminBackend(desired, at) : await tutorialBackend(desired, at);

  // The WFM system: verifies every delivery's Standard Webhooks signature.
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const verifier = new Webhook(secret);
  const seen = new Set<string>();
  const receiver = createServer(
    guardedListener(
      async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        try {
          const payload = verifier.verify(body, req.headers as Record<string, string>) as {
            campaign_id: string;
            change_id: string;
          };
          const name =
            desired.campaigns.find((c) => c.campaignId === payload.campaign_id)?.name ?? payload.campaign_id;
          if (!seen.has(payload.change_id))
            out(`    ↳ WFM received ${t(name)} (webhook-id ${t(payload.change_id)}), signature verified`);
          seen.add(payload.change_id);
          res.writeHead(204).end();
        } catch {
          out("    ↳ WFM rejected a delivery: bad signature");
          res.writeHead(401).end();
        }
      },
      // A delivery cut off mid-body is the sender's to retry; the demo goes on.
      { onHandlerError: (_err, _req, res) => (res.headersSent ? res.destroy() : res.writeHead(500).end()) },
    ),
  );
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wfm`;

  const env = {
    ...io.env,
    ...backend.env,
    ...Object.fromEntries(desired.config.webhooks.map((w) => [w.secretEnv, secret])),
  };
  const quiet = io.logger("warn");

  out("dialwindow demo: GitOps for NICE CXone outbound dialing schedules");
  out();
  out(
    `  desired state   ${shown}/ (${desired.campaigns.length} campaigns, validated: schema, overlaps, calling-hours law for a year)`,
  );
  out(`  CXone           a local ${profile} simulator at ${backend.url}`);
  out(`                  ${backend.edited} campaigns were changed by hand in its "UI" since the last apply`);
  out(`  WFM webhooks    a local receiver at ${receiverUrl}`);
  out(`  audit trail     pushed to a scratch repository: ${relative(io.cwd, auditRemote)}`);
  out();

  // The example's dialwindow.yaml names a real tenant; the demo never talks to it.
  const config = { ...desired.config, cxone: { ...desired.config.cxone, ...backend.cxone } };
  const connection = connect(config, env, { logger: quiet });
  try {
    const target = await planTargetOf(connection.port);
    const read = await connection.port.readCampaigns(desired.campaigns.map((c) => c.campaignId));
    const plan = buildPlan({
      target,
      campaigns: desired.campaigns,
      live: read.campaigns,
      problems: read.problems,
      at,
      revision: null,
      transitionDays: 7,
      // The demo seeded CXone from these very files before editing it "by hand": git is the
      // base, so the plan can say the differences are drift.
      baseline: new Map(desired.campaigns.map((c) => [c.campaignId, c])),
    });
    out("1. dialwindow plan: what differs between git and CXone");
    out();
    for (const line of renderText(plan, { target: backend.url }).split("\n").slice(2)) out(`   ${line}`);
  } finally {
    await connection.close();
  }

  out(`2. dialwindow reconcile (enforce): writing only what drifted, ${backend.writeHow}`);
  out();
  let stopping = false;
  const onReconciled = (e: ReconcileEvent) => {
    if (e.result === "applied" && e.change) {
      const diff = e.planned?.diff ?? [];
      out(
        `   ✓ ${t(e.name)}  ${t(e.file)}  version ${t(e.change.versionBefore)} → ${t(e.change.versionAfter)}`,
      );
      for (const d of diff.slice(0, 6)) {
        if (d.path === "dialingHours")
          out(
            `       ${t(d.value.day)}  ${d.op === "add" ? "+" : "-"} ${t(d.value.startTime)}–${t(d.value.endTime)}`,
          );
        else if (d.path === "pauseConditions")
          out(`       pause on  ${d.op === "add" ? "+" : "-"} ${t(d.value)}`);
        else if (d.path === "scheduled") out("       schedule  switched on");
        else out(`       timezone  ${t(d.before)} → ${t(d.after)}`);
      }
      if (diff.length > 6) out(`       … and ${diff.length - 6} more`);
    } else if (e.result === "blocked") {
      out(`   ✗ ${t(e.name)}: blocked, not written: ${t(e.detail ?? "")}`);
    } else if (e.result === "failed") {
      out(`   ✗ ${t(e.name)}: ${t(e.detail ?? "failed")} (retried with backoff)`);
    } else if (e.result === "held") {
      out(`   … ${t(e.name)}: ${t(e.detail ?? "held")}`);
    }
  };
  let firstFlush = true;
  const reconciler = await Reconciler.start({
    dir,
    stateDir,
    mode: "enforce",
    listen: "127.0.0.1:0",
    cwd: io.cwd,
    env,
    logger: quiet,
    auditRemote,
    transformConfig: (c) => ({ ...c, webhooks: c.webhooks.map((w) => ({ ...w, url: receiverUrl })) }),
    events: {
      onReconciled,
      onFlushed: (s) => {
        if (s.audit.commit) {
          out(
            `   audit: ${s.audit.appended} record(s) committed as ${s.audit.commit.slice(0, 12)}${s.audit.pushed ? ", pushed" : ""}`,
          );
          void git(["log", "-1", "--format=%s", "dialwindow-audit"], {
            cwd: auditRemote,
            gitDir: auditRemote,
          }).then(
            (subject) => out(`          "${t(subject.trim())}"`),
            () => undefined,
          );
        }
        if (firstFlush && !stopping) {
          firstFlush = false;
          setTimeout(() => {
            out();
            out(
              `3. Watching ${shown}/ (and re-reading CXone every ${Math.round(desired.config.reconcile.resyncIntervalMs / 60_000)} min for changes made by hand).`,
            );
            out(
              `   Try it: in ${shown}/campaigns/sales/renewals-west.yaml change end: "18:00" to "17:00" and save;`,
            );
            out(
              "   the change is applied within seconds, announced to WFM and committed to the audit trail.",
            );
            out(
              `   Health, campaign status and Prometheus metrics: ${reconciler.address ?? ""}/readyz  ${reconciler.address ?? ""}/status  ${reconciler.address ?? ""}/metrics`,
            );
            out(
              `   Check the audit trail: npx dialwindow audit verify --dir ${shown} --remote ${relative(io.cwd, auditRemote)}`,
            );
            out("   Press Ctrl+C to stop.");
            out();
          }, 300);
        }
      },
      onLoaded: (s, changed) => {
        if (stopping) return;
        out(
          `   ${shown}/ changed (revision ${s.revision ? shortRevision(s.revision) : "not a git checkout"}): ${changed.length} campaign(s) to reconcile${s.invalidFiles.length ? `, ${s.invalidFiles.length} invalid file(s)` : ""}`,
        );
        for (const f of s.invalidFiles) out(`   ✗ ${t(f.reasons[0] ?? f.file)}`);
      },
    },
  });

  const finished = new Promise<void>((resolve) => {
    io.onStopSignal(() => {
      stopping = true;
      out();
      out("Stopping: finishing in-flight writes, flushing webhooks and the journal…");
      void reconciler
        .stop("Ctrl+C")
        .then(() => backend.close())
        .then(() => {
          receiver.closeAllConnections();
          receiver.close();
          out(
            `Stopped cleanly. The journal, outbox and audit repository are in ${relative(io.cwd, stateDir)}/.`,
          );
          resolve();
        });
    });
  });
  await reconciler.run();
  await finished;
  return EXIT.ok;
}

async function tutorialBackend(desired: ValidationResult, at: DateTime): Promise<DemoBackend> {
  const schedules = new Map(desired.campaigns.map((c) => [c.campaignId, effectiveSchedule(c, at)]));
  const edited = handEdits(schedules);
  const sim = await startSimulator({
    campaigns: desired.campaigns.map((c) => ({
      id: c.campaignId,
      name: c.name,
      schedule: schedules.get(c.campaignId) as Schedule,
    })),
  });
  return {
    url: sim.apiUrl,
    env: {
      CXONE_API_URL: sim.apiUrl,
      CXONE_TOKEN_URL: sim.tokenUrl,
      CXONE_CLIENT_ID: DEMO_CLIENT_ID,
      CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    },
    cxone: { apiUrl: sim.apiUrl, tokenUrl: sim.tokenUrl },
    edited: edited.length,
    writeHow: "with If-Match",
    close: () => sim.close(),
  };
}

/**
 * The cxone-admin simulator with the example's PC skills in sync (their windows translated
 * into the business unit's zone), then three hand edits in its "UI": a later Friday end, a
 * Tuesday switched off, and a schedule switched off altogether.
 */
async function adminBackend(desired: ValidationResult, at: DateTime): Promise<DemoBackend> {
  const zone =
    desired.config.cxone.scheduleTimezone ?? (ianaZoneOf(DEFAULT_BUSINESS_UNIT.defaultTimeZone) as string);
  const blank = {
    isScheduled: false,
    days: Object.fromEntries(ADMIN_DAYS.map(([d]) => [d, { start: "08:00", end: "21:00", active: false }])),
  } as Parameters<typeof settingsFor>[1];
  const ids = desired.campaigns.map((c) => c.campaignId).sort();
  const edits: Record<string, Partial<ScheduleSettings>> = {
    ...(ids[0] ? { [ids[0]]: { fridayEndTime: "19:30" } } : {}),
    ...(ids[1] ? { [ids[1]]: { isScheduled: false } } : {}),
    ...(ids[2] ? { [ids[2]]: { tuesdayIsActive: false } } : {}),
  };
  const sim = await startAdminSimulator({
    skills: [
      ...desired.campaigns.map((c) => ({
        skillId: c.campaignId,
        skillName: c.name,
        scheduleSettings: {
          ...(flatSettings(
            settingsFor(effectiveSchedule(c, at, zone), blank),
          ) as unknown as ScheduleSettings),
          ...edits[c.campaignId],
        },
      })),
      // An inbound skill the reconciler must leave alone.
      { skillId: 4159999, skillName: "Inbound support", outboundStrategy: null, isOutbound: false },
    ],
  });
  return {
    url: sim.apiEndpoint,
    env: {
      CXONE_ISSUER: sim.issuerUrl,
      CXONE_ACCESS_KEY_ID: DEMO_ACCESS_KEY_ID,
      CXONE_ACCESS_KEY_SECRET: DEMO_ACCESS_KEY_SECRET,
      CXONE_CLIENT_ID: DEMO_CLIENT_ID,
      CXONE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    },
    cxone: { issuer: sim.issuerUrl },
    edited: Object.keys(edits).length,
    writeHow: "each PUT checked by a GET before it and a read-back after it",
    close: () => sim.close(),
  };
}
