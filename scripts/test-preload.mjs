// Loaded (--import) into every test process by scripts/run-tests.mjs, before node:test is.
//
// Node's test harness tracks which test each async resource belongs to (to give an uncaught
// error or a nested test to the right parent) with an async hook. Its `destroy` half only
// forgets resources that are gone, but a destroy hook makes node wrap and weakly track every
// promise for its whole life: an await costs about 1.5 times as much, and the test processes
// (~750,000 promises in a run) spend ~5 % more CPU on Node 20. The harness is given the same
// hook without `destroy`: every test still finds its parent and every error its test; the table
// of resources keeps the ones that are gone (the test processes peak at 190 to 330 MB) until the
// process exits.
// Any other createHook call (and the harness's on a Node whose hook looks different) is left
// as it was. A test process (NODE_TEST_CONTEXT=child…) whose harness hook was not replaced says
// so on stderr when it exits (the runner shows it as a `#` line), so a Node whose harness has
// changed is seen, not silently slower.
import asyncHooks from "node:async_hooks";

let replaced = false;
const createHook = asyncHooks.createHook;
asyncHooks.createHook = function createHookWithoutHarnessDestroy(hooks) {
  const fromHarness = /internal[\\/]test_runner[\\/]harness/.test(new Error().stack ?? "");
  if (fromHarness && typeof hooks?.init === "function" && typeof hooks.destroy === "function") {
    replaced = true;
    return createHook.call(this, { init: hooks.init });
  }
  return createHook.call(this, hooks);
};

process.on("exit", () => {
  if (replaced || !process.env.NODE_TEST_CONTEXT?.startsWith("child")) return;
  process.stderr.write(
    `scripts/test-preload.mjs: node ${process.version}'s test harness made no async hook with init and destroy; its destroy hook (if any) stays, and this process runs without the preload's saving\n`,
  );
});
