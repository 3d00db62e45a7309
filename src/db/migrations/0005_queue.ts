import { type Kysely, sql } from "kysely";

/**
 * The desk's queue is read in two orders, soonest deadline and newest arrival, a page at a time by keyset.
 * With these indexes a page is an index range scan from the cursor, so page 400 of 10,000 open requests
 * costs what page 1 does; without them every page sorts the whole filtered table. The deadline index is
 * on the exact expression the queue orders by (requests without a deadline last).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index request_queue_deadline on request ((coalesce(deadline_at, 'infinity'::timestamptz)), id)`.execute(
    db,
  );
  await sql`create index request_queue_received on request (received_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index request_queue_received`.execute(db);
  await sql`drop index request_queue_deadline`.execute(db);
}
