import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). An EU preservation (Art. 11 Regulation (EU) 2023/1543) ends after its
 * 60 days, once extended by 30 (Annex VI), unless the issuing authority confirms on Annex V that a request
 * for production follows: from then on it is kept until the production, so expiry passes it by. The
 * confirming request is recorded on the hold, and an Annex V or VI request names the hold it acted on.
 */
const STATEMENTS = [
  `alter table preservation_hold
     add column confirmed_at timestamptz,
     add column confirmed_by uuid references request (id),
     add constraint preservation_hold_confirmed check ((confirmed_at is null) = (confirmed_by is null))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
