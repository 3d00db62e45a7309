import { monitorEventLoopDelay } from "node:perf_hooks";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openDatabase } from "../../dist/db/database.js";
import { digesting } from "../../dist/fulfilment/archive.storage.js";
import { DirectoryArchiveStore } from "../../dist/fulfilment/archive-dir.storage.js";
import { openProductionDownload } from "../../dist/fulfilment/download.service.js";
import { fulfilRequest, recordSerializer } from "../../dist/fulfilment/fulfilment.service.js";
import { parseMasterKey } from "../../dist/shared/master-key.js";

/**
 * The process the package benchmark measures. It runs the compiled package (dist/), as `custodian fulfil`
 * and the server's job run in production: under the TypeScript loader the same process starts ~90 MiB
 * larger, which is the loader's, not packaging's. It prints one JSON line with its time and its peak
 * resident memory, the kernel's own high-water mark (getrusage maxrss), not a sample.
 *
 *   node bench/support/package-child.mjs package <database-url> <request-id> <records>
 *   node bench/support/package-child.mjs package-unstored <database-url> <request-id> <records>
 *   node bench/support/package-child.mjs download <database-url> <production-id> <user-id> <agency-id>
 *   node bench/support/package-child.mjs serialize - <records>
 * Each also reports its event-loop delay (p99 and max, ms) while it worked, and the CPU time its threads
 * spent (user and system seconds).
 * package-unstored packages into a store that hashes the archive and keeps nothing: packaging's CPU share.
 * The last only serializes the same records to JSON and CSV bytes as packaging does, and keeps nothing:
 * the floor under any packaging of them in this runtime, before hashing, encryption and storage.
 *
 * The master key comes from BENCH_MASTER_KEY, the archive directory from BENCH_ARCHIVE_DIR. Plain
 * JavaScript so that it needs no loader.
 */

const BODY_CHARS = 4000;
const NOW = new Date("2020-09-14T16:00:00Z");

/** A provider's system that holds many large posts: the connector interface, nothing else. */
function bulkSource(records) {
  const words = ["harbour", "light", "river", "stone", "quiet", "fox", "night", "owl", "market", "ferry"];
  const bodies = Array.from({ length: 64 }, (_, b) => {
    let text = "";
    for (let i = 0; text.length < BODY_CHARS; i++) text += `${words[(i * 7 + b) % words.length]} `;
    return text.slice(0, BODY_CHARS);
  });
  const start = Date.parse("2020-08-01T00:00:00Z");
  return {
    name: "bench bulk source",
    columns: () => ["post_id", "group_id", "body"],
    findAccount: async () => ({ id: "4242424242", label: "@bulk" }),
    contactFor: async () => undefined,
    // A post's id is a number, as a driver hands over an integer column (sql.source.ts passes numbers on),
    // and packaging writes its text. Not String(i) here: V8 keeps each string its number-to-string cache
    // makes until a number 16,384 later takes its slot, from a table in the old generation, so one new per
    // record was promoted and the old generation filled with them (a megabyte a second), the peak memory
    // of a production growing with its size. That was this source's doing, not a real one's: a driver
    // decodes a text column from its bytes, which keeps nothing, and packaging converts the numbers it is
    // given without the cache (fulfilment.collect.ts).
    async *read() {
      for (let i = 0; i < records; i++) {
        yield {
          at: new Date(start + i * 1000),
          fields: { post_id: i, group_id: `g${i % 97}`, body: bodies[i % bodies.length] },
        };
      }
    },
  };
}

const [mode, url, ...rest] = process.argv.slice(2);
const keyring = { current: parseMasterKey(process.env.BENCH_MASTER_KEY ?? ""), previous: [] };
const archives = new DirectoryArchiveStore(process.env.BENCH_ARCHIVE_DIR ?? "");
const database = mode === "serialize" ? undefined : await openDatabase({ url });
const baselineKiB = process.resourceUsage().maxRSS;
const cpuBefore = process.resourceUsage();
// How long the event loop was held at a time: what a server running this as a job could not answer in.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = performance.now();
let answer;
/** A store that hashes the archive as the directory store does, and keeps none of it. */
const unstored = {
  location: "nowhere",
  async put(_key, body) {
    const digest = digesting(body);
    for await (const _ of digest.through.length > 0 ? body.pipe(digest.through[0]) : body);
    return digest.result();
  },
  get: async () => {
    throw new Error("nothing is kept");
  },
  size: async () => undefined,
  delete: async () => undefined,
};

if (mode === "package" || mode === "package-unstored") {
  const [requestId, records] = rest;
  const phases = {};
  const result = await fulfilRequest(database?.db, {
    requestId,
    actor: "bench",
    settings: {
      keyring,
      archives: mode === "package" ? archives : unstored,
      retentionDays: 30,
      downloadLinkDays: 14,
      emergencyNoticeDelayDays: 30,
      publicUrl: "",
    },
    source: () => bulkSource(Number(records)),
    now: () => NOW,
    onProgress: (progress) => {
      phases[progress.phase] ??= performance.now();
    },
  });
  const end = performance.now();
  answer = {
    productionId: result.productionId,
    bytes: result.payloadBytes,
    // Seconds in each phase: the first read (measuring), then the second into tar + encryption + storage, then sealing.
    phases: {
      collect: (phases.package - phases.collect) / 1000,
      package: (phases.seal - phases.package) / 1000,
      seal: (end - phases.seal) / 1000,
    },
  };
} else if (mode === "download") {
  const [productionId, userId, agencyId] = rest;
  const download = await openProductionDownload(database?.db, {
    productionId,
    actor: { userId, email: "officer@bench.example.gov", role: "agency", agencyId, via: "session", mfa: true },
    keyring,
    archives,
    now: NOW,
  });
  let bytes = 0;
  // Piped, as the server pipes it to the agency's socket. Not `for await`: a stream read that way joins
  // everything it has buffered into one new buffer per read, work no response does.
  await pipeline(
    download.stream,
    new Writable({
      write(part, _encoding, callback) {
        bytes += part.length;
        callback();
      },
    }),
  );
  answer = { bytes };
} else if (mode === "serialize") {
  const source = bulkSource(Number(rest[0]));
  const serialize = recordSerializer(source.columns());
  let bytes = 0;
  for await (const record of source.read()) {
    const line = serialize("account_id:4242424242", "4242424242", record);
    bytes += Buffer.from(line.json, "utf8").length + 2 + Buffer.from(line.csv, "utf8").length;
  }
  answer = { bytes };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - started) / 1000;
const cpuAfter = process.resourceUsage();
// CPU time of every thread of the process (the event loop, the sealing worker, the thread pool), user and kernel.
const cpu = {
  user: (cpuAfter.userCPUTime - cpuBefore.userCPUTime) / 1e6,
  system: (cpuAfter.systemCPUTime - cpuBefore.systemCPUTime) / 1e6,
};
loop.disable();
const loopDelay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
await database?.close();
process.stdout.write(
  `${JSON.stringify({ ...answer, seconds, cpu, loopDelay, peakMiB: process.resourceUsage().maxRSS / 1024, baselineMiB: baselineKiB / 1024 })}\n`,
);
