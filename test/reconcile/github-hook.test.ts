import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyGitHubSignature } from "../../src/reconcile/github-hook.js";
import { signGitHubPayload } from "../helpers/github-hook.js";

// The example from GitHub's "Validating webhook deliveries" documentation.
const DOC_SECRET = "It's a Secret to Everybody";
const DOC_BODY = Buffer.from("Hello, World!");
const DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("verifyGitHubSignature", () => {
  it("accepts GitHub's documented example, and signs it the same way", () => {
    assert.deepEqual(verifyGitHubSignature(DOC_BODY, DOC_SIGNATURE, DOC_SECRET), { ok: true });
    assert.deepEqual(verifyGitHubSignature(DOC_BODY, [DOC_SIGNATURE], DOC_SECRET), { ok: true });
    assert.equal(signGitHubPayload(DOC_BODY, DOC_SECRET), DOC_SIGNATURE);
    assert.equal(signGitHubPayload("Hello, World!", DOC_SECRET), DOC_SIGNATURE);
  });

  it("rejects a missing signature", () => {
    for (const header of [undefined, "", "  ", []]) {
      assert.deepEqual(verifyGitHubSignature(DOC_BODY, header, DOC_SECRET), { ok: false, reason: "missing" });
    }
  });

  it("rejects a malformed signature", () => {
    const hex = DOC_SIGNATURE.slice("sha256=".length);
    for (const header of [
      hex,
      `sha1=${hex.slice(0, 40)}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}00`,
      `sha256=${hex.slice(0, 63)}z`,
      `sha256:${hex}`,
      [DOC_SIGNATURE, DOC_SIGNATURE],
    ]) {
      assert.deepEqual(verifyGitHubSignature(DOC_BODY, header, DOC_SECRET), {
        ok: false,
        reason: "malformed",
      });
    }
  });

  it("rejects a signature made with another secret or over another body", () => {
    assert.deepEqual(verifyGitHubSignature(DOC_BODY, DOC_SIGNATURE, "another secret"), {
      ok: false,
      reason: "mismatch",
    });
    assert.deepEqual(verifyGitHubSignature(Buffer.from("Hello, World?"), DOC_SIGNATURE, DOC_SECRET), {
      ok: false,
      reason: "mismatch",
    });
    // Re-serialised JSON is a different body: the raw bytes are what count.
    const raw = Buffer.from('{"ref": "refs/heads/main"}');
    const sig = signGitHubPayload(raw, DOC_SECRET);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    assert.deepEqual(verifyGitHubSignature(reserialised, sig, DOC_SECRET), { ok: false, reason: "mismatch" });
  });

  it("refuses to verify with an empty secret", () => {
    assert.throws(() => verifyGitHubSignature(DOC_BODY, DOC_SIGNATURE, ""), RangeError);
  });
});
