import type { Db, Tx } from "../db/database.js";

/**
 * Where encrypted archives rest: `production_chunk`, one row per mebibyte of the archive's bytes, in
 * Custodian's own database. Kept there rather than on a disk beside one process so that every app
 * process behind one PostgreSQL can serve a download, backups carry productions with the rest of the
 * record, and purging is a DELETE in the same transaction as its audit entry. Rows are cut at fixed
 * byte offsets, independent of the cipher's framing: the store holds opaque bytes.
 */

export const ROW_BYTES = 1024 * 1024;
const ROWS_PER_INSERT = 2;
// Inserts in flight while the next rows are encrypted: the database writes while the CPU packages.
const INSERTS_IN_FLIGHT = 2;
const ROWS_PER_READ = 2;

export interface ChunkSinkResult {
  bytes: number;
  rows: number;
}

/** Consume a byte stream into a production's chunk rows; `onRows` is called after each insert. */
export async function storeChunks(
  db: Db | Tx,
  productionId: string,
  source: AsyncIterable<Buffer>,
  onRows?: (bytes: number) => Promise<void> | void,
): Promise<ChunkSinkResult> {
  let seq = 0;
  let bytes = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let rows: Buffer[] = [];
  const inFlight: Promise<unknown>[] = [];
  const insert = async () => {
    if (rows.length === 0) return;
    const values = rows.map((data) => ({ production_id: productionId, seq: seq++, data }));
    rows = [];
    const done = db.insertInto("production_chunk").values(values).execute();
    // A failure surfaces when its turn to be awaited comes; until then it must not be unhandled.
    done.catch(() => {});
    inFlight.push(done);
    if (inFlight.length >= INSERTS_IN_FLIGHT) await inFlight.shift();
    await onRows?.(bytes);
  };
  const cut = (n: number) => {
    const all = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partBytes);
    rows.push(all.subarray(0, n));
    const rest = all.subarray(n);
    parts = rest.length > 0 ? [rest] : [];
    partBytes = rest.length;
  };
  for await (const piece of source) {
    bytes += piece.length;
    parts.push(piece);
    partBytes += piece.length;
    while (partBytes >= ROW_BYTES) {
      cut(ROW_BYTES);
      if (rows.length >= ROWS_PER_INSERT) await insert();
    }
  }
  if (partBytes > 0) cut(partBytes);
  await insert();
  await Promise.all(inFlight);
  return { bytes, rows: seq };
}

/** A production's stored bytes, in order, a few rows per query. */
export async function* readChunks(db: Db | Tx, productionId: string): AsyncIterable<Buffer> {
  let next = 0;
  for (;;) {
    const rows = await db
      .selectFrom("production_chunk")
      .select(["seq", "data"])
      .where("production_id", "=", productionId)
      .where("seq", ">=", next)
      .orderBy("seq")
      .limit(ROWS_PER_READ)
      .execute();
    for (const row of rows) {
      if (row.seq !== next) throw new Error(`production ${productionId}: chunk ${next} is missing`);
      next += 1;
      yield Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    }
    if (rows.length < ROWS_PER_READ) return;
  }
}
