import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The correspondence with the authority behind a request
 * (docs/regimes.md#replies-to-authorities): each message, outbound (an acknowledgement of receipt, a
 * preservation acknowledgement, an Annex III form, a notice of production) or inbound (the authority's
 * answer to a clarification asked on Annex III), numbered per request, its form as JSON with the SHA-256
 * of its canonical text. Messages are never changed; an Annex III clarification is marked answered when
 * the answer arrives, which is also what resumes the answer clock.
 *
 * The request keeps the moment its answer clock started (so a resumed clock is recomputed from the same
 * start the intake used) and, while a clarification is outstanding, when the clock was paused.
 */
const STATEMENTS = [
  `create table request_message (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references request (id),
     sequence integer not null check (sequence >= 1),
     direction text not null check (direction in ('outbound', 'inbound')),
     kind text not null check (kind in ('acknowledgement', 'preservation_acknowledgement', 'annex_iii',
       'production_notice', 'clarification_answer')),
     form jsonb not null,
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     author text not null check (length(author) between 1 and 320),
     sent_at timestamptz not null,
     in_reply_to uuid references request_message (id),
     awaits_answer boolean not null default false,
     answered_at timestamptz,
     unique (request_id, sequence),
     check ((direction = 'inbound') = (kind = 'clarification_answer')),
     check ((kind = 'clarification_answer') = (in_reply_to is not null)),
     check (awaits_answer or answered_at is null)
   )`,
  // At most one clarification waits at a time: the clock has one pause to resume.
  `create unique index request_message_one_open_question on request_message (request_id)
     where awaits_answer and answered_at is null`,
  `alter table request
     add column clock_started_at timestamptz,
     add column clock_paused_at timestamptz`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
