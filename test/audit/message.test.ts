import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatAuditMessage,
  isAuditCommit,
  parseAuditMessage,
  parseTrailers,
} from "../../src/audit/message.js";
import { record } from "./helpers.js";

const HEAD = "a".repeat(64);

describe("audit commit messages", () => {
  it("names the changes in the subject, shortening with an ellipsis, and ends in trailers", () => {
    const records = [
      record("1", "2026-03-01T08:00:00Z", { name: "q4-outreach" }),
      record("2", "2026-03-01T08:00:00Z", { name: "collections-east" }),
      record("3", "2026-03-01T08:00:00Z", { name: "a-campaign-with-a-rather-long-name-indeed" }),
    ];
    const message = formatAuditMessage(
      records,
      { revision: "abc123", actor: "dialwindow reconcile (pod-1)" },
      HEAD,
    );
    const [subject] = message.split("\n");
    assert.equal(subject, "audit: 3 schedule changes (q4-outreach, collections-east, …)");
    const trailers = parseTrailers(message);
    assert.equal(trailers.get("desired-state-revision"), "abc123");
    assert.equal(trailers.get("change-ids"), "chg_1, chg_2, chg_3");
    assert.equal(trailers.get("dialwindow-actor"), "dialwindow reconcile (pod-1)");
    assert.equal(trailers.get("dialwindow-audit-head"), HEAD);
    assert.equal(trailers.get("dialwindow-audit"), "true");
    const one = formatAuditMessage(
      [record("9", "2026-03-01T08:00:00Z")],
      { revision: null, actor: "me" },
      HEAD,
    );
    assert.equal(one.split("\n")[0], "audit: 1 schedule change (campaign-9)");
    assert.equal(parseTrailers(one).get("desired-state-revision"), "none");
  });

  it("reads back what it wrote, and a newline in a value cannot forge a trailer", () => {
    const message = formatAuditMessage(
      [record("1", "2026-03-01T08:00:00Z")],
      { revision: null, actor: "evil\nDialwindow-Audit: false" },
      HEAD,
    );
    assert.deepEqual(parseAuditMessage(message), {
      meta: { revision: null, actor: "evil Dialwindow-Audit: false" },
      changeIds: ["chg_1"],
      chainHead: HEAD,
    });
  });

  it("tells audit commits from desired-state commits", () => {
    const audit = formatAuditMessage(
      [record("1", "2026-03-01T08:00:00Z")],
      { revision: null, actor: "me" },
      HEAD,
    );
    assert.equal(isAuditCommit({ message: audit }), true);
    assert.equal(isAuditCommit({ message: audit, files: ["audit/2026/03/01.jsonl"] }), true);
    assert.equal(
      isAuditCommit({ message: "Move q4-outreach to 9-5\n", files: ["campaigns/q4.yaml"] }),
      false,
    );
    // Only a trailer counts, not the words quoted in a body.
    assert.equal(
      isAuditCommit({
        message:
          "Explain the audit\n\nWe mark audit commits with\nDialwindow-Audit: true\n\nSigned-off-by: a <a@b>\n",
      }),
      false,
    );
    // A hand edit confined to the trail changes no schedule either.
    assert.equal(
      isAuditCommit({ message: "fix typo\n", files: ["ops/audit/2026/03/01.jsonl"] }, { path: "ops/audit" }),
      true,
    );
    assert.equal(
      isAuditCommit(
        { message: "fix typo\n", files: ["ops/audit/x.jsonl", "campaigns/a.yaml"] },
        { path: "ops/audit" },
      ),
      false,
    );
    assert.equal(isAuditCommit({ message: "empty\n", files: [] }), false);
  });
});
