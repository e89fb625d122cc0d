import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GitCommandError, redactUrls } from "../../src/audit/errors.js";

describe("audit git errors", () => {
  it("never carry the credentials of a remote URL", () => {
    const stderr =
      "fatal: unable to access 'https://x-access-token:ghp_abc123@github.com/acme/state.git/': Could not resolve host";
    const error = new GitCommandError("push", 128, stderr);
    assert.doesNotMatch(`${error.message}\n${error.stderr}`, /ghp_abc123|x-access-token/);
    assert.match(error.message, /https:\/\/\*\*\*@github\.com\/acme\/state\.git/);
    assert.equal(error.code, "DW_AUDIT_GIT");
    assert.equal(error.exitCode, 128);
    assert.equal(
      redactUrls("ssh://git@example.com/x.git and /srv/x.git"),
      "ssh://***@example.com/x.git and /srv/x.git",
    );
  });
});
