import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The enforcing State of an EU production order (Art. 8, 10(2), 12
 * Regulation (EU) 2023/1543, docs/regimes.md#the-enforcing-state): the issuing authority's notification of
 * the enforcing authority, as the order or a member of staff records it, with the end of the window in
 * which that authority may raise a ground for refusal; and each answer of that authority, recorded by
 * staff, also after delivery: no ground, a refusal or an objection on Art. 12(1) grounds for some of the
 * order's traffic and content data, or conditions on the use of the data. Neither is ever changed: a later
 * answer is another row.
 */
const STATEMENTS = [
  `create table enforcing_notification (
     request_id uuid primary key references request (id),
     enforcing_state text not null check (enforcing_state ~ '^[A-Z]{2}$'),
     notified_at timestamptz not null,
     window_closes_at timestamptz not null check (window_closes_at > notified_at),
     emergency boolean not null,
     recorded_from text not null check (recorded_from in ('document', 'staff')),
     recorded_by text not null check (length(recorded_by) between 1 and 320),
     recorded_at timestamptz not null
   )`,
  `create table enforcing_answer (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references enforcing_notification (request_id),
     kind text not null check (kind in ('no_ground', 'refusal', 'objection', 'conditions')),
     grounds text[] not null default '{}',
     categories text[] not null default '{}',
     conditions text check (length(conditions) <= 4000),
     note text check (length(note) <= 2000),
     answered_at timestamptz not null,
     in_time boolean not null,
     after_delivery boolean not null,
     recorded_by text not null check (length(recorded_by) between 1 and 320),
     recorded_at timestamptz not null,
     check ((kind in ('refusal', 'objection')) = (cardinality(grounds) > 0)),
     check ((kind in ('refusal', 'objection')) = (cardinality(categories) > 0)),
     check ((kind = 'conditions') = (conditions is not null))
   )`,
  "create index enforcing_answer_request on enforcing_answer (request_id, recorded_at)",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
