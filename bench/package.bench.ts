import { createCipheriv, randomBytes } from "node:crypto";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { openProductionDownload } from "../src/fulfilment/download.service.js";
import { fulfilRequest } from "../src/fulfilment/fulfilment.service.js";
import { generateMasterKeyText, parseMasterKey } from "../src/fulfilment/keyring.js";
import type { DataSource, SourceRecord } from "../src/fulfilment/sources/source.js";
import { DEFAULT_CHUNK_SIZE } from "../src/fulfilment/stream-cipher.js";
import { activatePolicy } from "../src/policy/policy.store.js";
import { transition } from "../src/requests/lifecycle.js";
import { intakeRequest } from "../src/requests/requests.service.js";
import { recordReview } from "../src/requests/reviews.service.js";
import { type BenchResult, ratioOf } from "./harness.js";
import { scratchDatabase } from "./support/postgres.js";

/**
 * Packaging a 1 GB production (BENCH_SCALE=0.1: 100 MB): the real `fulfilRequest`, from a data source
 * through collection, JSON and CSV spools, certificate, BagIt tar, chunked AES-256-GCM, into PostgreSQL,
 * beside raw AES-256-GCM over the same number of bytes in the same run (the ceiling: no serializing, no
 * hashing, no tar, no storage). The agency's download (decrypt and stream) is measured the same way.
 * Peak resident memory is sampled during each; the whole archive must never be held in memory.
 */

const MIB = 1024 * 1024;
const BODY_CHARS = 4000;
const POLICY = (await import("node:fs")).readFileSync(new URL("../policies/example.yaml", import.meta.url), "utf8");

/** A provider's system that holds many large posts: the connector interface, nothing else. */
function bulkSource(records: number): DataSource {
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
    async *read(): AsyncIterable<SourceRecord> {
      for (let i = 0; i < records; i++) {
        yield {
          at: new Date(start + i * 1000),
          fields: { post_id: String(i), group_id: `g${i % 97}`, body: bodies[i % bodies.length] as string },
        };
      }
    },
  };
}

/** Peak RSS while `work` runs, sampled every 20 ms. */
async function withPeakRss<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakMiB: number; startMiB: number; seconds: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMiB: peak / MIB, startMiB: start / MIB, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

/** Raw AES-256-GCM over `bytes` in chunks of the same size the archive uses: the ceiling. */
function rawGcm(bytes: number): number {
  const key = randomBytes(32);
  const chunk = randomBytes(DEFAULT_CHUNK_SIZE);
  const started = performance.now();
  let sink = 0;
  for (let done = 0, i = 0; done < bytes; done += chunk.length, i++) {
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32BE(i, 7);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    const part = bytes - done < chunk.length ? chunk.subarray(0, bytes - done) : chunk;
    sink += cipher.update(part).length + cipher.final().length + cipher.getAuthTag().length;
  }
  if (sink === 0) throw new Error("nothing encrypted");
  return (performance.now() - started) / 1000;
}

export const benchmark = {
  name: "package",
  description: "fulfil a 1 GB production (collect, bag, tar, AES-GCM, store) vs raw AES-256-GCM over the same bytes",
  async run(scale: number): Promise<BenchResult[]> {
    const target = Math.max(8 * MIB, Math.round(1024 * MIB * scale));
    // Each record appears twice (JSON and CSV), ~4.1 KB each time.
    const records = Math.ceil(target / (2 * (BODY_CHARS + 100)));
    const scratch = await scratchDatabase("package");
    const database = await openDatabase({ url: scratch.url });
    try {
      const { db } = database;
      await migrateToLatest(db);
      const now = new Date("2020-09-14T16:00:00Z");
      await db.transaction().execute((tx) => activatePolicy(tx, POLICY, "bench", now));
      const { id: agencyId } = await db
        .insertInto("agency")
        .values({ name: "Bench Bureau", jurisdiction: "US" })
        .returning("id")
        .executeTakeFirstOrThrow();
      const { id: userId } = await db
        .insertInto("app_user")
        .values({ email: "officer@bench.example.gov", display_name: "Officer", role: "agency", agency_id: agencyId })
        .returning("id")
        .executeTakeFirstOrThrow();
      const intake = await intakeRequest(db, {
        agencyId,
        originalDocument: JSON.stringify({
          reference: "BENCH-1",
          receivedAt: now.toISOString(),
          jurisdiction: "US",
          agency: { name: "Bench Bureau", email: "officer@bench.example.gov" },
          process: "search_warrant",
          targets: [{ type: "account_id", value: "4242424242" }],
          categories: ["content.posts"],
        }),
        actor: "bench",
        now,
        agencyVerified: true,
      });
      await db
        .transaction()
        .execute((tx) => transition(tx, intake.id, { to: "under_review", actor: "bench", reason: "bench", now }));
      // Content needs two people: a reviewer recommends, counsel approves.
      await recordReview(db, intake.id, { reviewer: "reviewer", verdict: "recommend_approve", now });
      await recordReview(db, intake.id, { reviewer: "counsel", verdict: "approve", now });
      const keyring = { current: parseMasterKey(generateMasterKeyText()), previous: [] };

      const packaged = await withPeakRss(() =>
        fulfilRequest(db, {
          requestId: intake.id,
          actor: "bench",
          settings: { keyring, retentionDays: 30, downloadLinkDays: 14, emergencyNoticeDelayDays: 30, publicUrl: "" },
          source: () => bulkSource(records),
          now: () => now,
        }),
      );
      const bytes = packaged.result.payloadBytes;
      console.log(
        `package: packaged ${(bytes / MIB).toFixed(0)} MiB in ${packaged.seconds.toFixed(2)} s (peak RSS ${packaged.peakMiB.toFixed(0)} MiB, ${packaged.startMiB.toFixed(0)} MiB before)`,
      );
      const raw = rawGcm(bytes);

      const downloaded = await withPeakRss(async () => {
        const download = await openProductionDownload(db, {
          productionId: packaged.result.productionId,
          actor: { userId, role: "agency", agencyId, via: "session", mfa: true },
          keyring,
          now,
        });
        let seen = 0;
        for await (const part of download.stream) seen += (part as Buffer).length;
        if (seen !== bytes) throw new Error(`downloaded ${seen} bytes, expected ${bytes}`);
        return seen;
      });

      const mbps = (seconds: number) => Number((bytes / MIB / seconds).toFixed(1));
      const rawRate = mbps(raw);
      const size = `${(bytes / MIB).toFixed(0)} MiB production (${records} records × 2 files)`;
      console.log(
        `package: ${size}: packaged and stored in ${packaged.seconds.toFixed(2)} s (peak RSS ${packaged.peakMiB.toFixed(0)} MiB), ` +
          `downloaded in ${downloaded.seconds.toFixed(2)} s (peak RSS ${downloaded.peakMiB.toFixed(0)} MiB), ` +
          `raw AES-256-GCM ${raw.toFixed(2)} s`,
      );
      return [
        {
          bench: "package",
          figure: "packaging MiB/s (collect, bag, tar, AES-GCM, store)",
          value: mbps(packaged.seconds),
          peer: "raw AES-256-GCM",
          peerValue: rawRate,
          ratio: ratioOf(mbps(packaged.seconds), rawRate),
          note: `${size}, stored in PostgreSQL; target ≥ 0.5 of raw`,
        },
        {
          bench: "package",
          figure: "download MiB/s (read, verify, decrypt)",
          value: mbps(downloaded.seconds),
          peer: "raw AES-256-GCM",
          peerValue: rawRate,
          ratio: ratioOf(mbps(downloaded.seconds), rawRate),
        },
        {
          bench: "package",
          figure: "peak RSS while packaging (MiB)",
          value: Number(packaged.peakMiB.toFixed(0)),
          peer: "budget",
          peerValue: 256,
          ratio: ratioOf(256, packaged.peakMiB),
          note: "whole process, sampled every 20 ms; ratio > 1 is within the 256 MiB budget",
        },
        {
          bench: "package",
          figure: "RSS growth while packaging (MiB)",
          value: Number((packaged.peakMiB - packaged.startMiB).toFixed(0)),
          peer: "budget",
          peerValue: 256,
          ratio: ratioOf(256, packaged.peakMiB - packaged.startMiB),
          note: `peak minus the process's RSS before packaging began (${packaged.startMiB.toFixed(0)} MiB: runtime, modules, pool)`,
        },
        {
          bench: "package",
          figure: "peak RSS while downloading (MiB)",
          value: Number(downloaded.peakMiB.toFixed(0)),
          peer: "budget",
          peerValue: 256,
          ratio: ratioOf(256, downloaded.peakMiB),
        },
      ];
    } finally {
      await database.close();
      await scratch.drop();
    }
  },
};
