/**
 * deploy/kubernetes renders with `kubectl kustomize` (the real binary) and every object it
 * renders validates against the Kubernetes schemas (kubernetes-models); the properties the
 * README promises hold: one replica, the state volume, non-root with a read-only root
 * filesystem, every credential from a Secret, probes, and a second business unit's overlay
 * that shares nothing with the first.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { packageRoot } from "../../src/util/paths.js";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  args: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
  securityContext: {
    readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean;
    capabilities: { drop: string[] };
  };
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests: { cpu?: string; memory?: string } };
}
/** Just the fields the assertions read; the schemas check the rest. */
interface Spec {
  replicas: number | string;
  selector: Record<string, string> & { matchLabels: Record<string, string> };
  template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: Container[] } };
  volumeClaimTemplates: { metadata: { name: string } }[];
  ports: { port: number }[];
}
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec: Spec };

function kubectl(): string | undefined {
  for (const bin of [process.env.KUBECTL ?? "kubectl", "/usr/bin/kubectl"]) {
    try {
      execFileSync(bin, ["version", "--client"], { stdio: "ignore" });
      return bin;
    } catch {}
  }
  return undefined;
}

const bin = kubectl();
const skip = bin
  ? false
  : "no kubectl: install Debian's kubernetes-client package (apt-get install kubernetes-client)";
if (skip) console.log(`# skipping the Kubernetes manifest test: ${skip}`);

function render(path: string): Obj[] {
  const text = execFileSync(bin as string, ["kustomize", join(packageRoot(), path)], { encoding: "utf8" });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

/** Validates against the schema of the object's own apiVersion and kind; throws when invalid. */
async function validate(o: Obj): Promise<void> {
  const group = o.apiVersion.includes("/") ? o.apiVersion : `${o.apiVersion}`;
  const mod = (await import(`kubernetes-models/${group}/${o.kind}`)) as Record<
    string,
    new (
      x: Obj,
    ) => { validate(): void }
  >;
  const Model = mod[o.kind];
  assert.ok(Model, `kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

function find(objects: Obj[], kind: string): Obj {
  const o = objects.find((x) => x.kind === kind);
  assert.ok(o, `no ${kind} rendered`);
  return o;
}

describe("deploy/kubernetes", { skip }, () => {
  it("renders a base whose every object is valid Kubernetes and keeps the README's promises", async () => {
    const objects = render("deploy/kubernetes/base");
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
      "StatefulSet",
    ]);
    for (const o of objects) await validate(o);

    const sts = find(objects, "StatefulSet");
    assert.equal(sts.spec.replicas, 1);
    const pod = sts.spec.template.spec;
    const container = pod.containers[0] as Container;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    assert.deepEqual(
      sts.spec.volumeClaimTemplates.map((v) => v.metadata.name),
      ["state"],
    );
    assert.ok(
      container.volumeMounts.some((m) => m.name === "state" && m.mountPath === "/var/lib/dialwindow"),
    );
    assert.ok(container.args.includes("/var/lib/dialwindow"), "the state directory is on the volume");
    assert.equal(container.livenessProbe.httpGet.path, "/healthz");
    assert.equal(container.readinessProbe.httpGet.path, "/readyz");
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    // Every credential comes from the Secret, never a literal value.
    const credentials = container.env.filter((e) => /SECRET|CLIENT_ID|ACCESS_KEY|REPO_URL/.test(e.name));
    assert.deepEqual(credentials.map((e) => e.name).sort(), [
      "CXONE_ACCESS_KEY_ID",
      "CXONE_ACCESS_KEY_SECRET",
      "CXONE_CLIENT_ID",
      "CXONE_CLIENT_SECRET",
      "DIALWINDOW_GIT_WEBHOOK_SECRET",
      "DIALWINDOW_REPO_URL",
      "WFM_WEBHOOK_SECRET",
    ]);
    for (const e of credentials) {
      assert.equal(e.value, undefined, `${e.name} must not be a literal`);
      assert.equal(e.valueFrom?.secretKeyRef?.name, "dialwindow-credentials", e.name);
    }
    const service = find(objects, "Service");
    assert.deepEqual(
      service.spec.ports.map((p) => p.port),
      [9464],
    );
    assert.deepEqual(service.spec.selector, sts.spec.selector.matchLabels);
    assert.deepEqual(
      find(objects, "PodDisruptionBudget").spec.selector.matchLabels,
      sts.spec.selector.matchLabels,
    );
  });

  it("renders a second business unit that shares no name, selector, Secret or volume with the first", async () => {
    const base = render("deploy/kubernetes/base");
    const west = render("deploy/kubernetes/overlays/second-business-unit");
    for (const o of west) await validate(o);
    const baseNames = new Set(base.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const o of west)
      assert.ok(!baseNames.has(`${o.kind}/${o.metadata.name}`), `${o.kind}/${o.metadata.name} clashes`);
    const sts = find(west, "StatefulSet");
    assert.equal(sts.spec.selector.matchLabels["dialwindow.io/business-unit"], "west");
    const refs = (sts.spec.template.spec.containers[0] as Container).env
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => e.valueFrom?.secretKeyRef?.name);
    assert.equal(refs.length, 7);
    assert.ok(
      refs.every((n) => n === "dialwindow-credentials-bu-west"),
      refs.join(", "),
    );
  });

  it("catches an invalid object (the check can fail)", async () => {
    const sts = find(render("deploy/kubernetes/base"), "StatefulSet");
    sts.spec.replicas = "one";
    await assert.rejects(validate(sts), /replicas must be integer/);
  });
});
