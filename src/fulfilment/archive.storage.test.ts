import { createHash, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStream, testArchiveStore } from "../../test/support/fulfilment.js";
import { startS3, type TestS3 } from "../../test/support/s3-server.js";
import {
  ArchiveDamagedError,
  ArchiveMissingError,
  type ArchiveStore,
  archiveKeyOf,
  openStoredArchive,
} from "./archive.storage.js";
import { DirectoryArchiveStore } from "./archive-dir.storage.js";
import { S3ArchiveStore } from "./archive-s3.storage.js";
import { openArchiveStore } from "./archive-stores.js";

/**
 * Both archive stores answer the same contract: a stream stored whole under its key with its digest,
 * read back checked against that digest; an object altered, cut short or gone is reported as such;
 * a write that fails leaves nothing under the key; delete removes it. The S3 store is tested over real
 * HTTP against s3rver, started here, with a multipart upload (the archive is larger than a part).
 */

const MIB = 1024 * 1024;
// Larger than two of the S3 store's 16 MiB parts: a multipart upload of three parts.
const ARCHIVE_BYTES = 40 * MIB + 12_345;

function pieces(data: Buffer, size = 1 * MIB): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
    })(),
  );
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Backend {
  name: string;
  open(): Promise<{ store: ArchiveStore; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: "directory",
    async open() {
      return { store: testArchiveStore(), close: async () => {} };
    },
  },
  {
    name: "S3 (s3rver over HTTP)",
    async open() {
      const s3: TestS3 = await startS3();
      const store = new S3ArchiveStore(s3.settings);
      return {
        store,
        async close() {
          store.close();
          await s3.stop();
        },
      };
    },
  },
];

describe.each(BACKENDS)("archive store: $name", (backend) => {
  let store: ArchiveStore;
  let close: () => Promise<void>;
  const data = randomBytes(ARCHIVE_BYTES);

  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(async () => {
    await close?.();
  });

  it("stores a stream whole and gives it back, checked against its digest", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000001");
    expect(await store.size(key)).toBeUndefined();
    const stored = await store.put(key, pieces(data));
    expect(stored).toEqual({ sha256: sha256(data), bytes: data.length });
    expect(await store.size(key)).toBe(data.length);
    const back = await readStream(await openStoredArchive(store, key, stored, "test archive"));
    expect(back.equals(data)).toBe(true);
  });

  it("reports an altered archive at the end of the read, and one of another length before reading", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000002");
    const stored = await store.put(key, pieces(data));
    const altered = Buffer.from(data);
    altered[20 * MIB] = 255 - (altered[20 * MIB] as number);
    await store.put(key, pieces(altered));
    const read = await openStoredArchive(store, key, stored, "production x");
    await expect(readStream(read)).rejects.toThrow(ArchiveDamagedError);
    await store.put(key, pieces(data.subarray(0, data.length - 1)));
    await expect(openStoredArchive(store, key, stored, "production x")).rejects.toThrow(
      `is ${ARCHIVE_BYTES - 1} bytes, ${ARCHIVE_BYTES} were stored`,
    );
  });

  it("stops reading the store when its reader stops midway", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000006");
    const stored = await store.put(key, pieces(data));
    let opened: Readable | undefined;
    const watched: ArchiveStore = Object.create(store, {
      get: {
        value: async (k: string) => {
          opened = await store.get(k);
          return opened;
        },
      },
    });
    const read = await openStoredArchive(watched, key, stored, "production z");
    for await (const _ of read) break; // the first piece, then the reader goes away
    expect(read.destroyed).toBe(true);
    await expect.poll(() => opened?.destroyed).toBe(true);
  });

  it("reports a missing archive", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000003");
    await expect(store.get(key)).rejects.toBeInstanceOf(ArchiveMissingError);
    await expect(openStoredArchive(store, key, { sha256: sha256(data), bytes: 1 }, "production y")).rejects.toThrow(
      /production y: its archive 00000000-0000-4000-8000-000000000003.cpk is missing from/,
    );
  });

  it("leaves nothing under the key when the stream fails half-way", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000004");
    const failing = Readable.from(
      (function* () {
        yield data.subarray(0, 20 * MIB);
        throw new Error("the source failed");
      })(),
    );
    await expect(store.put(key, failing)).rejects.toThrow("the source failed");
    expect(await store.size(key)).toBeUndefined();
    if (store instanceof DirectoryArchiveStore) {
      expect((await readdir(store.dir)).filter((name) => name.startsWith(key))).toEqual([]);
    }
  });

  it("deletes an archive (purge), and deleting what is gone is no error", async () => {
    const key = archiveKeyOf("00000000-0000-4000-8000-000000000005");
    await store.put(key, pieces(data.subarray(0, MIB)));
    await store.delete(key);
    expect(await store.size(key)).toBeUndefined();
    await store.delete(key);
  });
});

describe("archive store from the configuration", () => {
  it("opens the S3 store lazily and speaks to it over HTTP", async () => {
    const s3 = await startS3("lazy-bucket");
    try {
      const store = openArchiveStore({ kind: "s3", ...s3.settings });
      expect(store.location).toBe("s3://lazy-bucket/productions/");
      const stored = await store.put("a.cpk", pieces(Buffer.from("sealed bytes")));
      expect(await readStream(await openStoredArchive(store, "a.cpk", stored, "a"))).toEqual(
        Buffer.from("sealed bytes"),
      );
    } finally {
      await s3.stop();
    }
  });
});
