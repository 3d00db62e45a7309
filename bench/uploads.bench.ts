import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DriverName } from "../src/db/database.js";
import { requestDocument } from "../test/support/fixtures.js";
import { probeHealth } from "../test/support/health-probe.js";
import { freePort } from "../test/support/pg-cluster.js";
import { type ServerProcess, startProcess, storeWithOfficerToken } from "../test/support/server-process.js";
import { type BenchResult, ratioOf } from "./harness.js";
import { dropDatabase, SERVER_URL } from "./support/postgres.js";

/**
 * Ten documents of 9 MiB to the real server process (`node dist/cli/main.js serve`, built first), in one
 * multipart submission (reliability probe 4e) and as ten submissions at once, while `/api/v1/health` is
 * asked every 100 ms: the health latencies while the uploads run beside those of the idle server a moment
 * before (the baseline), the server's own event-loop delay in both windows (support/loop-delay.mjs, loaded
 * into the server), and its resident memory before, at its peak during, and 10 s after. Embedded (PGlite)
 * always; PostgreSQL too when DATABASE_URL is set. BENCH_SCALE scales the document size;
 * BENCH_CPU_PROFILE=FILE profiles the server during the uploads.
 */

const MIB = 1024 * 1024;
const FILES = 10;
const PROBE_EVERY_MS = 100;
const PROBE_TIMEOUT_MS = 30_000;
const LOOP_DELAY = fileURLToPath(new URL("./support/loop-delay.mjs", import.meta.url));

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

/**
 * Asks /health every 100 ms from a worker thread (the bench's own thread is busy sending the uploads) and
 * samples the server's RSS, until stopped; a probe that times out counts as its timeout.
 */
function probeHealthAndRss(base: string, pid: number) {
  const probe = probeHealth(base, PROBE_EVERY_MS, PROBE_TIMEOUT_MS);
  let peakRss = rssMiB(pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(pid));
  }, PROBE_EVERY_MS);
  return {
    async stop() {
      clearInterval(sampler);
      const probes = await probe.stop();
      return { latencies: probes.map((p) => p.ms), peakRss: Math.max(peakRss, rssMiB(pid)) };
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

type Shape = "one submission" | "ten submissions";
const SHAPES: readonly Shape[] = ["one submission", "ten submissions"];

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** One window of support/loop-delay.mjs: SIGUSR2 opens it, `work` runs, SIGUSR2 closes it. */
async function loopDelayDuring<T>(process_: ServerProcess, work: () => Promise<T>): Promise<[T, LoopDelay]> {
  const seen = (process_.stderr().match(/^loop-delay .*$/gm) ?? []).length;
  process_.child.kill("SIGUSR2");
  const result = await work();
  process_.child.kill("SIGUSR2");
  for (let i = 0; i < 100; i++) {
    const lines = process_.stderr().match(/^loop-delay .*$/gm) ?? [];
    if (lines.length > seen) return [result, JSON.parse((lines.at(-1) as string).slice("loop-delay ".length))];
    await sleep(50);
  }
  throw new Error(`the server reported no event-loop delay; stderr: ${process_.stderr().slice(-500)}`);
}

async function submit(base: string, token: string, documentText: string, files: Buffer[]): Promise<void> {
  const { body, contentType } = multipart(documentText, files);
  const answer = await fetch(`${base}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(300_000),
  });
  const answerText = await answer.text();
  if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answerText.slice(0, 300)}`);
}

async function measure(driver: DriverName, scale: number, shape: Shape): Promise<BenchResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), "custodian-bench-uploads-"));
  const dataDir = join(scratch, "data");
  const store = await storeWithOfficerToken(driver, driver === "postgres" ? { adminUrl: SERVER_URL } : { dataDir });
  const port = await freePort();
  const env = { NODE_OPTIONS: `--import=${LOOP_DELAY}` };
  const process_ =
    driver === "pglite"
      ? startProcess(["serve", "--port", String(port), "--data", dataDir], env)
      : startProcess(["serve", "--port", String(port)], { ...env, DATABASE_URL: store.url });
  try {
    await process_.waitFor(/listening on/);
    const base = `http://127.0.0.1:${port}`;
    const pid = process_.child.pid as number;
    const size = Math.max(1, Math.round(9 * MIB * scale));
    const files = Array.from({ length: FILES }, () => randomBytes(size));
    // Each submission its own reference: an agency's second use of one is refused.
    const documentText = () =>
      requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] });

    // Warm up (first routes compiled, first queries planned), then the idle baseline.
    for (let i = 0; i < 10; i++) await fetch(`${base}/api/v1/health`).then((r) => r.text());
    await submit(base, store.token, documentText(), [randomBytes(64 * 1024)]);
    const [idle, idleLoop] = await loopDelayDuring(process_, async () => {
      const probe = probeHealthAndRss(base, pid);
      await sleep(3000);
      return probe.stop();
    });
    const rssBefore = rssMiB(pid);

    const [[busy, uploadSeconds], busyLoop] = await loopDelayDuring(process_, async () => {
      const probe = probeHealthAndRss(base, pid);
      const started = performance.now();
      const uploads =
        shape === "one submission"
          ? submit(base, store.token, documentText(), files)
          : Promise.all(files.map((file) => submit(base, store.token, documentText(), [file])));
      const outcome = await uploads.then(
        () => undefined,
        (error: unknown) => error,
      );
      const seconds = (performance.now() - started) / 1000;
      const probed = await probe.stop();
      if (outcome !== undefined) throw outcome;
      return [probed, seconds] as const;
    });
    await sleep(10_000);
    const rssAfter = rssMiB(pid);

    const label = `${driver}, ${FILES} x ${(size / MIB).toFixed(1)} MiB, ${shape}`;
    const idleP50 = percentile(idle.latencies, 50);
    const idleP99 = percentile(idle.latencies, 99);
    const busyP50 = percentile(busy.latencies, 50);
    const busyP99 = percentile(busy.latencies, 99);
    console.log(
      `  ${label}: uploads ${uploadSeconds.toFixed(2)} s; health during them p50 ${busyP50.toFixed(1)} ms, ` +
        `p99 ${busyP99.toFixed(1)} ms, max ${Math.max(...busy.latencies).toFixed(0)} ms (${busy.latencies.length} probes; ` +
        `idle p50 ${idleP50.toFixed(1)} / p99 ${idleP99.toFixed(1)} ms); event-loop delay during p50 ${busyLoop.p50} / ` +
        `p99 ${busyLoop.p99} / max ${busyLoop.max} ms (idle p99 ${idleLoop.p99}, max ${idleLoop.max} ms); ` +
        `RSS before ${rssBefore.toFixed(0)} MiB, peak during ${busy.peakRss.toFixed(0)} MiB, 10 s after ${rssAfter.toFixed(0)} MiB`,
    );
    return [
      {
        bench: "uploads",
        figure: `health p50 during uploads, ms (${label})`,
        value: Number(busyP50.toFixed(1)),
        peer: "idle health p50, ms",
        peerValue: Number(idleP50.toFixed(1)),
        ratio: ratioOf(idleP50, busyP50),
      },
      {
        bench: "uploads",
        figure: `health p99 during uploads, ms (${label})`,
        value: Number(busyP99.toFixed(1)),
        peer: "idle health p99, ms",
        peerValue: Number(idleP99.toFixed(1)),
        ratio: ratioOf(idleP99, busyP99),
        note: `uploads took ${uploadSeconds.toFixed(2)} s; ${busy.latencies.length} probes during them`,
      },
      {
        bench: "uploads",
        figure: `server event-loop delay p99 during uploads, ms (${label})`,
        value: busyLoop.p99,
        peer: "idle event-loop delay p99, ms",
        peerValue: idleLoop.p99,
        ratio: ratioOf(idleLoop.p99, busyLoop.p99),
        note: `max ${busyLoop.max} ms during, ${idleLoop.max} ms idle`,
      },
      {
        bench: "uploads",
        figure: `peak RSS during uploads, MiB (${label})`,
        value: Math.round(busy.peakRss),
        peer: "RSS before, MiB",
        peerValue: Math.round(rssBefore),
        ratio: ratioOf(rssBefore, busy.peakRss),
      },
      {
        bench: "uploads",
        figure: `RSS 10 s after uploads, MiB (${label})`,
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
  description:
    "10 x 9 MiB documents to the real server, in one submission and in ten at once: health latency, event-loop delay, RSS",
  async run(scale: number): Promise<BenchResult[]> {
    const drivers: DriverName[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
    const results: BenchResult[] = [];
    for (const driver of drivers) for (const shape of SHAPES) results.push(...(await measure(driver, scale, shape)));
    return results;
  },
};
