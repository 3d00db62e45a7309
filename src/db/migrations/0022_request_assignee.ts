import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Who on the desk has taken a request: set and cleared only by the
 * take and release actions (requests/request.assignment.ts), each audited in its transaction. A member
 * of staff's own queue view reads it through the partial index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table request add column assignee_id uuid references app_user (id)`.execute(db);
  await sql`alter table request add column assigned_at timestamptz`.execute(db);
  await sql`alter table request add constraint request_assigned_at check ((assignee_id is null) = (assigned_at is null))`.execute(
    db,
  );
  await sql`create index request_assignee on request (assignee_id) where assignee_id is not null`.execute(db);
}
