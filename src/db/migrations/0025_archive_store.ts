import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Archives leave the database (issue 16, item 2): a production's bytes
 * go to the configured archive store (fulfilment/archive.storage.ts) under `archive_key`, and the row
 * keeps the SHA-256 of what was stored, against which every read is checked. Productions sealed before
 * stay where they are: their `production_chunk` rows remain readable (a null `archive_key` says so) until
 * their purge deletes them, which their retention brings within weeks; nothing is moved.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table production add column archive_key text`.execute(db);
  await sql`alter table production add column archive_sha256 text check (archive_sha256 ~ '^[0-9a-f]{64}$')`.execute(
    db,
  );
  // A sealed production in a store has its digest: a read has something to check against.
  await sql`alter table production add constraint production_archive_digest check (
    archive_key is null or status in ('building', 'failed', 'purged') or archive_sha256 is not null)`.execute(db);
}
