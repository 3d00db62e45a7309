import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BULK_ACCOUNT, bulkSource } from "../../test/support/bulk-source.js";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, ROOT, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import { approvedRequest, testArchiveStore, testKeyring } from "../../test/support/fulfilment.js";
import { leased, registerJobs } from "../jobs/jobs.catalogue.js";
import { runDueJobs } from "../jobs/jobs.js";
import { archiveKeyOf } from "./archive.storage.js";
import { type FulfilmentSettings, fulfilRequestJob } from "./fulfilment.service.js";
import type { DataSource } from "./sources/source.js";

/**
 * Fulfilment as a job when its holder dies or stalls: the job runner takes the work over once the lease
 * has run out, discards the half-written production and delivers one production, once. Its archive
 * is never visible half-written: only a `.partial` file of it exists until it is whole, and the
 * discarded production's is deleted.
 */

const archives = testArchiveStore();
const settings: FulfilmentSettings = {
  keyring: testKeyring(),
  retentionDays: 30,
  downloadLinkDays: 14,
  emergencyNoticeDelayDays: 30,
  publicUrl: "https://custodian.example",
  archives,
};
const MINUTE = 60_000;

describe.each(DRIVERS)("fulfilment taken over on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Federal Bureau of Investigation", "US");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const approvedWarrant = (now: Date) =>
    approvedRequest(database.db, {
      agencyId,
      now,
      document: requestDocument({
        receivedAt: now.toISOString(),
        jurisdiction: "US",
        process: "search_warrant",
        targets: [{ type: "account_id", value: BULK_ACCOUNT }],
        categories: ["content.posts"],
      }),
    });

  const productions = (requestId: string) =>
    database.db
      .selectFrom("production")
      .select(["id", "status", "wrapped_key", "archive_bytes"])
      .where("request_id", "=", requestId)
      .orderBy("started_at")
      .execute();
  // What the archive directory holds of a production, whole or partial.
  const storedBytes = async (productionId: string) => {
    const names = (await readdir(archives.dir)).filter((n) => n.startsWith(archiveKeyOf(productionId)));
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(archives.dir, n))).size));
    return sizes.reduce((sum, size) => sum + size, 0);
  };
  const fulfilJob = (requestId: string) =>
    database.db
      .selectFrom("job")
      .selectAll()
      .where("kind", "=", "request.fulfil")
      .where("payload", "@>", JSON.stringify({ requestId }) as never)
      .executeTakeFirstOrThrow();
  const quietly = async <T>(work: () => Promise<T>): Promise<T> => {
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      return await work();
    } finally {
      process.stderr.write = write;
    }
  };

  it("takes over a stalled holder's job after its lease, and the stalled holder can no longer seal", async () => {
    const now = new Date("2020-09-14T16:00:00Z");
    const requestId = await approvedWarrant(now);
    // The first holder's source stops answering half-way, as a wedged connection would.
    let release: () => void = () => {};
    const wedged = new Promise<void>((resolve) => {
      release = resolve;
    });
    let announceStall: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      announceStall = resolve;
    });
    const stalling = (): DataSource => {
      const inner = bulkSource(50);
      return {
        ...inner,
        async *read(account, category, period) {
          let n = 0;
          for await (const record of inner.read(account, category, period)) {
            if (++n === 25) {
              announceStall();
              await wedged;
            }
            yield record;
          }
        },
      };
    };
    const first = quietly(() =>
      runDueJobs(database.db, registerJobs({ "request.fulfil": leased(fulfilRequestJob(settings, stalling)) }), {
        workerId: "stalled",
        kinds: ["request.fulfil"],
        now: () => now,
        heartbeatMs: 60 * MINUTE, // It stopped renewing too.
      }),
    );
    await stalled;
    const [building] = await productions(requestId);
    expect(building?.status).toBe("building");

    // A minute later another runner finds the lease run out and does the work.
    const later = new Date(now.getTime() + MINUTE);
    const takeover = await quietly(() =>
      runDueJobs(
        database.db,
        registerJobs({ "request.fulfil": leased(fulfilRequestJob(settings, () => bulkSource(50))) }),
        { workerId: "runner", now: () => later, kinds: ["request.fulfil"] },
      ),
    );
    expect(takeover).toEqual({ ran: 1, failed: 0 });
    release();
    // The stalled holder wakes: it cannot seal a production that was discarded, nor touch the job.
    expect(await first).toEqual({ ran: 0, failed: 1 });

    const [discarded, delivered, ...more] = await productions(requestId);
    expect(more).toEqual([]);
    expect(discarded).toMatchObject({ id: building?.id, status: "failed", wrapped_key: null });
    expect(await storedBytes(discarded?.id as string)).toBe(0);
    expect(delivered?.status).toBe("ready");
    expect(await storedBytes(delivered?.id as string)).toBe(delivered?.archive_bytes);
    const job = await fulfilJob(requestId);
    expect(job).toMatchObject({ status: "done", attempts: 2, locked_by: "runner" });
    const request = await database.db
      .selectFrom("request")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe("delivered");
    const failures = await database.db
      .selectFrom("audit_event")
      .select("payload")
      .where("action", "=", "production.failed")
      .where("object_id", "=", building?.id as string)
      .execute();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.payload).toMatchObject({ reason: "abandoned: its builder stopped (no heartbeat)" });
  });

  it("completes a leftover job for a request already delivered as a no-op", async () => {
    const now = new Date("2020-09-14T16:00:00Z");
    const requestId = await approvedWarrant(now);
    const handlers = registerJobs({ "request.fulfil": leased(fulfilRequestJob(settings, () => bulkSource(10))) });
    expect(
      await quietly(() =>
        runDueJobs(database.db, handlers, { workerId: "w", now: () => now, kinds: ["request.fulfil"] }),
      ),
    ).toEqual({
      ran: 1,
      failed: 0,
    });
    // The same job again (enqueued twice by an older version, or by hand).
    await database.db
      .insertInto("job")
      .values({ kind: "request.fulfil", payload: JSON.stringify({ requestId, actor: "counsel@desk" }), run_at: now })
      .execute();
    expect(
      await quietly(() =>
        runDueJobs(database.db, handlers, { workerId: "w", now: () => now, kinds: ["request.fulfil"] }),
      ),
    ).toEqual({
      ran: 1,
      failed: 0,
    });
    expect((await productions(requestId)).map((p) => p.status)).toEqual(["ready"]);
  });

  it.runIf(driver === "postgres")(
    "recovers from a job runner killed (SIGKILL) while packaging: one production, the half-written one discarded",
    async () => {
      const requestId = await approvedWarrant(new Date());
      // ~160 MiB of archive: packaging takes a few seconds, long enough to be killed in the middle of.
      const records = 20_000;
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/support/fulfil-worker.ts", database.url as string, String(records), archives.dir],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      const killedAt = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stderr });
        lines.on("line", (line) => {
          const packaging = /: package (\d+)%/.exec(line);
          if (packaging && Number(packaging[1]) >= 20) {
            child.kill("SIGKILL");
            resolve(line);
          }
        });
        child.on("exit", (code, signal) => {
          if (signal !== "SIGKILL") reject(new Error(`worker exited with ${code ?? signal} before packaging`));
        });
      });
      await new Promise((resolve) => child.once("close", resolve));
      expect(killedAt).toMatch(/package/);

      const [dead] = await productions(requestId);
      expect(dead?.status).toBe("building");
      const stored = await storedBytes(dead?.id as string);
      expect(stored).toBeGreaterThan(0);
      // Under way, but nothing under its key: a reader finds no archive rather than half of one.
      expect(await archives.size(archiveKeyOf(dead?.id as string))).toBeUndefined();
      expect((await fulfilJob(requestId)).status).toBe("running");

      // Within the lease nobody takes it over; a minute after the death, the runner does.
      const handlers = registerJobs({
        "request.fulfil": leased(fulfilRequestJob(settings, () => bulkSource(records))),
      });
      expect(
        await runDueJobs(database.db, handlers, {
          workerId: "early",
          now: () => new Date(),
          kinds: ["request.fulfil"],
        }),
      ).toEqual({
        ran: 0,
        failed: 0,
      });
      const result = await quietly(() =>
        runDueJobs(database.db, handlers, {
          workerId: "recovery",
          now: () => new Date(Date.now() + MINUTE),
          kinds: ["request.fulfil"],
        }),
      );
      expect(result).toEqual({ ran: 1, failed: 0 });

      const [discarded, delivered, ...more] = await productions(requestId);
      expect(more).toEqual([]);
      expect(discarded).toMatchObject({ id: dead?.id, status: "failed", wrapped_key: null });
      expect(await storedBytes(dead?.id as string)).toBe(0);
      expect(delivered?.status).toBe("ready");
      expect(await storedBytes(delivered?.id as string)).toBe(delivered?.archive_bytes);
      expect(delivered?.archive_bytes).toBeGreaterThan(stored);
      const job = await fulfilJob(requestId);
      expect(job).toMatchObject({ status: "done", attempts: 2, locked_by: "recovery" });
      expect(job.last_error).toMatch(/^taken over from fulfil-worker:\d+, whose lease ran out$/);
    },
    120_000,
  );
});
