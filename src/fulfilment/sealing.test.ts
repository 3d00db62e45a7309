import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ExpectedDigest, OWN_DIGEST, openArchive, openSealer, type Sealer, stopSealingWorker } from "./sealing.js";
import { createDecryptStream, createEncryptStream, IntegrityError, makeHeader } from "./stream-cipher.js";

/**
 * The sealing worker (sealing.ts): what it answers for a file equals the digests taken here, what it
 * seals opens with the key to exactly what was written, its digest is the sealed bytes', sessions do
 * not disturb each other, a reader that stops holds the writer back, and a worker that dies fails what
 * was open without taking the next production with it. What it opens for the download comes back as it
 * was sealed, or fails: at the first chunk that does not authenticate, with nothing of that chunk, or at
 * the end when the digest is not the one stored, with nothing of the final chunk.
 */

const KIB = 1024;
const MIB = 1024 * KIB;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Writes `parts` as one file into an open archive, alternating handed-over and copied buffers. */
async function writeFile(sealer: Sealer, parts: Buffer[]) {
  const file = sealer.openFile();
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 0) {
      const owned = sealer.buffer(part.length);
      part.copy(owned);
      await sealer.write(owned, file, true);
    } else {
      await sealer.write(part, file, false);
    }
  }
  return sealer.closeFile(file);
}

describe("the sealing worker", () => {
  it("keeps each file's SHA-256, and seals exactly what was written", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 300 * KIB }), { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(4 * KIB, 64 * KIB, MIB),
        async (files, chunkSize) => {
          const sealer = openSealer();
          try {
            const key = randomBytes(32);
            const header = makeHeader(randomUUID(), chunkSize);
            const sealed = sealer.seal(key, header, () => undefined);
            const stored = readAll(sealed);
            const plain: Buffer[] = [];
            for (const sizes of files) {
              const parts = sizes.map((n) => randomBytes(n));
              const whole = Buffer.concat(parts);
              plain.push(whole);
              expect(await writeFile(sealer, parts)).toBe(createHash("sha256").update(whole).digest("hex"));
            }
            // Bytes outside any file (a tar's headers) go into the archive only.
            const trailer = randomBytes(1000);
            plain.push(trailer);
            await sealer.write(trailer, undefined, false);
            sealer.end();
            const archive = await stored;
            expect(sealed[OWN_DIGEST]()).toEqual({
              sha256: createHash("sha256").update(archive).digest("hex"),
              bytes: archive.length,
            });
            expect(sealer.plaintextBytes).toBe(Buffer.concat(plain).length);
            const opened = await readAll(Readable.from([archive]).pipe(createDecryptStream(() => key)));
            expect(opened.equals(Buffer.concat(plain))).toBe(true);
          } finally {
            sealer.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("measures without an archive: digests, nothing sealed", async () => {
    const sealer = openSealer();
    try {
      const data = randomBytes(70 * KIB);
      const file = sealer.openFile();
      await sealer.write(data, file, false);
      expect(await sealer.closeFile(file)).toBe(createHash("sha256").update(data).digest("hex"));
      expect(sealer.plaintextBytes).toBe(0);
    } finally {
      sealer.close();
    }
  });

  it("keeps sessions apart: one that fails leaves the other to finish", async () => {
    const [good, bad] = [openSealer(), openSealer()];
    try {
      const key = randomBytes(32);
      const sealed = good.seal(key, makeHeader(randomUUID(), 64 * KIB), () => undefined);
      const stored = readAll(sealed);
      const first = good.openFile();
      await good.write(randomBytes(100 * KIB), first, false);
      // A file never opened: the worker refuses this session, and only this one.
      await bad.write(randomBytes(10), 99, false);
      await expect(bad.closeFile(99)).rejects.toThrow(/file 99 is not open/);
      await good.write(randomBytes(100 * KIB), first, false);
      await good.closeFile(first);
      good.end();
      const archive = await stored;
      expect(archive.length).toBe(sealed[OWN_DIGEST]().bytes);
    } finally {
      good.close();
      bad.close();
    }
  });

  it("holds the writer back while nothing reads the archive, and goes on once something does", async () => {
    const sealer = openSealer();
    try {
      const sealed = sealer.seal(randomBytes(32), makeHeader(randomUUID()), () => undefined);
      const file = sealer.openFile();
      let written = 0;
      const writing = (async () => {
        while (written < 64 * MIB) {
          await sealer.write(sealer.buffer(256 * KIB), file, true);
          written += 256 * KIB;
        }
      })();
      // Unread, the archive stops the writer after a few mebibytes in flight, well short of the 64 written.
      await sleep(300);
      expect(written).toBeLessThan(16 * MIB);
      const stored = readAll(sealed);
      await writing;
      await sealer.closeFile(file);
      sealer.end();
      expect((await stored).length).toBe(sealed[OWN_DIGEST]().bytes);
      expect(sealer.plaintextBytes).toBe(64 * MIB);
    } finally {
      sealer.close();
    }
  });

  it("fails an archive aborted before its store reads it without ending the process, and tells the store", async () => {
    const sealer = openSealer();
    try {
      const sealed = sealer.seal(randomBytes(32), makeHeader(randomUUID()), () => undefined);
      sealer.abort(new Error("the source changed"));
      // A store opens its file first: by the time it reads, the stream has already failed.
      await sleep(20);
      await expect(readAll(sealed)).rejects.toThrow("the source changed");
    } finally {
      sealer.close();
    }
  });

  it("fails what was open when the worker dies, and the next session starts another", async () => {
    const sealer = openSealer();
    const sealed = sealer.seal(randomBytes(32), makeHeader(randomUUID()), () => undefined);
    const failed = readAll(sealed).then(
      () => undefined,
      (error: Error) => error,
    );
    const file = sealer.openFile();
    await sealer.write(randomBytes(64 * KIB), file, false);
    await stopSealingWorker();
    await expect(sealer.closeFile(file)).rejects.toThrow(/sealing worker stopped/);
    await expect(sealer.write(randomBytes(10), file, false)).rejects.toThrow(/sealing worker stopped/);
    expect(await failed).toBeInstanceOf(Error);
    sealer.close();

    const next = openSealer();
    try {
      const again = next.openFile();
      await next.write(Buffer.from("after"), again, false);
      expect(await next.closeFile(again)).toBe(createHash("sha256").update("after").digest("hex"));
    } finally {
      next.close();
    }
  });

  describe("opening a stored archive", () => {
    async function sealedArchive(plaintext: Buffer, packageId: string, key: Buffer, chunkSize = 4 * KIB) {
      return readAll(Readable.from([plaintext]).pipe(createEncryptStream(key, makeHeader(packageId, chunkSize))));
    }

    const digestOf = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

    class Damaged extends Error {}
    const expecting = (sha256: string): ExpectedDigest => ({ sha256, damaged: (actual) => new Damaged(actual) });

    /** Feeds `archive` to an opened archive in pieces of the given sizes; what came out, and how it ended. */
    async function open(archive: Buffer, key: Buffer, packageId: string, digest?: ExpectedDigest, sizes = [MIB]) {
      const pieces: Buffer[] = [];
      for (let at = 0, i = 0; at < archive.length; i++) {
        const size = sizes[i % sizes.length] as number;
        pieces.push(archive.subarray(at, at + size));
        at += size;
      }
      const opened = openArchive(key, packageId, digest);
      Readable.from(pieces).pipe(opened);
      const out: Buffer[] = [];
      try {
        for await (const part of opened) out.push(part as Buffer);
        return { plain: Buffer.concat(out), error: undefined };
      } catch (error) {
        return { plain: Buffer.concat(out), error };
      }
    }

    it("gives back exactly what was sealed, however the stored bytes arrive", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 200 * KIB }),
          fc.array(fc.integer({ min: 1, max: 70 * KIB }), { minLength: 1, maxLength: 5 }),
          fc.constantFrom(4 * KIB, 64 * KIB),
          async (length, sizes, chunkSize) => {
            const key = randomBytes(32);
            const id = randomUUID();
            const plaintext = randomBytes(length);
            const archive = await sealedArchive(plaintext, id, key, chunkSize);
            const { plain, error } = await open(archive, key, id, expecting(digestOf(archive)), sizes);
            expect(error).toBeUndefined();
            expect(plain.equals(plaintext)).toBe(true);
          },
        ),
        { numRuns: 30 },
      );
    });

    it("refuses another production's archive, a wrong key, an altered chunk and a cut-off end, releasing nothing unverified", async () => {
      const key = randomBytes(32);
      const id = randomUUID();
      const plaintext = randomBytes(40 * KIB);
      const archive = await sealedArchive(plaintext, id, key);
      const other = await open(archive, key, randomUUID());
      expect(other.error).toBeInstanceOf(IntegrityError);
      expect(String(other.error)).toContain(`the stored archive belongs to production ${id}`);
      expect(other.plain.length).toBe(0);

      expect((await open(archive, randomBytes(32), id)).error).toBeInstanceOf(IntegrityError);

      // A byte of the fourth chunk (each is 4 KiB of plaintext and a 16-byte tag, after a 40-byte header).
      const altered = Buffer.from(archive);
      const at = 40 + 3 * (4 * KIB + 16) + 100;
      altered[at] = 255 - (altered[at] as number);
      const failed = await open(altered, key, id, undefined, [5000, 3000]);
      expect(failed.error).toBeInstanceOf(IntegrityError);
      expect(failed.plain.equals(plaintext.subarray(0, failed.plain.length))).toBe(true);
      expect(failed.plain.length).toBeLessThanOrEqual(3 * 4 * KIB);

      const cut = await open(archive.subarray(0, 40 + 2 * (4 * KIB + 16)), key, id);
      expect(cut.error).toBeInstanceOf(IntegrityError);
      expect(cut.plain.length).toBeLessThanOrEqual(4 * KIB);
    });

    it("fails with the store's error when the digest is not the one stored, before the final chunk", async () => {
      const key = randomBytes(32);
      const id = randomUUID();
      const plaintext = randomBytes(10 * KIB + 7);
      const archive = await sealedArchive(plaintext, id, key);
      const { plain, error } = await open(archive, key, id, expecting("0".repeat(64)));
      expect(error).toBeInstanceOf(Damaged);
      expect((error as Damaged).message).toBe(digestOf(archive));
      // Every chunk authenticated, but the final one is held back.
      expect(plain.equals(plaintext.subarray(0, 8 * KIB))).toBe(true);
    });

    it("holds the stored bytes back while nothing reads, and frees its session when its reader goes away", async () => {
      const key = randomBytes(32);
      const id = randomUUID();
      const archive = await sealedArchive(randomBytes(32 * MIB), id, key, MIB);
      let given = 0;
      const source = Readable.from(
        (function* () {
          for (let at = 0; at < archive.length; at += 256 * KIB) {
            given += 256 * KIB;
            yield archive.subarray(at, at + 256 * KIB);
          }
        })(),
      );
      const opened = openArchive(key, id, expecting(digestOf(archive)));
      source.pipe(opened);
      await sleep(300);
      // Unread, it takes a few mebibytes in flight and a few out, well short of the 32 stored.
      expect(given).toBeLessThan(16 * MIB);
      for await (const _ of opened) break;
      expect(opened.destroyed).toBe(true);
      // The session stopped with its reader; the worker goes on serving the next.
      const next = openArchive(key, id);
      Readable.from([archive]).pipe(next);
      expect((await readAll(next)).length).toBe(32 * MIB);
    });
  });
});
