import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The DSA report of a year (src/reports/dsa.repository.ts), kept once
 * computed. Its medians need every order's times, so unlike the requests' report it cannot be rolled up;
 * instead the result of a year is stored when it is first asked for, and stays valid only as long as
 * nothing it read has changed:
 *  - `dsa_report_generation` counts, per year (of `received_at`, UTC) and shard, the statements that changed
 *    a fact the report reads of an order received that year: an order inserted or deleted, or its
 *    `received_at`, `jurisdiction`, `process`, `illegal_content_category`, `receipt_confirmed_at`, `effect` or
 *    `effect_at` changed (both its old year and its new one). Statement triggers on `request` bump it in the
 *    transaction of the change, whatever code makes it; a TRUNCATE bumps the year `*`, which every year
 *    counts. A year's generation is the sum of its shards and of `*`'s: it only grows, and grows with every
 *    such commit. Shards by backend, as report_rollup's, so concurrent intakes do not wait on one row lock
 *    until the other commits.
 *  - `dsa_report_cache` holds a year's cells (as the report returns them, in its order, as parallel
 *    arrays: one row, written by one upsert) with the generation read in the same statement, hence the same
 *    snapshot, that computed them. A cached row is the report only while its generation equals the current
 *    one: a change committed while it was being computed is not in the snapshot, but its bump makes the
 *    generation differ, so the row is never taken for fresh. Medians are float8 arrays: the values, not
 *    their text.
 * An order is what the report counts (process other than preservation, a country among the 27 Member
 * States): the list below is 0026's index's and the report's; a change to it is a new migration for all three.
 */

const MEMBER_STATES = `('AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE',
  'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK')`;

const isOrder = (row: string) =>
  `(${row}.process <> 'preservation' and split_part(${row}.jurisdiction, '-', 1) in ${MEMBER_STATES})`;
const yearOf = (row: string) => `left(report_quarter(${row}.received_at), 4)`;
const FACTS = [
  "received_at",
  "jurisdiction",
  "process",
  "illegal_content_category",
  "receipt_confirmed_at",
  "effect",
  "effect_at",
];

/** One bump per year the statement changed (`years`: a query of a column `year`), in year order. */
function bumpFunction(name: string, years: string): string {
  return `create function ${name}() returns trigger language plpgsql as $$
   begin
     insert into dsa_report_generation as g (year, shard, generation)
     select year, (pg_backend_pid() % 16)::smallint, 1
       from (select distinct year from (${years}) changed where year is not null) years
      order by year
     on conflict (year, shard) do update set generation = g.generation + 1;
     return null;
   end $$`;
}

const STATEMENTS = [
  `create table dsa_report_generation (
     year text not null check (year ~ '^([0-9]{4}|[*])$'),
     shard smallint not null check (shard between 0 and 15),
     generation bigint not null default 0,
     primary key (year, shard)
   )`,
  `create table dsa_report_cache (
     year text primary key check (year ~ '^[0-9]{4}$'),
     generation bigint not null,
     computed_at timestamptz not null,
     member_states text[] not null,
     categories text[] not null,
     orders bigint[] not null,
     confirmed bigint[] not null,
     median_confirm float8[] not null,
     answered bigint[] not null,
     median_effect float8[] not null
   )`,
  bumpFunction("dsa_report_bump_insert", `select ${yearOf("n")} as year from new_requests n where ${isOrder("n")}`),
  bumpFunction("dsa_report_bump_delete", `select ${yearOf("o")} as year from old_requests o where ${isOrder("o")}`),
  bumpFunction(
    "dsa_report_bump_update",
    `select v.year
       from old_requests o join new_requests n on n.id = o.id
      cross join lateral (values (case when ${isOrder("o")} then ${yearOf("o")} end),
                                 (case when ${isOrder("n")} then ${yearOf("n")} end)) v(year)
      where (${FACTS.map((f) => `o.${f}`).join(", ")}) is distinct from (${FACTS.map((f) => `n.${f}`).join(", ")})`,
  ),
  bumpFunction("dsa_report_bump_truncate", `select '*'::text as year`),
  `create trigger dsa_report_bump_insert after insert on request referencing new table as new_requests
     for each statement execute function dsa_report_bump_insert()`,
  `create trigger dsa_report_bump_update after update on request
     referencing old table as old_requests new table as new_requests
     for each statement execute function dsa_report_bump_update()`,
  `create trigger dsa_report_bump_delete after delete on request referencing old table as old_requests
     for each statement execute function dsa_report_bump_delete()`,
  `create trigger dsa_report_bump_truncate after truncate on request
     for each statement execute function dsa_report_bump_truncate()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
