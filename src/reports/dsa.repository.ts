import { sql } from "kysely";
import type { Db, Tx } from "../db/database.js";
import { DSA_NOT_SPECIFIED } from "../domain/dsa.js";
import { EU_MEMBER_STATES } from "../domain/vocabulary.js";
import { periodBounds, type Year } from "./period.js";

/**
 * The DSA's figures on orders to provide information (Art. 15(1)(a); docs/reports.md#the-dsa-report),
 * for one calendar year, computed in SQL from the facts recorded on each order (migration 0026): how many
 * orders, and the medians of the time from receipt to the confirmation of receipt and to the effect given
 * (delivered) or the answer that the order was not executed, per Member State, per category of illegal
 * content, per both and in total, in one statement (grouping sets), so every cut is of the same rows.
 *
 * An order is a request from a Member State's authority (its jurisdiction's country is one of the 27)
 * under any process but preservation, which asks to keep data, not to provide it. An order without a
 * recorded category counts under the template's "not specified by the public authority". A median is over
 * the orders that have the moment (an order not yet answered has no time to give effect); how many that
 * is, is returned beside it.
 *
 * `readDsaReport` answers from the year's cached result (migration 0033) while no fact it read has changed
 * since, and otherwise computes it and stores it (`refreshDsaReport`); `computeDsaReport` is the statement
 * alone, uncached. The cache is exact under concurrency: a cached row carries the generation read in the
 * statement that computed it (one snapshot), and every change to an order's facts bumps its year's
 * generation in the change's own transaction (0033's triggers), so a result computed before a change
 * committed never matches the generation after it.
 */

export interface DsaCell {
  /** null: every Member State (the template's TOTAL scope). */
  memberState: string | null;
  /** null: every category (the template's TOTAL row). */
  category: string | null;
  orders: number;
  confirmed: number;
  medianConfirmSeconds: number | null;
  answered: number;
  medianEffectSeconds: number | null;
}

type Reader = Db | Tx;

// Literal, not parameters, and the same text as migration 0026's partial index, so the planner uses it.
// All 27: Art. 10 DSA covers orders of any Member State's authorities, Denmark included, unlike Regulation 2023/1543.
const MEMBER_STATES = sql.raw(EU_MEMBER_STATES.map((code) => `'${code}'`).join(", "));

interface CellRow {
  member_state: string | null;
  category: string | null;
  orders: string | number;
  confirmed: string | number;
  median_confirm: number | string | null;
  answered: string | number;
  median_effect: number | string | null;
}

function toCell(row: CellRow): DsaCell {
  return {
    memberState: row.member_state,
    category: row.category,
    orders: Number(row.orders),
    confirmed: Number(row.confirmed),
    medianConfirmSeconds: row.median_confirm === null ? null : Number(row.median_confirm),
    answered: Number(row.answered),
    medianEffectSeconds: row.median_effect === null ? null : Number(row.median_effect),
  };
}

/**
 * The cells of `year`, one row per cut in the report's order (`position`): the counts and the medians
 * over that year's orders from Member States (through migration 0026's partial index).
 */
function cellsOf(year: Year) {
  const { start, end } = periodBounds(year);
  return sql`
    orders as (
      select split_part(r.jurisdiction, '-', 1) as member_state,
             coalesce(r.illegal_content_category, ${DSA_NOT_SPECIFIED}) as category,
             extract(epoch from r.receipt_confirmed_at - r.received_at)::float8 as confirm_seconds,
             extract(epoch from r.effect_at - r.received_at)::float8 as effect_seconds
        from request r
       where r.received_at >= ${start} and r.received_at < ${end}
         and r.process <> 'preservation'
         and split_part(r.jurisdiction, '-', 1) in (${MEMBER_STATES})
    ), cells as (
      select case when grouping(member_state) = 1 then null else member_state end as member_state,
             case when grouping(category) = 1 then null else category end as category,
             count(*) as orders,
             count(confirm_seconds) as confirmed,
             percentile_cont(0.5) within group (order by confirm_seconds) as median_confirm,
             count(effect_seconds) as answered,
             percentile_cont(0.5) within group (order by effect_seconds) as median_effect,
             row_number() over (order by grouping(member_state) desc, member_state, grouping(category) desc, category)
               as position
        from orders
       group by grouping sets ((), (category), (member_state), (member_state, category))
    )`;
}

/** The year's generation (migration 0033): the sum of its shards and of every year's (`*`). */
function generationOf(year: Year) {
  return sql`(select coalesce(sum(generation), 0)::bigint from dsa_report_generation where year in (${year}, '*'))`;
}

/** The report of `year` computed from the requests, uncached (what the cache holds, and the bench's and tests' peer). */
export async function computeDsaReport(db: Reader, year: Year): Promise<DsaCell[]> {
  const { rows } = await sql<CellRow>`
    with ${cellsOf(year)}
    select member_state, category, orders, confirmed, median_confirm, answered, median_effect
      from cells order by position`.execute(db);
  return rows.map(toCell);
}

/** The cached report of `year` if it is of the current generation (nothing it read changed since), else null. */
export async function readCachedDsaReport(db: Reader, year: Year): Promise<DsaCell[] | null> {
  const { rows } = await sql<CellRow>`
    select c.member_state, c.category, c.orders, c.confirmed, c.median_confirm, c.answered, c.median_effect
      from dsa_report_cache k
     cross join lateral unnest(k.member_states, k.categories, k.orders, k.confirmed, k.median_confirm, k.answered,
                               k.median_effect)
           with ordinality as c(member_state, category, orders, confirmed, median_confirm, answered, median_effect,
                                position)
     where k.year = ${year} and k.generation = ${generationOf(year)}
     order by c.position`.execute(db);
  // A report always has its total cell (grouping set () over no orders is one row of zeros), so no rows is a miss.
  return rows.length === 0 ? null : rows.map(toCell);
}

/**
 * Computes the report of `year` and stores it with the generation read in the same statement (one
 * snapshot: a change not in the cells is not in the generation either). A result computed from an
 * older generation than the one stored does not replace it.
 */
export async function refreshDsaReport(db: Reader, year: Year): Promise<DsaCell[]> {
  const { rows } = await sql<CellRow>`
    with ${cellsOf(year)}, stored as (
      insert into dsa_report_cache as k (year, generation, computed_at, member_states, categories, orders, confirmed,
                                         median_confirm, answered, median_effect)
      select ${year}, ${generationOf(year)}, now(),
             array_agg(member_state order by position), array_agg(category order by position),
             array_agg(orders order by position), array_agg(confirmed order by position),
             array_agg(median_confirm order by position), array_agg(answered order by position),
             array_agg(median_effect order by position)
        from cells
      on conflict (year) do update set
        generation = excluded.generation, computed_at = excluded.computed_at,
        member_states = excluded.member_states, categories = excluded.categories, orders = excluded.orders,
        confirmed = excluded.confirmed, median_confirm = excluded.median_confirm, answered = excluded.answered,
        median_effect = excluded.median_effect
      where k.generation <= excluded.generation
    )
    select member_state, category, orders, confirmed, median_confirm, answered, median_effect
      from cells order by position`.execute(db);
  return rows.map(toCell);
}

/** The report of `year`: from the cache while it is current, else computed (and cached). */
export async function readDsaReport(db: Reader, year: Year): Promise<DsaCell[]> {
  return (await readCachedDsaReport(db, year)) ?? (await refreshDsaReport(db, year));
}
