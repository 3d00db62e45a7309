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

export async function readDsaReport(db: Reader, year: Year): Promise<DsaCell[]> {
  const { start, end } = periodBounds(year);
  const { rows } = await sql<{
    all_states: number;
    all_categories: number;
    member_state: string | null;
    category: string | null;
    orders: string | number;
    confirmed: string | number;
    median_confirm: number | string | null;
    answered: string | number;
    median_effect: number | string | null;
  }>`
    with orders as (
      select split_part(r.jurisdiction, '-', 1) as member_state,
             coalesce(r.illegal_content_category, ${DSA_NOT_SPECIFIED}) as category,
             extract(epoch from r.receipt_confirmed_at - r.received_at)::float8 as confirm_seconds,
             extract(epoch from r.effect_at - r.received_at)::float8 as effect_seconds
        from request r
       where r.received_at >= ${start} and r.received_at < ${end}
         and r.process <> 'preservation'
         and split_part(r.jurisdiction, '-', 1) in (${MEMBER_STATES})
    )
    select grouping(member_state) as all_states, grouping(category) as all_categories, member_state, category,
           count(*) as orders,
           count(confirm_seconds) as confirmed,
           percentile_cont(0.5) within group (order by confirm_seconds) as median_confirm,
           count(effect_seconds) as answered,
           percentile_cont(0.5) within group (order by effect_seconds) as median_effect
      from orders
     group by grouping sets ((), (category), (member_state), (member_state, category))
     order by grouping(member_state) desc, member_state, grouping(category) desc, category`.execute(db);
  return rows.map((row) => ({
    memberState: Number(row.all_states) === 1 ? null : row.member_state,
    category: Number(row.all_categories) === 1 ? null : row.category,
    orders: Number(row.orders),
    confirmed: Number(row.confirmed),
    medianConfirmSeconds: row.median_confirm === null ? null : Number(row.median_confirm),
    answered: Number(row.answered),
    medianEffectSeconds: row.median_effect === null ? null : Number(row.median_effect),
  }));
}
