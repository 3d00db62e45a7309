import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OWN_DIGEST, openSealer, type Sealer, stopSealingWorker } from "./sealing.js";
import { createDecryptStream, makeHeader } from "./stream-cipher.js";

/**
 * The sealing worker (sealing.ts): what it answers for a file equals the digests taken here, what it
 * seals opens with the key to exactly what was written, its digest is the sealed bytes', sessions do
 * not disturb each other, a reader that stops holds the writer back, and a worker that dies fails what
 * was open without taking the next production with it.
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
});
