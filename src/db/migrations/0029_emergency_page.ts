import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Waking a person for an emergency order (any regime): one row per
 * emergency request, written by the paging job (paging/emergency-page.service.ts) and by whoever on the
 * desk acknowledges it. The desk reads who acknowledged it and when; every attempt is also audited.
 * `not_needed`: someone on the desk acknowledged the emergency before a page reached anyone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table emergency_page (
      request_id uuid primary key references request (id),
      status text not null check (status in ('paging', 'sent', 'failed', 'not_configured', 'not_needed')),
      attempts integer not null default 0,
      last_error text,
      sent_at timestamptz,
      acknowledged_by uuid references app_user (id),
      acknowledged_at timestamptz,
      updated_at timestamptz not null,
      constraint emergency_page_acknowledged check ((acknowledged_by is null) = (acknowledged_at is null)),
      constraint emergency_page_sent check ((status = 'sent') = (sent_at is not null))
    )`.execute(db);
}
