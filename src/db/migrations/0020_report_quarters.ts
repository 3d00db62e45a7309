import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Reports for any period (issue 17, item 1): a calendar year, a half-year
 * or a quarter. The rollup of 0002 was kept per half-year, from which a quarter cannot be told; it is now
 * kept per quarter, the smallest kind, so a half-year is the sum of two quarter keys and a year of four,
 * every one exact. The triggers, the sharding and the classes are those of 0002; only the key changes.
 *
 * `report_quarter(at)` is the quarter a moment falls in (UTC), `report_period_of(quarter, kind)` the
 * year, half-year or quarter that quarter belongs to; src/reports/period.ts is the same definition and
 * report.test.ts compares them. 0002's `report_period` (half-years) stays for what already calls it.
 */

const CLASS_COLUMNS = ["produced", "held", "rejected", "no_data"] as const;

function contributions(table: string, sign: 1 | -1): string {
  return `select report_quarter(received_at) as period, split_part(jurisdiction, '-', 1) as country, process,
            ${sign} as n, ${sign} * accounts_specified as accounts,
            report_class(status, closed_from, decision_outcome) as class
       from ${table}`;
}

/** 0002's apply function over quarters: the net change of one statement, one upsert per key, in key order. */
function applyFunction(name: string, sources: string[]): string {
  return `create or replace function ${name}() returns trigger language plpgsql as $$
   begin
     insert into report_rollup as r (period, country, process, shard, requests, accounts_specified,
         ${CLASS_COLUMNS.join(", ")})
     select period, country, process, (pg_backend_pid() % 16)::smallint, sum(n), sum(accounts),
            ${CLASS_COLUMNS.map((c) => `coalesce(sum(n) filter (where class = '${c}'), 0)`).join(", ")}
       from (${sources.join(" union all ")}) delta
      group by period, country, process
     having sum(n) <> 0 or sum(accounts) <> 0
         ${CLASS_COLUMNS.map((c) => `or coalesce(sum(n) filter (where class = '${c}'), 0) <> 0`).join(" ")}
      order by period, country, process
     on conflict (period, country, process, shard) do update set
        requests = r.requests + excluded.requests,
        accounts_specified = r.accounts_specified + excluded.accounts_specified,
        ${CLASS_COLUMNS.map((c) => `${c} = r.${c} + excluded.${c}`).join(",\n        ")};
     return null;
   end $$`;
}

const STATEMENTS = [
  // The quarter a moment falls in, in UTC: '2020Q3'. One expression, so the planner inlines it.
  `create function report_quarter(at timestamptz) returns text language sql immutable parallel safe as $$
     select extract(year from at at time zone 'UTC')::int::text
       || 'Q' || ((extract(month from at at time zone 'UTC')::int + 2) / 3)::text
   $$`,
  // The period of a kind ('year', 'half', 'quarter') a quarter belongs to: ('2020Q3', 'half') → '2020H2'.
  `create function report_period_of(quarter text, kind text) returns text language sql immutable parallel safe as $$
     select case kind
       when 'quarter' then quarter
       when 'half' then left(quarter, 4) || case when right(quarter, 1) in ('1', '2') then 'H1' else 'H2' end
       when 'year' then left(quarter, 4)
     end
   $$`,
  // No request may change while the rollup is rebuilt under the new key.
  `lock table request in share mode`,
  `alter table report_rollup drop constraint report_rollup_period_check`,
  `truncate report_rollup`,
  `alter table report_rollup add constraint report_rollup_period_check check (period ~ '^[0-9]{4}Q[1-4]$')`,
  `insert into report_rollup (period, country, process, shard, requests, accounts_specified, ${CLASS_COLUMNS.join(", ")})
   select period, country, process, 0, count(*), sum(accounts),
          ${CLASS_COLUMNS.map((c) => `count(*) filter (where class = '${c}')`).join(", ")}
     from (${contributions("request", 1)}) existing
    group by period, country, process`,
  applyFunction("report_rollup_insert", [contributions("new_requests", 1)]),
  applyFunction("report_rollup_update", [contributions("new_requests", 1), contributions("old_requests", -1)]),
  applyFunction("report_rollup_delete", [contributions("old_requests", -1)]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
