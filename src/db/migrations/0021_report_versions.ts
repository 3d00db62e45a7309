import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Published reports (issue 17, item 1): a report, once published, is a
 * numbered version that never changes; a correction is the next version, with a note of what changed and
 * why (required from version 2 on) and the published figures that changed. A version keeps the exact rows
 * it was published from (national-security counts too: they are banded when served, as the live report),
 * so every layout of it can be served again byte for byte; `sha256` is the SHA-256 of its CSV.
 */
const STATEMENTS = [
  `create table report_version (
     period text not null check (period ~ '^[0-9]{4}(H[12]|Q[1-4])?$'),
     version integer not null check (version >= 1),
     published_at timestamptz not null,
     published_by text not null,
     note text check (note is null or length(note) between 1 and 4000),
     rows jsonb not null check (jsonb_typeof(rows) = 'array'),
     changes jsonb not null check (jsonb_typeof(changes) = 'array'),
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     primary key (period, version),
     check (version = 1 or note is not null)
   )`,
  // Immutable, whoever connects: a version is added, never changed or removed (a correction is a new one).
  `create function report_version_immutable() returns trigger language plpgsql as $$
   begin
     raise exception 'a published report version is never changed: % on % refused', tg_op, tg_table_name
       using errcode = 'insufficient_privilege';
   end $$`,
  `create trigger report_version_no_update_delete before update or delete on report_version
     for each row execute function report_version_immutable()`,
  `create trigger report_version_no_truncate before truncate on report_version
     for each statement execute function report_version_immutable()`,
  "revoke update, delete, truncate on report_version from public",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
