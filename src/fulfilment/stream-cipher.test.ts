import { randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateMasterKeyText, parseMasterKey } from "../shared/master-key.js";
import { newPackageKey, unwrapPackageKey, wrapPackageKey } from "./keyring.js";
import {
  createDecryptStream,
  createEncryptStream,
  HEADER_BYTES,
  IntegrityError,
  makeHeader,
  TAG_BYTES,
} from "./stream-cipher.js";

const CHUNK = 4096;

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Feed `input` in pieces of varying size, as a network or a disk would. */
function pieces(input: Buffer, sizes: number[] = [1, 7, 4000, 5000, 300]): Readable {
  const out: Buffer[] = [];
  let offset = 0;
  for (let i = 0; offset < input.length; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(input.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(out);
}

async function encrypt(key: Buffer, plaintext: Buffer, id = randomUUID()): Promise<Buffer> {
  const encryptor = createEncryptStream(key, makeHeader(id, CHUNK));
  const out: Buffer[] = [];
  await pipeline(pieces(plaintext), encryptor, async (source) => {
    for await (const part of source) out.push(part as Buffer);
  });
  expect(encryptor.stats.plaintextBytes).toBe(plaintext.length);
  return Buffer.concat(out);
}

async function decrypt(key: Buffer, sealed: Buffer): Promise<Buffer> {
  return collect(pieces(sealed, [13, 9000, 2, 4111]).pipe(createDecryptStream(() => key)));
}

/** What a reader emitted before it failed: must be whole verified chunks only. */
async function decryptUntilFailure(key: Buffer, sealed: Buffer): Promise<{ emitted: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    await pipeline(
      Readable.from([sealed]),
      createDecryptStream(() => key),
      async (source) => {
        for await (const part of source) parts.push(part as Buffer);
      },
    );
    return { emitted: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { emitted: Buffer.concat(parts), error };
  }
}

describe("framed AES-256-GCM stream", () => {
  const key = newPackageKey();

  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])("round-trips %i bytes", async (size) => {
    const plaintext = randomBytes(size);
    const sealed = await encrypt(key, plaintext);
    const chunks = Math.max(1, Math.ceil(size / CHUNK));
    expect(sealed.length).toBe(HEADER_BYTES + size + chunks * TAG_BYTES);
    expect(await decrypt(key, sealed)).toEqual(plaintext);
  });

  it("detects any flipped bit, truncation, reordering, duplication and appended bytes", async () => {
    const plaintext = randomBytes(3 * CHUNK + 100);
    const sealed = await encrypt(key, plaintext);
    const sealedChunk = CHUNK + TAG_BYTES;
    const chunkAt = (i: number) =>
      sealed.subarray(HEADER_BYTES + i * sealedChunk, HEADER_BYTES + (i + 1) * sealedChunk);
    const header = sealed.subarray(0, HEADER_BYTES);
    const variants: Record<string, Buffer> = {
      "truncated at a chunk boundary": sealed.subarray(0, HEADER_BYTES + 3 * sealedChunk),
      "truncated inside a chunk": sealed.subarray(0, sealed.length - 5),
      "last chunk dropped and second-to-last kept": sealed.subarray(0, HEADER_BYTES + 2 * sealedChunk),
      "chunks swapped": Buffer.concat([
        header,
        chunkAt(1),
        chunkAt(0),
        sealed.subarray(HEADER_BYTES + 2 * sealedChunk),
      ]),
      "chunk duplicated": Buffer.concat([
        header,
        chunkAt(0),
        chunkAt(0),
        sealed.subarray(HEADER_BYTES + 2 * sealedChunk),
      ]),
      "bytes appended": Buffer.concat([sealed, Buffer.from([0])]),
      "header chunk size edited": (() => {
        const copy = Buffer.from(sealed);
        copy.writeUInt32BE(CHUNK * 2, 12);
        return copy;
      })(),
    };
    for (const [name, variant] of Object.entries(variants)) {
      const { error, emitted } = await decryptUntilFailure(key, variant);
      expect(error, name).toBeInstanceOf(IntegrityError);
      // Only whole, verified chunks of the original ever come out.
      expect(emitted.length % CHUNK, name).toBe(0);
      expect(plaintext.subarray(0, emitted.length).equals(emitted), name).toBe(true);
    }
  });

  it("fails on every single-bit flip, wherever it lands (property)", async () => {
    const plaintext = randomBytes(2 * CHUNK + 50);
    const sealed = await encrypt(key, plaintext);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        async (at, bit) => {
          const copy = Buffer.from(sealed);
          copy[at] = (copy[at] as number) ^ (1 << bit);
          const { error, emitted } = await decryptUntilFailure(key, copy);
          expect(error).toBeInstanceOf(IntegrityError);
          expect(plaintext.subarray(0, emitted.length).equals(emitted)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses the wrong key", async () => {
    const sealed = await encrypt(key, randomBytes(100));
    const { error, emitted } = await decryptUntilFailure(newPackageKey(), sealed);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(emitted.length).toBe(0);
  });
});

describe("package keys wrapped by a master key", () => {
  it("unwraps under the key that wrapped it, for the production it was wrapped for only", () => {
    const master = parseMasterKey(generateMasterKeyText());
    const other = parseMasterKey(generateMasterKeyText());
    const id = randomUUID();
    const packageKey = newPackageKey();
    const wrapped = wrapPackageKey(master, id, packageKey);
    expect(unwrapPackageKey({ current: other, previous: [master] }, master.id, id, wrapped)).toEqual(packageKey);
    expect(() => unwrapPackageKey({ current: other, previous: [] }, master.id, id, wrapped)).toThrow(/not configured/);
    expect(() => unwrapPackageKey({ current: master, previous: [] }, master.id, randomUUID(), wrapped)).toThrow(
      /does not unwrap/,
    );
  });

  it("accepts base64 or hex master keys of 32 bytes only", () => {
    const bytes = randomBytes(32);
    expect(parseMasterKey(bytes.toString("base64")).key).toEqual(bytes);
    expect(parseMasterKey(bytes.toString("hex")).id).toBe(parseMasterKey(bytes.toString("base64")).id);
    expect(() => parseMasterKey(randomBytes(16).toString("base64"))).toThrow(/32 random bytes/);
    expect(() => parseMasterKey("not a key")).toThrow(/32 random bytes/);
  });
});
