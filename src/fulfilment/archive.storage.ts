import { createHash, type Hash } from "node:crypto";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import { OperationalError } from "../shared/errors.js";
import { type ArchiveDigest, type ExpectedDigest, OWN_DIGEST, openSealer } from "./sealing.js";

/**
 * Where encrypted archives rest: outside the database, in a store that only ever sees ciphertext. The
 * database keeps each production's metadata, its wrapped key and the archive's SHA-256 and length
 * (migration 0025); the store keeps the bytes under a key named after the production. Two stores ship:
 * a directory on the local disk (archive-dir.storage.ts, the default) and S3-compatible object storage
 * (archive-s3.storage.ts). Either is chosen by CUSTODIAN_ARCHIVE_STORE (config.ts, docs/storage.md).
 *
 * A store never shows a half-written archive under its key: `put` either leaves the whole stream there
 * or nothing (a directory writes a temporary file and renames it; S3 completes a multipart upload or
 * aborts it). Reading checks what comes back against the digest the database recorded, so an archive
 * altered or truncated in the store is reported as such, not taken for a decryption fault.
 */

/** What the database records of a stored archive: its digest and length (defined beside OWN_DIGEST). */
export type StoredArchive = ArchiveDigest;

export interface ArchiveStore {
  /** Where archives go, for messages and the audit trail: `directory /var/lib/custodian/archives`, `s3://bucket/prefix`. */
  readonly location: string;
  /** Store the stream under `key`, whole or not at all; resolves once the bytes are durable. */
  put(key: string, body: Readable): Promise<StoredArchive>;
  /** The stored bytes; rejects with ArchiveMissingError when there are none. */
  get(key: string): Promise<Readable>;
  /** The stored length, or undefined when nothing is stored under `key`. */
  size(key: string): Promise<number | undefined>;
  /** Remove what is stored under `key`, and any unfinished write of it; nothing stored is no error. */
  delete(key: string): Promise<void>;
}

export class ArchiveMissingError extends OperationalError {
  readonly code = "archive_missing";
}

export class ArchiveDamagedError extends OperationalError {
  readonly code = "archive_damaged";
}

/** The key a production's archive is stored under. */
export function archiveKeyOf(productionId: string): string {
  return `${productionId}.cpk`;
}

/**
 * `put`'s digest of `body`: the one a sealed archive computes as it is produced (OWN_DIGEST), or else a
 * pass-through's (`through`, to pipe `body` through) that counts and hashes it.
 */
export function digesting(body: Readable): { through: Transform[]; result(): StoredArchive } {
  const own = (body as Readable & { [OWN_DIGEST]?: () => StoredArchive })[OWN_DIGEST];
  if (own) return { through: [], result: own };
  const hash: Hash = createHash("sha256");
  let bytes = 0;
  const stream = new Transform({
    transform(data: Buffer, _encoding, callback: TransformCallback) {
      hash.update(data);
      bytes += data.length;
      callback(null, data);
    },
  });
  return { through: [stream], result: () => ({ sha256: hash.digest("hex"), bytes }) };
}

/** A stored archive's bytes, its length already found to be the one recorded, and the digest they must have. */
export interface StoredBytes {
  bytes: Readable;
  digest: ExpectedDigest;
}

/**
 * The archive stored under `key`: a wrong length is refused before a byte is read (ArchiveDamagedError),
 * a missing archive too (ArchiveMissingError). Its digest is for the reader to check: `openStoredArchive`
 * does, and so does the download as it decrypts (sealing.ts, `openArchive`).
 */
export async function readStoredArchive(
  store: ArchiveStore,
  key: string,
  expected: StoredArchive,
  what: string,
): Promise<StoredBytes> {
  const size = await store.size(key);
  if (size === undefined)
    throw new ArchiveMissingError(`${what}: its archive ${key} is missing from ${store.location}`);
  if (size !== expected.bytes) {
    throw new ArchiveDamagedError(
      `${what}: its archive ${key} in ${store.location} is ${size} bytes, ${expected.bytes} were stored`,
    );
  }
  return {
    bytes: await store.get(key),
    digest: {
      sha256: expected.sha256,
      damaged: (sha256) =>
        new ArchiveDamagedError(
          `${what}: its archive ${key} in ${store.location} was altered (SHA-256 ${sha256}, ${expected.sha256} was stored)`,
        ),
    },
  };
}

/**
 * The archive stored under `key`, checked against what the database recorded: a wrong length is
 * refused before a byte is read; a wrong digest fails the stream at its end with ArchiveDamagedError.
 */
export async function openStoredArchive(
  store: ArchiveStore,
  key: string,
  expected: StoredArchive,
  what: string,
): Promise<Readable> {
  return checkedArchive(await readStoredArchive(store, key, expected, what));
}

/** The bytes as they are, failing at their end with `digest.damaged` unless they hash to `digest.sha256`. */
export function checkedArchive({ bytes, digest }: StoredBytes): Readable {
  // Hashed on the sealing worker, from a copy. The copy goes into a buffer the worker hands back, not a
  // new one: new megabytes cost more to map than to fill (stream-cipher.ts).
  const sealer = openSealer();
  const file = sealer.openFile();
  const checking = new Transform({
    transform(data: Buffer, _encoding, callback: TransformCallback) {
      const copy = sealer.buffer(data.length);
      data.copy(copy);
      sealer.write(copy, file, true).then(() => callback(null, data), callback);
    },
    flush(callback: TransformCallback) {
      sealer.closeFile(file).then((sha256) => {
        sealer.close();
        callback(sha256 === digest.sha256 ? undefined : digest.damaged(sha256));
      }, callback);
    },
    destroy(error, callback) {
      sealer.close();
      callback(error);
    },
  });
  // Either way: the store's failure fails the read, and a reader that stops (an agency that hangs up)
  // stops the store's stream, which would otherwise hold its file or connection open, and frees the session.
  pipeline(bytes, checking, () => {});
  return checking;
}
