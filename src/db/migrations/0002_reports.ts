import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Transparency reports (docs/reports.md): the facts a report needs are
 * kept on the request row, and a rollup per half-year × country × process is kept exact by triggers,
 * so a report for one period reads a few hundred rows however long the history grows.
 *
 * Every request counts once, in the half-year it was received (UTC), under its country (`US-CA` → `US`)
 * and process, in at most one of the classes `report_class` returns. The classes are a function of the
 * request's own row only (status, where a closed request came from, the outcome of the decision in force)
 * so that one trigger on `request` can keep the rollup, whatever code changes the row.
 */

const CLASS_COLUMNS = ["produced", "held", "rejected", "no_data"] as const;

/** The rollup delta of a transition table of requests, signed (+1 for new rows, -1 for old ones). */
function contributions(table: string, sign: 1 | -1): string {
  return `select report_period(received_at) as period, split_part(jurisdiction, '-', 1) as country, process,
            ${sign} as n, ${sign} * accounts_specified as accounts,
            report_class(status, closed_from, decision_outcome) as class
       from ${table}`;
}

/**
 * Apply the net change of one statement, one upsert per key, in key order (two bulk statements lock
 * rollup rows in the same order). The shard spreads one key over 16 rows by backend, so concurrent
 * intakes of the same period, country and process do not queue on one row lock until commit.
 */
function applyFunction(name: string, sources: string[]): string {
  return `create function ${name}() returns trigger language plpgsql as $$
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
  // How many accounts the request names: its targets for a request taken in, the ledger's figure for
  // an imported one (a ledger gives the count, not the accounts).
  `alter table request add column accounts_specified integer`,
  `update request r set accounts_specified = (select count(*) from request_target t where t.request_id = r.id)`,
  `alter table request alter column accounts_specified set not null`,
  `alter table request add constraint request_accounts_specified_check check (accounts_specified >= 0)`,
  // The outcome of the decision in force (the newest), kept by the decision_in_force trigger.
  `alter table request add column decision_outcome text check (decision_outcome in ('hold', 'preserve',
     'comply_full', 'comply_partial', 'no_data', 'reject'))`,
  `update request r set decision_outcome = (select outcome from decision d where d.request_id = r.id
     order by sequence desc limit 1)`,
  // `closed` ends three different stories (delivered, rejected, preservation over); the report must know which.
  `alter table request add column closed_from text check (closed_from in ('delivered', 'rejected', 'preserved'))`,
  `update request r set closed_from = (select e.payload->>'from' from audit_event e
      where e.object_type = 'request' and e.object_id = r.id::text and e.action = 'request.transitioned'
        and e.payload->>'to' = 'closed' order by e.id desc limit 1)
    where r.status = 'closed'`,
  `alter table request add constraint request_closed_from_only_when_closed check (closed_from is null or status = 'closed')`,
  `create function request_closed_from() returns trigger language plpgsql as $$
   begin
     new.closed_from := old.status;
     return new;
   end $$`,
  `create trigger request_closed_from before update of status on request for each row
     when (new.status = 'closed' and old.status <> 'closed') execute function request_closed_from()`,

  // Past requests loaded from a ledger carry the outcome the ledger recorded, decided by no policy here.
  `alter table decision drop constraint decision_cause_check`,
  `alter table decision add constraint decision_cause_check check (cause in ('intake', 'resume', 'pause',
     'policy_change', 'verification', 'import'))`,

  // The half-year a moment falls in, in UTC: '2020H2'.
  `create function report_period(at timestamptz) returns text language sql immutable parallel safe as $$
     select extract(year from at at time zone 'UTC')::int::text
       || case when extract(month from at at time zone 'UTC') <= 6 then 'H1' else 'H2' end
   $$`,
  // The report class of a request (ARCHITECTURE.md, "Transparency reports"); null: counted as received only.
  // src/reports/report.definitions.ts holds the same function in TypeScript; a test holds them together.
  // One expression with no FROM, so the planner inlines it: as a called function it cost 4 µs a row,
  // which made bulk inserts three times slower through the rollup trigger.
  `create function report_class(status text, closed_from text, outcome text) returns text
     language sql immutable parallel safe as $$
     select case
       when (case when status = 'closed' then closed_from else status end) = 'on_hold' then 'held'
       when (case when status = 'closed' then closed_from else status end) = 'withdrawn' then null
       when outcome = 'no_data' then 'no_data'
       when outcome = 'reject' or (case when status = 'closed' then closed_from else status end) = 'rejected'
         then 'rejected'
       when (case when status = 'closed' then closed_from else status end) in ('approved', 'fulfilling', 'delivered')
         and outcome in ('comply_full', 'comply_partial') then 'produced'
     end
   $$`,

  `create table report_rollup (
     period text not null check (period ~ '^[0-9]{4}H[12]$'),
     country text not null check (country ~ '^[A-Z]{2}$'),
     process text not null,
     shard smallint not null check (shard between 0 and 15),
     requests bigint not null,
     accounts_specified bigint not null,
     ${CLASS_COLUMNS.map((c) => `${c} bigint not null`).join(",\n     ")},
     primary key (period, country, process, shard)
   )`,
  `insert into report_rollup (period, country, process, shard, requests, accounts_specified, ${CLASS_COLUMNS.join(", ")})
   select period, country, process, 0, count(*), sum(accounts),
          ${CLASS_COLUMNS.map((c) => `count(*) filter (where class = '${c}')`).join(", ")}
     from (${contributions("request", 1)}) existing
    group by period, country, process`,

  applyFunction("report_rollup_insert", [contributions("new_requests", 1)]),
  applyFunction("report_rollup_update", [contributions("new_requests", 1), contributions("old_requests", -1)]),
  applyFunction("report_rollup_delete", [contributions("old_requests", -1)]),
  `create trigger report_rollup_insert after insert on request referencing new table as new_requests
     for each statement execute function report_rollup_insert()`,
  `create trigger report_rollup_update after update on request
     referencing old table as old_requests new table as new_requests
     for each statement execute function report_rollup_update()`,
  `create trigger report_rollup_delete after delete on request referencing old table as old_requests
     for each statement execute function report_rollup_delete()`,

  // A new decision is the one in force: copy its outcome onto the request (whose own trigger then moves
  // the rollup). Intake writes the outcome with the request, so there this updates nothing.
  `create function decision_in_force() returns trigger language plpgsql as $$
   begin
     update request r set decision_outcome = latest.outcome
       from (select distinct on (request_id) request_id, sequence, outcome from new_decisions
              order by request_id, sequence desc) latest
      where r.id = latest.request_id and r.decision_outcome is distinct from latest.outcome
        and not exists (select 1 from decision d where d.request_id = latest.request_id and d.sequence > latest.sequence);
     return null;
   end $$`,
  `create trigger decision_in_force after insert on decision referencing new table as new_decisions
     for each statement execute function decision_in_force()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
