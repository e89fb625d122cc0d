import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerialQueue } from "../../src/util/serial-queue.js";

describe("SerialQueue", () => {
  it("runs one task at a time in the order asked; a failure reaches only its own caller", async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = queue.run(async () => {
      log.push("first starts");
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      log.push("first ends");
      return 1;
    });
    const second = queue.run(() => {
      log.push("second");
      throw new Error("second fails");
    });
    const third = queue.run(() => {
      log.push("third");
      return 3;
    });
    const idle = queue.idle().then(() => log.push("idle"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ["first starts"], "nothing else starts while the first runs");
    release();
    assert.equal(await first, 1);
    await assert.rejects(second, /second fails/);
    assert.equal(await third, 3);
    await idle;
    assert.deepEqual(log, ["first starts", "first ends", "second", "third", "idle"]);
  });
});
