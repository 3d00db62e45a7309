import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BULK_ACCOUNT, bulkSource } from "../../test/support/bulk-source.js";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import {
  approvedRequest,
  readStream,
  seedOfficer,
  testArchiveStore,
  testKeyring,
} from "../../test/support/fulfilment.js";
import { archiveKeyOf } from "./archive.storage.js";
import { verifyBag } from "./bagit.js";
import { type DownloadActor, openProductionDownload } from "./download.service.js";
import { type FulfilmentSettings, fulfilRequest } from "./fulfilment.service.js";
import { stopSealingWorker } from "./sealing.js";
import type { DataSource, SourceRecord } from "./sources/source.js";
import { extractTar } from "./tar.js";

/**
 * Packaging in one pass (package.builder.ts): each category is read from its source twice, once to
 * measure it and once to write it into the tar, within one snapshot where the source offers one; a
 * small production is kept from the first read instead. A source that changes between the reads fails
 * the production cleanly: nothing in the archive store, the production failed, the request fulfilable.
 */

const NOW = new Date("2020-09-14T16:00:00Z");

describe.each(DRIVERS)("packaging from two reads on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let officer: DownloadActor;
  const archives = testArchiveStore();
  const keyring = testKeyring();
  const settings: FulfilmentSettings = {
    keyring,
    retentionDays: 30,
    downloadLinkDays: 14,
    emergencyNoticeDelayDays: 30,
    publicUrl: "https://custodian.example",
    archives,
  };

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Federal Bureau of Investigation", "US");
    officer = {
      userId: await seedOfficer(database.db, agencyId, "agent@fbi.example.gov"),
      email: "agent@fbi.example.gov",
      role: "agency",
      agencyId,
      via: "session",
      mfa: true,
    };
  });
  afterAll(async () => {
    await database?.drop();
  });

  const approvedWarrant = () =>
    approvedRequest(database.db, {
      agencyId,
      now: NOW,
      submittedBy: officer.userId,
      document: requestDocument({
        receivedAt: NOW.toISOString(),
        jurisdiction: "US",
        process: "search_warrant",
        targets: [{ type: "account_id", value: BULK_ACCOUNT }],
        categories: ["content.posts"],
      }),
    });

  /** bulkSource, counting its reads; `change` alters what the n-th read (from 1) returns. */
  const watched = (records: number, change?: (read: number, record: SourceRecord, i: number) => SourceRecord[]) => {
    const log = { reads: 0, snapshots: 0, readsInSnapshot: 0 };
    const make = (inSnapshot: boolean): DataSource => {
      const inner = bulkSource(records);
      const source: DataSource = {
        ...inner,
        async *read(account, category, period) {
          log.reads += 1;
          if (inSnapshot) log.readsInSnapshot += 1;
          const read = log.reads;
          let i = 0;
          for await (const record of inner.read(account, category, period)) {
            for (const out of change ? change(read, record, i) : [record]) yield out;
            i += 1;
          }
        },
      };
      return source;
    };
    const source = make(false);
    return {
      log,
      source,
      withSnapshot: {
        ...source,
        snapshot: async <T>(work: (view: DataSource) => Promise<T>) => {
          log.snapshots += 1;
          return work(make(true));
        },
      } as DataSource,
    };
  };

  const storedNames = async (productionId: string) =>
    (await readdir(archives.dir)).filter((n) => n.startsWith(archiveKeyOf(productionId)));

  /** Fulfils the request from `source`, every file read again (nothing kept from the first read). */
  const fulfilRereading = (requestId: string, source: DataSource) =>
    fulfilRequest(database.db, {
      requestId,
      actor: "cli:custodian",
      settings,
      source: () => source,
      now: () => NOW,
      keepBytes: 0,
    });

  /** The request's one production, checked failed with its key erased and nothing of it in the store. */
  const failedCleanly = async (requestId: string) => {
    const [production] = await database.db
      .selectFrom("production")
      .select(["id", "status", "wrapped_key"])
      .where("request_id", "=", requestId)
      .execute();
    expect(production).toMatchObject({ status: "failed", wrapped_key: null });
    // Nothing of it in the store: no archive, no partial file.
    expect(await storedNames(production?.id as string)).toEqual([]);
    return production?.id as string;
  };

  it("reads each category twice within one snapshot, writes one archive, and the bag validates", async () => {
    const requestId = await approvedWarrant();
    const { log, withSnapshot } = watched(400);
    const result = await fulfilRereading(requestId, withSnapshot);
    // One read measured JSON and CSV; each was then written from a read of its own, all in the snapshot.
    expect(log).toEqual({ reads: 3, snapshots: 1, readsInSnapshot: 3 });
    expect(result.targets).toEqual([{ target: `account_id:${BULK_ACCOUNT}`, result: "data_produced", records: 400 }]);
    // No spool anywhere: the store holds the archive and nothing beside it.
    expect(await storedNames(result.productionId)).toEqual([archiveKeyOf(result.productionId)]);

    const download = await openProductionDownload(database.db, {
      archives,
      productionId: result.productionId,
      actor: officer,
      keyring,
      now: NOW,
    });
    const dir = await mkdtemp(join(tmpdir(), "custodian-twopass-"));
    try {
      await extractTar(Readable.from([await readStream(download.stream)]), dir);
      const bag = await verifyBag(join(dir, result.bagName));
      expect(bag.problems).toEqual([]);
      expect(bag.ok).toBe(true);
      const posts = result.files.find((f) => f.path === "data/content.posts.json");
      expect(posts?.size).toBeGreaterThan(400 * 4000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps a small production from its first read: the source is read once", async () => {
    const requestId = await approvedWarrant();
    const { log, source } = watched(50);
    await fulfilRequest(database.db, {
      requestId,
      actor: "cli:custodian",
      settings,
      source: () => source,
      now: () => NOW,
    });
    expect(log.reads).toBe(1);
  });

  it.each([
    [
      "a record altered, of the same length",
      "data/content.posts.json reads differently",
      (record: SourceRecord) => [
        { ...record, fields: { ...record.fields, body: `X${String(record.fields.body).slice(1)}` } },
      ],
    ],
    ["a record more", "data/content.posts.json is longer", (record: SourceRecord) => [record, record]],
    ["a record fewer", "data/content.posts.json is shorter", () => []],
  ] as const)("fails the production cleanly when the source changes between its reads: %s", async (_, why, alter) => {
    const requestId = await approvedWarrant();
    // The second read (the one writing the JSON) sees the change at its 300th record.
    const { source } = watched(400, (read, record, i) => (read === 2 && i === 299 ? alter(record) : [record]));
    await expect(fulfilRereading(requestId, source)).rejects.toThrow(
      `the data source changed while the production was built: ${why}`,
    );

    const productionId = await failedCleanly(requestId);
    const audited = await database.db
      .selectFrom("audit_event")
      .select("payload")
      .where("action", "=", "production.failed")
      .where("object_id", "=", productionId)
      .executeTakeFirstOrThrow();
    expect((audited.payload as { reason: string }).reason).toContain(why);
    // The request can be fulfilled again, and is, once the source holds still.
    const again = await fulfilRereading(requestId, bulkSource(400));
    expect(again.targets[0]?.records).toBe(400);
  });

  it("fails the production cleanly when the sealing worker dies while the archive is written", async () => {
    const requestId = await approvedWarrant();
    // The second read stops the worker at its 200th record, with part of the archive stored.
    const { source } = watched(400, (read, record, i) => {
      if (read === 2 && i === 199) void stopSealingWorker();
      return [record];
    });
    await expect(fulfilRereading(requestId, source)).rejects.toThrow(/the sealing worker stopped/);
    await failedCleanly(requestId);
    // The next production has a worker of its own.
    const again = await fulfilRereading(requestId, bulkSource(400));
    expect(again.targets[0]?.records).toBe(400);
  });
});
