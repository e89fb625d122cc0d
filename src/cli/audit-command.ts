/** `dialwindow audit verify`: check the audit trail's hash chain as published. */
import { originOf } from "../apply/pipeline.js";
import { verifyAuditTrail } from "../audit/verify.js";
import { resolveConfig } from "../desired/config.js";
import { loadDesiredState } from "../desired/load.js";
import { toJson } from "../escape/json.js";
import { safeText as t } from "../escape/text.js";
import { resolveStateDir, statePath } from "../state/state-dir.js";
import { resolveDir } from "./common.js";
import { type CliIo, EXIT } from "./io.js";

export interface AuditFlags {
  dir?: string;
  stateDir?: string;
  remote?: string;
  branch?: string;
  format?: string;
}

export async function auditVerifyCommand(io: CliIo, flags: AuditFlags): Promise<number> {
  const dir = resolveDir(io, flags.dir);
  const loaded = await loadDesiredState(dir);
  const config = resolveConfig(loaded.config?.value, io.env);
  const remote = flags.remote ?? (await originOf(dir)) ?? undefined;
  const stateDir = resolveStateDir({ flag: flags.stateDir, env: io.env, desiredDir: dir, cwd: io.cwd }).path;
  const result = await verifyAuditTrail({
    ...(remote ? { remote } : { workDir: statePath(stateDir, "auditRepo") }),
    branch: flags.branch ?? config.audit.branch,
    path: config.audit.path,
  });
  if (flags.format === "json") {
    io.stdout(`${toJson({ formatVersion: 1, ...result }, 2)}\n`);
  } else if (result.ok) {
    io.stdout(
      `✓ audit trail intact: ${result.records} record(s) in ${result.files} file(s) on ${t(flags.branch ?? config.audit.branch)} at ${t(result.commit?.slice(0, 12) ?? "(empty)")}, read from ${result.source === "remote" ? `the remote ${t(remote ?? "")}` : "the local trail"}.\n`,
    );
  } else {
    const b = result.firstBroken;
    io.stdout(
      `✗ audit trail broken at ${t(b?.file ?? "")}:${b?.line}: ${t(b?.message ?? "")} (${t(b?.reason ?? "")}).\n${result.records} record(s) before it verified.\n`,
    );
  }
  return result.ok ? EXIT.ok : EXIT.failure;
}
