// A node:test reporter for scripts/run-tests.mjs: one JSON line per top-level test (a file's
// describe or it), naming the source file it is in and how long it took. The runner sums them
// per file when asked to record test/durations.json.
export default async function* durations(source) {
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0) {
      const { file, details } = event.data;
      if (file) yield `${JSON.stringify({ file, ms: details.duration_ms })}\n`;
    }
  }
}
