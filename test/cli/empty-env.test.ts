/**
 * An environment variable that is set but empty counts as unset, and where dialwindow would
 * fall back to dialwindow.yaml it is an error instead: in CI an unset secret arrives as "", and
 * falling back would send the credentials wherever a pull request's dialwindow.yaml points.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { runInProcess } from "../helpers/cli.js";
import { startReceiver } from "../helpers/receiver.js";
import { editFile, makeWorld } from "../helpers/world.js";

const AT = "2026-12-01T15:00:00Z";

/** The example repository whose dialwindow.yaml points CXone at a second local server. */
async function pointedAtAttacker() {
  const world = await makeWorld({ at: AT });
  const attacker = await startReceiver({});
  after(() => attacker.close());
  await editFile(world, "dialwindow.yaml", (t) =>
    t
      .replace(/apiUrl: \S+/, `apiUrl: ${attacker.url("/api/v2")}`)
      .replace(/tokenUrl: \S+/, `tokenUrl: ${attacker.url("/oauth/token")}`),
  );
  const nothingSent = () => {
    assert.equal(attacker.requests.length, 0, "the server dialwindow.yaml names was contacted");
    assert.equal(world.sim.countRequests(), 0, "the simulator was contacted");
  };
  return { world, nothingSent };
}

describe("a blank environment variable is an error, never a fallback to dialwindow.yaml", () => {
  it("blank CXONE_API_URL and CXONE_TOKEN_URL: each named, with what to do; nothing is sent", async () => {
    const { world, nothingSent } = await pointedAtAttacker();
    const env = { ...world.env, CXONE_API_URL: "", CXONE_TOKEN_URL: " \t" };
    const p = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env, now: AT });
    nothingSent();
    assert.equal(p.code, 1, p.stdout + p.stderr);
    assert.match(
      p.stderr,
      /CXONE_API_URL is set but empty \(as an unset CI secret is\): set it to the API base URL, or remove it from the environment to use cxone\.apiUrl from dialwindow\.yaml/,
    );
    assert.match(
      p.stderr,
      /CXONE_TOKEN_URL is set but empty \(as an unset CI secret is\): set it to the token endpoint URL, or remove it from the environment to use cxone\.tokenUrl from dialwindow\.yaml/,
    );
  });

  it("a blank CXONE_CLIENT_SECRET or CXONE_CLIENT_ID is named as set but empty; nothing is sent", async () => {
    const { world, nothingSent } = await pointedAtAttacker();
    for (const name of ["CXONE_CLIENT_SECRET", "CXONE_CLIENT_ID"]) {
      const env = { ...world.env, [name]: "  " };
      const p = await runInProcess(["plan", "--dir", world.dir, "--at", AT], { env, now: AT });
      nothingSent();
      assert.equal(p.code, 1, p.stdout + p.stderr);
      assert.match(
        p.stderr,
        new RegExp(`${name} is set but empty \\(as an unset CI secret is\\): set it to the client`),
      );
    }
  });

  it("apply refuses the same way before it touches the state directory's remote or CXone", async () => {
    const { world, nothingSent } = await pointedAtAttacker();
    const env = { ...world.env, CXONE_API_URL: "" };
    const a = await runInProcess(["apply", "--dir", world.dir, "--at", AT, "--webhook-wait", "1"], {
      env,
      now: AT,
    });
    nothingSent();
    assert.equal(a.code, 1, a.stdout + a.stderr);
    assert.match(a.stderr, /CXONE_API_URL is set but empty/);
  });
});
