import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { type BenchResult, ratioOf } from "./harness.js";
import { buildDist } from "./support/build.js";
import { scratchDatabase } from "./support/postgres.js";

/**
 * `npm run bench -- import`: a ledger of 1,000,000 rows (× BENCH_SCALE) imported by `custodian import` on
 * PostgreSQL, as an operator runs it (a process of its own, its peak RSS from getrusage), against the same
 * rows (requests, decisions, audit entries, as the import wrote them) written into an empty store by
 * PostgreSQL's COPY through psql, with the same indexes and triggers: the floor for writing those rows.
 */

const AGENCIES = [
  ["GB", "Metropolitan Police Service"],
  ["US-CA", "San Francisco Police Department"],
  ["US", "Federal Bureau of Investigation"],
  ["DE", "Bundeskriminalamt"],
  ["FR", "Police nationale"],
] as const;
const PROCESSES = ["court_order", "search_warrant", "subpoena", "informal"];
const CATEGORIES = ["subscriber.email;records.ip_logs", "content.posts", "subscriber.name", "subscriber.billing"];
const OUTCOMES = ["produced", "rejected", "no_data", "preserved"];

async function writeLedger(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome\n");
  for (let i = 0; i < rows; i++) {
    const [jurisdiction, agency] = AGENCIES[i % AGENCIES.length] as readonly [string, string];
    const day = new Date(Date.UTC(2019, 0, 1) + (i % 1000) * 86_400_000).toISOString().slice(0, 10);
    const line = `L-${i},${day},${jurisdiction},${agency},${PROCESSES[i % 4]},${1 + (i % 3)},${CATEGORIES[(i >> 2) % 4]},${OUTCOMES[(i >> 3) % 4]}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}

function importProcess(file: string, url: string): Promise<{ seconds: number; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [new URL("./support/import-child.mjs", import.meta.url).pathname, "import", file],
      {
        env: { ...process.env, DATABASE_URL: url },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.resume();
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /maxRSS (\d+)/.exec(err);
      if (code !== 0 || !rss) reject(new Error(`import failed (${code}): ${err.slice(0, 500)}`));
      else resolve({ seconds, maxRssMiB: Number(rss[1]) / 1024 });
    });
  });
}

function psql(url: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      "psql",
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, ...args],
      { maxBuffer: 1 << 20 },
      (error, _out, stderr) => (error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve()),
    ),
  );
}

const TABLES = ["agency", "request", "decision", "audit_event"];

export const benchmark = {
  name: "import",
  description: "custodian import of a 1,000,000-row ledger on PostgreSQL (seconds, peak RSS) vs COPY of the same rows",
  async run(scale: number): Promise<BenchResult[]> {
    const rows = Math.max(1000, Math.round(1_000_000 * scale));
    const dir = mkdtempSync(join(tmpdir(), "custodian-bench-import-"));
    const imported = await scratchDatabase("import");
    const copied = await scratchDatabase("copy");
    try {
      const file = join(dir, "ledger.csv");
      await writeLedger(file, rows);
      buildDist();
      const run = await importProcess(file, imported.url);

      // The rows the import wrote, out with COPY, into an empty migrated store with COPY in one transaction.
      const target = await openDatabase({ url: copied.url });
      await migrateToLatest(target.db);
      await target.close();
      const files = TABLES.map((table) => [table, join(dir, `${table}.copy`)] as const);
      for (const [table, path] of files) await psql(imported.url, ["-c", `\\copy ${table} to '${path}'`]);
      const started = performance.now();
      await psql(copied.url, ["-1", ...files.flatMap(([table, path]) => ["-c", `\\copy ${table} from '${path}'`])]);
      const copySeconds = (performance.now() - started) / 1000;

      const note = `${rows} rows; rows/s import ${Math.round(rows / run.seconds)}, COPY ${Math.round(rows / copySeconds)}`;
      return [
        {
          bench: "import",
          figure: `custodian import, ${rows} rows, seconds`,
          value: Number(run.seconds.toFixed(1)),
          peer: "COPY of the same rows, seconds",
          peerValue: Number(copySeconds.toFixed(1)),
          ratio: ratioOf(copySeconds, run.seconds),
          note,
        },
        {
          bench: "import",
          figure: "custodian import, peak RSS (MiB)",
          value: Math.round(run.maxRssMiB),
          peer: "target (MiB)",
          peerValue: 300,
          ratio: ratioOf(300, run.maxRssMiB),
        },
      ];
    } finally {
      await imported.drop();
      await copied.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
