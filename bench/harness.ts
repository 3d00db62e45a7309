/**
 * What a benchmark module provides and what it returns: one row of `bench-results.json` per figure
 * (docs/bench.md, contract). `note` is an extension for people; tools read the other fields.
 */
export interface BenchResult {
  bench: string;
  figure: string;
  value: number;
  /** The baseline measured in the same run: a peer system or the raw ceiling. */
  peer: string;
  peerValue: number;
  /** `value / peerValue`, or `peerValue / value` where smaller is better (e.g. seconds). */
  ratio: number;
  note?: string;
}

/** A module `bench/<name>.bench.ts` exports this as `benchmark` (or as its default export). */
export interface Benchmark {
  name: string;
  description: string;
  /** `scale` is BENCH_SCALE (1 for a full run); sizes and durations are multiplied by it. */
  run(scale: number): Promise<BenchResult[]>;
}

/** Enough digits to read a ratio at a glance: 72.6, 1.37, 0.042. */
export function ratioOf(numerator: number, denominator: number): number {
  if (denominator === 0) return Number.POSITIVE_INFINITY;
  const ratio = numerator / denominator;
  return Number(ratio >= 10 ? ratio.toFixed(1) : ratio.toPrecision(3));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function secondsSince(startNs: bigint): number {
  return Number(nowNs() - startNs) / 1e9;
}

export interface Throughput {
  /** Units of work per second of wall time. */
  perSecond: number;
  units: number;
  passes: number;
  seconds: number;
}

/**
 * Repeats `pass` (which does some work and returns how many units it did) until `seconds` have passed,
 * always finishing the pass it is in: a pass should be a fixed, whole batch (e.g. the whole request pool),
 * so that every measurement covers the same mix. The clock is read only between passes, so a pass should
 * take at least a millisecond or the clock read starts to count.
 */
export function timeLoop(seconds: number, pass: () => number): Throughput {
  let units = 0;
  let passes = 0;
  const started = nowNs();
  let elapsed = 0;
  do {
    units += pass();
    passes++;
    elapsed = secondsSince(started);
  } while (elapsed < seconds);
  return { perSecond: units / elapsed, units, passes, seconds: elapsed };
}

/** 1,234,567 for integers; up to three decimals otherwise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value)
    ? value.toLocaleString("en")
    : value.toLocaleString("en", { maximumFractionDigits: 3 });
}

/** The people's view of `bench-results.json`: one aligned row per figure, then the notes. */
export function formatTable(results: readonly BenchResult[]): string {
  if (results.length === 0) return "";
  const header = ["bench", "figure", "value", "peer", "peer value", "ratio"];
  const rows = results.map((r) => [
    r.bench,
    r.figure,
    formatNumber(r.value),
    r.peer,
    formatNumber(r.peerValue),
    `${formatNumber(r.ratio)}x`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = new Set([2, 4, 5]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const lines = [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
  const notes = results.filter((r) => r.note).map((r) => `${r.bench} / ${r.figure} vs ${r.peer}: ${r.note}`);
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}
