import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). A hold for staff review: when the account that submitted a request is
 * suspended, its open requests stop moving toward disclosure until a member of staff has looked at each
 * and released it with a note. It is not a jurisdiction pause: the request keeps its status (and so its
 * place in the transparency report), and a jurisdiction's pause and resume work on it as on any other.
 * At most one open hold per request; a released one stays as the record of who released it and why.
 */
const STATEMENTS = [
  `create table request_hold (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references request (id),
     kind text not null check (kind in ('account_suspended')),
     -- The account whose suspension placed the hold.
     account_id uuid not null references app_user (id),
     reason text not null check (length(reason) between 1 and 2000),
     placed_by text not null,
     placed_at timestamptz not null,
     released_by text,
     released_at timestamptz,
     release_note text check (release_note is null or length(release_note) between 1 and 2000),
     check ((released_at is null) = (released_by is null) and (released_at is null) = (release_note is null))
   )`,
  "create unique index request_hold_open on request_hold (request_id) where released_at is null",
  "create index request_hold_account on request_hold (account_id) where released_at is null",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table request_hold`.execute(db);
}
