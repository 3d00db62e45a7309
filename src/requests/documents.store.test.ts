import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ABANDONED_AFTER_MS, PIECE_BYTES, readBlob, storeBlob, sweepAbandonedBlobs } from "./documents.store.js";

async function* bytes(size: number, fill: number): AsyncGenerator<Buffer> {
  yield Buffer.alloc(size, fill);
}

/**
 * Uploads a killed process left behind: a blob written (or half-written) before its submission's transaction,
 * that no document will ever link. The hourly sweep deletes those, and only those.
 */
describe.each(DRIVERS)("the sweep of abandoned uploads on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("deletes unlinked blobs older than the grace period with their pieces, and keeps linked and recent ones", async () => {
    const db = database.db;
    const linked = await storeBlob(db, bytes(PIECE_BYTES + 10, 1));
    const abandoned = await storeBlob(db, bytes(PIECE_BYTES * 2, 2));
    const uploading = await storeBlob(db, bytes(100, 3));
    // A crash mid-upload: the blob row and a piece, never finished (no digest).
    const { id: halfWritten } = await db
      .insertInto("document_blob")
      .defaultValues()
      .returning("id")
      .executeTakeFirstOrThrow();
    await sql`insert into document_blob_chunk (blob_id, seq, bytes) values (${halfWritten}, 0, '\\x00')`.execute(db);

    const { id: agencyId } = await db
      .insertInto("agency")
      .values({ name: "Police", jurisdiction: "US" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const { id: requestId } = await db
      .insertInto("request")
      .values({
        agency_id: agencyId,
        reference: "SWEEP-1",
        received_at: new Date(),
        jurisdiction: "US",
        process: "subpoena",
        categories: ["subscriber.phone"],
        findings: [],
        agency_verified: true,
        original_document: "{}",
        original_sha256: "0".repeat(64),
        status: "received",
        accounts_specified: 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("request_document")
      .values({
        request_id: requestId,
        position: 0,
        name: "warrant.pdf",
        sha256: linked.sha256,
        media_type: "application/pdf",
        size_bytes: linked.sizeBytes,
        content: null,
        blob_id: linked.blobId,
      })
      .execute();

    // Everything but the upload still arriving is older than the grace period, the linked one too.
    const old = new Date(Date.now() - ABANDONED_AFTER_MS - 60_000);
    await db
      .updateTable("document_blob")
      .set({ created_at: old })
      .where("id", "in", [linked.blobId, abandoned.blobId, halfWritten])
      .execute();

    expect(await sweepAbandonedBlobs(db, new Date())).toBe(2);
    const left = await db.selectFrom("document_blob").select("id").execute();
    expect(left.map((b) => b.id).sort()).toEqual([linked.blobId, uploading.blobId].sort());
    const pieces = await db
      .selectFrom("document_blob_chunk")
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .where("blob_id", "in", [abandoned.blobId, halfWritten])
      .executeTakeFirstOrThrow();
    expect(Number(pieces.n)).toBe(0);

    // The linked document reads back whole, and a second sweep finds nothing more.
    const chunks: Buffer[] = [];
    for await (const chunk of readBlob(db, linked.blobId)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(Buffer.alloc(PIECE_BYTES + 10, 1))).toBe(true);
    expect(await sweepAbandonedBlobs(db, new Date())).toBe(0);
    // An hour later the upload that was arriving is abandoned too, if nothing linked it.
    expect(await sweepAbandonedBlobs(db, new Date(Date.now() + ABANDONED_AFTER_MS + 60_000))).toBe(1);
  });
});
