// Small statistics helpers shared by the benchmarks (Node and browser): percentile, median, and a run summary.
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (values) => percentile(values, 50);
/** { median, min, max, runs } of a list of per-run values. */
export function summarize(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}
