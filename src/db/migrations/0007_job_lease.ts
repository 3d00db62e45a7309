import { type Kysely, sql } from "kysely";

/**
 * Jobs run under a lease (jobs/jobs.ts): a claimed job is `running` until `locked_until`, which its
 * holder's heartbeat keeps moving; a runner takes over a running job whose lease has run out. The index
 * finds those, as `job_due` finds the pending ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table job add column locked_until timestamptz`.execute(db);
  await sql`create index job_lease on job (locked_until) where status = 'running'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index job_lease`.execute(db);
  await sql`alter table job drop column locked_until`.execute(db);
}
