import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriverName } from "../src/db/database.js";
import { requestDocument } from "../test/support/fixtures.js";
import { freePort } from "../test/support/pg-cluster.js";
import { startProcess, storeWithOfficerToken } from "../test/support/server-process.js";
import { type BenchResult, ratioOf } from "./harness.js";
import { dropDatabase, SERVER_URL } from "./support/postgres.js";

/**
 * Ten documents of 9 MiB in one multipart submission (reliability probe 4e) to the real server process
 * (`node dist/cli/main.js serve`, built first), while `/api/v1/health` is asked every 100 ms: the health
 * latencies while the upload runs beside those of the idle server a moment before (the baseline), and the
 * server's resident memory before, at its peak during, and 10 s after. Embedded (PGlite) always;
 * PostgreSQL too when DATABASE_URL is set. BENCH_SCALE scales the document size.
 */

const MIB = 1024 * 1024;
const FILES = 10;
const PROBE_EVERY_MS = 100;
const PROBE_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Asks /health every 100 ms until stopped; a probe that times out counts as its timeout. */
function probeHealth(base: string, pid: number) {
  const latencies: number[] = [];
  let peakRss = rssMiB(pid);
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      try {
        await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then((r) => r.text());
      } catch {
        // A timed-out probe is recorded at its full wait below.
      }
      latencies.push(performance.now() - started);
      peakRss = Math.max(peakRss, rssMiB(pid));
      await sleep(PROBE_EVERY_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { latencies, peakRss };
    },
  };
}

function multipart(documentText: string, files: Buffer[]): { body: Buffer; contentType: string } {
  const boundary = `----custodian-bench-${randomBytes(8).toString("hex")}`;
  const parts: Buffer[] = [
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="request"\r\n\r\n${documentText}\r\n`),
  ];
  files.forEach((file, i) => {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="doc${i}"; filename="doc${i}.pdf"\r\ncontent-type: application/pdf\r\n\r\n`,
      ),
      file,
      Buffer.from("\r\n"),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function measure(driver: DriverName, scale: number): Promise<BenchResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), "custodian-bench-uploads-"));
  const dataDir = join(scratch, "data");
  const store = await storeWithOfficerToken(driver, driver === "postgres" ? { adminUrl: SERVER_URL } : { dataDir });
  const port = await freePort();
  const process_ =
    driver === "pglite"
      ? startProcess(["serve", "--port", String(port), "--data", dataDir], {})
      : startProcess(["serve", "--port", String(port)], { DATABASE_URL: store.url });
  const server = { token: store.token, port };
  try {
    await process_.waitFor(/listening on/);
    const base = `http://127.0.0.1:${server.port}`;
    const pid = process_.child.pid as number;
    const size = Math.max(1, Math.round(9 * MIB * scale));
    const files = Array.from({ length: FILES }, () => randomBytes(size));
    const { body, contentType } = multipart(
      requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
      files,
    );

    // Warm up (first routes compiled, first queries planned), then the idle baseline.
    for (let i = 0; i < 10; i++) await fetch(`${base}/api/v1/health`).then((r) => r.text());
    const idleProbe = probeHealth(base, pid);
    await sleep(3000);
    const idle = await idleProbe.stop();
    const rssBefore = rssMiB(pid);

    const busyProbe = probeHealth(base, pid);
    const started = performance.now();
    const answer = await fetch(`${base}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": contentType },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(300_000),
    });
    const answerText = await answer.text();
    const uploadSeconds = (performance.now() - started) / 1000;
    const busy = await busyProbe.stop();
    if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answerText.slice(0, 300)}`);
    await sleep(10_000);
    const rssAfter = rssMiB(pid);

    const label = `${driver}, ${FILES} x ${(size / MIB).toFixed(1)} MiB`;
    const idleP50 = percentile(idle.latencies, 50);
    const idleP99 = percentile(idle.latencies, 99);
    const busyP50 = percentile(busy.latencies, 50);
    const busyP99 = percentile(busy.latencies, 99);
    console.log(
      `  ${label}: upload ${uploadSeconds.toFixed(2)} s; health during upload p50 ${busyP50.toFixed(1)} ms, ` +
        `p99 ${busyP99.toFixed(1)} ms, max ${Math.max(...busy.latencies).toFixed(0)} ms (${busy.latencies.length} probes; ` +
        `idle p50 ${idleP50.toFixed(1)} / p99 ${idleP99.toFixed(1)} ms); RSS before ${rssBefore.toFixed(0)} MiB, ` +
        `peak during ${busy.peakRss.toFixed(0)} MiB, 10 s after ${rssAfter.toFixed(0)} MiB`,
    );
    return [
      {
        bench: "uploads",
        figure: `health p50 during upload, ms (${label})`,
        value: Number(busyP50.toFixed(1)),
        peer: "idle health p50, ms",
        peerValue: Number(idleP50.toFixed(1)),
        ratio: ratioOf(idleP50, busyP50),
      },
      {
        bench: "uploads",
        figure: `health p99 during upload, ms (${label})`,
        value: Number(busyP99.toFixed(1)),
        peer: "idle health p99, ms",
        peerValue: Number(idleP99.toFixed(1)),
        ratio: ratioOf(idleP99, busyP99),
        note: `upload took ${uploadSeconds.toFixed(2)} s; ${busy.latencies.length} probes during it`,
      },
      {
        bench: "uploads",
        figure: `peak RSS during upload, MiB (${label})`,
        value: Math.round(busy.peakRss),
        peer: "RSS before, MiB",
        peerValue: Math.round(rssBefore),
        ratio: ratioOf(rssBefore, busy.peakRss),
      },
      {
        bench: "uploads",
        figure: `RSS 10 s after upload, MiB (${label})`,
        value: Math.round(rssAfter),
        peer: "RSS before, MiB",
        peerValue: Math.round(rssBefore),
        ratio: ratioOf(rssBefore, rssAfter),
      },
    ];
  } finally {
    await process_.kill();
    if (store.url) await dropDatabase(store.url);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const benchmark = {
  name: "uploads",
  description: "10 x 9 MiB documents in one submission to the real server: health latency and RSS",
  async run(scale: number): Promise<BenchResult[]> {
    const results = await measure("pglite", scale);
    if (process.env.DATABASE_URL) results.push(...(await measure("postgres", scale)));
    return results;
  },
};
