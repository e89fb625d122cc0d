import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GitError, redactUrls } from "../../src/util/git.js";

describe("git errors", () => {
  it("never carry the credentials of a remote URL", () => {
    const stderr =
      "fatal: unable to access 'https://x-access-token:ghp_abc123@github.com/acme/state.git/': Could not resolve host";
    const error = new GitError(
      ["push", "https://x-access-token:ghp_abc123@github.com/acme/state.git"],
      128,
      stderr,
    );
    assert.doesNotMatch(`${error.message}\n${error.stderr}`, /ghp_abc123|x-access-token/);
    assert.match(error.message, /https:\/\/\*\*\*@github\.com\/acme\/state\.git/);
    assert.equal(error.code, "DW_GIT");
    assert.equal(error.exitCode, 128);
    assert.equal(
      redactUrls("ssh://git@example.com/x.git and /srv/x.git"),
      "ssh://***@example.com/x.git and /srv/x.git",
    );
  });
});
