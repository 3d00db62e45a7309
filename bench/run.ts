/**
 * `npm run bench [-- NAME...]`: runs the benchmarks (all, or the ones named), prints a table and writes
 * `bench-results.json` at the repository root (docs/bench.md). Figures only: nothing here fails on a
 * threshold. A benchmark that throws is reported and the others still run; the exit code is then 1.
 *
 * The registry is the directory: every `bench/<name>.bench.ts` is a benchmark, so adding one needs no
 * edit here. Modules are imported only when selected, so `npm run bench -- engine` needs neither
 * PostgreSQL nor the other benchmarks' dependencies.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { type Benchmark, type BenchResult, formatTable } from "./harness.js";

// docs/bench.md's order; benchmarks it does not name run after these, alphabetically.
const ORDER = ["engine", "intake", "http", "report", "package", "audit"];
const BENCH_FILE = /^([a-z0-9][a-z0-9-]*)\.bench\.ts$/;
const RESULTS_FILE = new URL("../bench-results.json", import.meta.url);

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function available(): string[] {
  const names = readdirSync(new URL(".", import.meta.url)).flatMap((file) => BENCH_FILE.exec(file)?.[1] ?? []);
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function readScale(): number {
  const raw = process.env.BENCH_SCALE;
  if (raw === undefined || raw === "") return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) fail(`BENCH_SCALE must be a positive number, got "${raw}"`);
  return scale;
}

function selected(args: readonly string[], known: readonly string[]): string[] {
  if (args.length === 0) return [...known];
  const unknown = args.find((name) => !known.includes(name));
  if (unknown !== undefined) fail(`unknown benchmark "${unknown}" (known: ${known.join(", ")})`);
  return [...new Set(args)];
}

function isBenchmark(value: unknown): value is Benchmark {
  const candidate = value as Partial<Benchmark> | null;
  return typeof candidate?.name === "string" && typeof candidate.run === "function";
}

async function load(name: string): Promise<Benchmark> {
  const module = (await import(new URL(`./${name}.bench.ts`, import.meta.url).href)) as Record<string, unknown>;
  const benchmark = module.benchmark ?? module.default;
  if (!isBenchmark(benchmark)) throw new Error(`bench/${name}.bench.ts exports no { name, description, run }`);
  return benchmark;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * An error no benchmark awaited (say a pg pool's 'error' event while a database is dropped) would
 * otherwise kill the process and lose every figure already measured; it fails the benchmark running
 * instead, or, between benchmarks, the run.
 */
let failRunning: ((error: unknown) => void) | undefined;
const strays: string[] = [];
function onStray(error: unknown): void {
  if (failRunning) {
    failRunning(error);
  } else {
    strays.push(messageOf(error));
    console.error(`bench: error outside any benchmark: ${messageOf(error)}`);
  }
}

function runGuarded(benchmark: Benchmark, scale: number): Promise<BenchResult[]> {
  return new Promise<BenchResult[]>((resolve, reject) => {
    failRunning = reject;
    benchmark.run(scale).then(resolve, reject);
  }).finally(() => {
    failRunning = undefined;
  });
}

async function main(): Promise<void> {
  const names = selected(process.argv.slice(2), available());
  const scale = readScale();
  const results: BenchResult[] = [];
  const failures: string[] = [];
  process.on("uncaughtException", onStray);
  process.on("unhandledRejection", onStray);

  for (const name of names) {
    console.log(`== ${name} (BENCH_SCALE=${scale})`);
    const started = performance.now();
    try {
      results.push(...(await runGuarded(await load(name), scale)));
      console.log(`== ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(name);
      console.error(`== ${name} aborted: ${messageOf(error)}`);
    }
  }

  // The file holds this run only, so every row's peer was measured beside it, as docs/bench.md requires.
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  if (results.length > 0) console.log(`\n${formatTable(results)}`);
  console.log(`\nwrote ${results.length} rows to bench-results.json`);
  if (failures.length > 0) console.error(`bench: ${failures.join(", ")} aborted (see above)`);
  if (failures.length > 0 || strays.length > 0) process.exitCode = 1;
}

await main();
