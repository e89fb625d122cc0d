/**
 * A small reader for the Prometheus text format, enough for assertions on what /metrics says.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    // Case-insensitive like Prometheus' own parser (Go's ParseFloat): prom-client writes "Nan".
    const raw = (m[3] as string).toLowerCase();
    const value =
      raw === "+inf" || raw === "inf"
        ? Number.POSITIVE_INFINITY
        : raw === "-inf"
          ? Number.NEGATIVE_INFINITY
          : Number(raw);
    if (Number.isNaN(value) && raw !== "nan") throw new Error(`not a sample value: ${line}`);
    samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

/** The value of the one sample matching `name` and `labels` (a subset), or undefined. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matching.length > 1)
    throw new Error(`${matching.length} samples match ${name} ${JSON.stringify(labels)}`);
  return matching[0]?.value;
}
