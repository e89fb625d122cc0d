import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  PreconditionFailedError,
  ProtocolError,
  UnprocessableError,
} from "../../src/live/errors.js";
import { CampaignBoard } from "../../src/reconcile/campaign-status.js";
import { AttemptWitness, reasonOf } from "../../src/reconcile/failure-reason.js";

const request = { method: "PATCH", url: "https://cxone.example/api/v2/outbound/campaigns/1", headers: {} };
const http = (status: number) => new HttpError({ status, request });

describe("campaign board", () => {
  it("says a problem is news the first time and when its reason or message changes, never on a repeat", () => {
    const b = new CampaignBoard();
    assert.equal(b.problem("1", "failing", "unavailable", "CXone down", 1000).news, true);
    assert.equal(b.problem("1", "failing", "unavailable", "CXone down", 2000).news, false);
    assert.equal(b.problem("1", "failing", "rejected", "422: too many blocks", 3000).news, true);
    assert.equal(b.problem("1", "failing", "rejected", "422: three windows", 4000).news, true);
    const p = b.problemOf("1");
    assert.equal(p?.failures, 4, "attempts since it was last fine, whatever their reason");
    assert.equal(p?.since, 1000);
    b.retryAt("1", 9000);
    assert.equal(b.problemOf("1")?.nextRetryAt, 9000);
    const ended = b.ok("1", "in_sync");
    assert.equal(ended?.reason, "rejected");
    assert.equal(b.problemOf("1"), undefined);
    assert.equal(
      b.problem("1", "failing", "rejected", "422: three windows", 5000).news,
      true,
      "news again after recovery",
    );
  });

  it("counts campaigns per state and problems per reason; a resync's drift does not hide a problem", () => {
    const b = new CampaignBoard();
    b.ok("a", "in_sync");
    b.ok("b", "in_sync");
    b.drifted("c");
    b.problem("d", "blocked", "invalid_file", "campaigns/d.yaml:3:1 DW015 …", 0);
    b.problem("e", "failing", "rejected", "422", 0);
    b.drifted("e");
    assert.deepEqual(b.counts(), { in_sync: 2, drifted: 1, blocked: 1, failing: 1 });
    assert.deepEqual(
      [...b.reasons()],
      [
        ["invalid_file", 1],
        ["rejected", 1],
      ],
    );
    assert.equal(b.problemOf("d")?.failures, 0, "a blocked campaign is not attempted");
    assert.equal(b.problemOf("d")?.nextRetryAt, undefined);
    b.keepOnly((id) => id !== "e");
    assert.deepEqual(b.counts(), { in_sync: 2, drifted: 1, blocked: 1, failing: 0 });
  });
});

describe("failure reasons", () => {
  it("maps each kind of error to one label of the fixed set", () => {
    assert.equal(reasonOf(new UnprocessableError({ status: 422, request })), "rejected");
    assert.equal(reasonOf(http(400)), "rejected");
    assert.equal(reasonOf(new PreconditionFailedError({ status: 412, request })), "conflict");
    assert.equal(reasonOf(new AuthenticationError({ status: 401, request })), "unauthorized");
    assert.equal(reasonOf(http(403)), "unauthorized");
    assert.equal(reasonOf(http(404)), "not_found");
    assert.equal(reasonOf(http(503)), "unavailable");
    assert.equal(reasonOf(http(429)), "unavailable");
    assert.equal(reasonOf(new NetworkError("GET", "https://x")), "unavailable");
    assert.equal(reasonOf(new ProtocolError("no ETag")), "invalid_response");
    assert.equal(reasonOf(new TypeError("a bug")), "other");
  });

  it("a witness tells an attempt's reason from what the port and the journal did", async () => {
    const port = {
      write: async () => {
        throw new UnprocessableError({ status: 422, request });
      },
      read: async () => undefined,
    };
    const journal = {
      intent: async () => "int_1",
      written: async () => {
        throw new Error("ENOSPC: no space left on device");
      },
    };

    const rejected = new AttemptWitness();
    await rejected
      .watch(port, "cxone")
      .write()
      .catch(() => undefined);
    assert.equal(rejected.reason(), "rejected");

    const gone = new AttemptWitness();
    assert.equal(await gone.watch(port, "cxone").read(), undefined);
    assert.equal(gone.reason(), "not_found");

    const disk = new AttemptWitness();
    const j = disk.watch(journal, "journal");
    assert.equal(await j.intent(), "int_1");
    await assert.rejects(j.written(), /ENOSPC/);
    assert.equal(disk.journalCalls, 1);
    assert.equal(disk.reason(), "state_dir");

    assert.equal(new AttemptWitness().reason(new NetworkError("GET", "https://x")), "unavailable");
  });
});
