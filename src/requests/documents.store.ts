import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { HOUR_MS } from "../shared/time.js";

/**
 * Uploaded documents, stored while they arrive (migration 0012): each file becomes a blob written in
 * pieces of PIECE_BYTES, one short statement per piece, and hashed as it streams. No statement ever
 * carries a whole file, so the embedded database's heap stays small and the event loop is free between
 * pieces (other requests are served while an upload runs); a file is never held whole in memory.
 *
 * Pieces travel as base64 text: PGlite serialises a `bytea` parameter about ten times slower than it
 * decodes the same bytes from base64 (measured: 450 ms against 50 ms for 256 KiB), and PostgreSQL
 * decodes either at no cost that matters.
 */

export const PIECE_BYTES = 64 * 1024;
/** How many pieces a read fetches at once: 1 MiB per round trip. */
const PIECES_PER_READ = 16;

export interface StoredBlob {
  blobId: string;
  sha256: string;
  sizeBytes: number;
}

/** A file as submitted: its name and type as the client gave them, its bytes already stored. */
export interface StoredUpload extends StoredBlob {
  name: string;
  mediaType: string;
}

/**
 * The pieces of every upload in this process, written one at a time, each in a turn of the event loop of
 * its own. The embedded database runs a statement synchronously on the event loop (5–10 ms for a piece)
 * and hands its connection to the next waiting statement without leaving the microtask queue: ten uploads
 * each awaiting their next piece used to be written back to back in one turn, holding everything else
 * (health, the desk) for 100–300 ms at a time. Queued here, a piece waits for the loop's next turn, so
 * between any two pieces the server reads sockets and answers other requests. On PostgreSQL a piece is a
 * round trip that does not hold the loop, and one at a time cost nothing measurable (ten 9 MiB uploads at
 * once were stored no slower: npm run bench -- uploads).
 */
let lastPiece: Promise<unknown> = Promise.resolve();

function inATurnOfItsOwn<T>(write: () => Promise<T>): Promise<T> {
  const turn = lastPiece.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(write);
  lastPiece = turn.catch(() => undefined);
  return turn;
}

/** Thrown by the source (e.g. a size limit reached) ends the store; the caller discards the blob. */
export async function storeBlob(db: Db, source: AsyncIterable<Buffer | Uint8Array>): Promise<StoredBlob> {
  const { rows } = await sql<{ id: string }>`insert into document_blob default values returning id`.execute(db);
  const blobId = (rows[0] as { id: string }).id;
  const digest = createHash("sha256");
  let sizeBytes = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const writePiece = async (piece: Buffer) => {
    const at = seq++;
    await inATurnOfItsOwn(() =>
      sql`insert into document_blob_chunk (blob_id, seq, bytes)
          values (${blobId}, ${at}, decode(${piece.toString("base64")}, 'base64'))`.execute(db),
    );
  };
  try {
    for await (const chunk of source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      digest.update(bytes);
      sizeBytes += bytes.length;
      pending.push(bytes);
      pendingBytes += bytes.length;
      while (pendingBytes >= PIECE_BYTES) {
        const joined = Buffer.concat(pending);
        await writePiece(joined.subarray(0, PIECE_BYTES));
        const rest = joined.subarray(PIECE_BYTES);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
      }
    }
    if (pendingBytes > 0) await writePiece(Buffer.concat(pending));
    const sha256 = digest.digest("hex");
    await db.updateTable("document_blob").set({ sha256, size_bytes: sizeBytes }).where("id", "=", blobId).execute();
    return { blobId, sha256, sizeBytes };
  } catch (error) {
    await discardUnlinkedBlobs(db, [blobId]);
    throw error;
  }
}

/**
 * Deletes those of `blobIds` no document links to: the uploads of a refused submission, or a file sent
 * twice. Safe to call after a successful submission too (the linked ones stay).
 */
export async function discardUnlinkedBlobs(db: Db, blobIds: readonly string[]): Promise<void> {
  if (blobIds.length === 0) return;
  await deleteUnlinkedBlobs(db).where("id", "in", blobIds).execute();
}

/** A delete of the blobs no document links to, for the caller to narrow. */
function deleteUnlinkedBlobs(db: Db) {
  return db
    .deleteFrom("document_blob")
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("request_document").select("blob_id").whereRef("blob_id", "=", "document_blob.id"))),
    );
}

/**
 * How long an unlinked blob may wait before it is taken for abandoned. A submission links its uploads in the
 * transaction that stores it, the moment the body has arrived, and a body at the size limit arrives in
 * minutes even over a slow line: an hour old and still unlinked, it is the leftover of a process killed
 * mid-upload (or of a refusal whose own clean-up failed), which nothing else will ever delete.
 */
export const ABANDONED_AFTER_MS = HOUR_MS;

/** Deletes blobs no document links to that are older than ABANDONED_AFTER_MS; their pieces go with them. */
export async function sweepAbandonedBlobs(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
  const result = await deleteUnlinkedBlobs(db).where("created_at", "<", cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The blob's bytes, fetched a megabyte at a time as the reader asks for them. */
export function readBlob(db: Db, blobId: string): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    let next = 0;
    for (;;) {
      const { rows } = await sql<{ seq: number; b64: string }>`
        select seq, encode(bytes, 'base64') as b64 from document_blob_chunk
        where blob_id = ${blobId} and seq >= ${next} order by seq limit ${PIECES_PER_READ}`.execute(db);
      for (const row of rows) yield Buffer.from(row.b64, "base64");
      if (rows.length < PIECES_PER_READ) return;
      next = (rows.at(-1)?.seq ?? next) + 1;
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}
