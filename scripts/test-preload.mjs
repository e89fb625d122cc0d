// Loaded (--import) into every test process by scripts/run-tests.mjs, before node:test is.
//
// Node's test harness tracks which test each async resource belongs to (to give an uncaught
// error or a nested test to the right parent) with an async hook. Its `destroy` half only
// forgets resources that are gone, but a destroy hook makes node wrap and weakly track every
// promise for its whole life: about 15 % of the suite's CPU on Node 20, where the code under
// test makes millions of promises. The harness is given the same hook without `destroy`: every
// test still finds its parent and every error its test; the table of resources keeps the ones
// that are gone, a few hundred MB per test process at most, freed when it exits.
// Any other createHook call (and the harness's on a Node whose hook looks different) is left
// as it was.
import asyncHooks from "node:async_hooks";

const createHook = asyncHooks.createHook;
asyncHooks.createHook = function createHookWithoutHarnessDestroy(hooks) {
  const fromHarness = /internal[\\/]test_runner[\\/]harness/.test(new Error().stack ?? "");
  if (fromHarness && typeof hooks?.init === "function" && typeof hooks.destroy === "function") {
    return createHook.call(this, { init: hooks.init });
  }
  return createHook.call(this, hooks);
};
