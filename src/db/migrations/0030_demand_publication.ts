import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). A demand published after its gag lifted (issue 17, item 6;
 * docs/publications.md): one row per request, drafted by one member of staff and approved by counsel, a
 * different person. `shown` is exactly what the public sees (the fields as they were when drafted),
 * `redactions` what is withheld and why; the draft's `version` grows with each redraft, and an approval
 * names the version it approves, so nobody approves a text they have not seen. Nothing is public before
 * `approved_at`; an approved publication is not redrafted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table demand_publication (
      request_id uuid primary key references request (id),
      version integer not null default 1 check (version >= 1),
      shown jsonb not null,
      redactions jsonb not null,
      summary text,
      drafted_by uuid not null references app_user (id),
      drafted_at timestamptz not null,
      approved_by uuid references app_user (id),
      approved_at timestamptz,
      constraint demand_publication_approved check ((approved_by is null) = (approved_at is null)),
      constraint demand_publication_two_people check (approved_by is null or approved_by <> drafted_by)
    )`.execute(db);
  await sql`create index demand_publication_published on demand_publication (approved_at) where approved_at is not null`.execute(
    db,
  );
}
