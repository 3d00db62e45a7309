import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The warrant canary: one row per day the canary was due, issued (the
 * signed document) or withheld (which statements no longer held). Rows are never changed: the newest
 * issued row is what /canary.txt serves, and the history shows every day it was renewed or not.
 */
const STATEMENTS = [
  `create table warrant_canary (
     day date primary key,
     status text not null check (status in ('issued', 'withheld')),
     decided_at timestamptz not null,
     document jsonb,
     signature text,
     key_id text check (key_id ~ '^[0-9a-f]{16}$'),
     expires_at timestamptz,
     unsupported text[],
     check ((status = 'issued') = (document is not null and signature is not null and key_id is not null
       and expires_at is not null)),
     check ((status = 'withheld') = (unsupported is not null and cardinality(unsupported) > 0))
   )`,
  "create index warrant_canary_issued on warrant_canary (day) where status = 'issued'",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
