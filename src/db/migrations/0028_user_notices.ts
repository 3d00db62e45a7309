import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). What became of the notice owed to the people a request was about
 * (issue 17, item 3; Ranking Digital Rights P12; docs/reports.md#user-notices), one row per request once it
 * was fulfilled or rejected, written by src/notices/user-notice.service.ts in the transaction that decides
 * or sends the notice:
 *  - `given`: at least one owner was told, with nothing barring it;
 *  - `delayed`: told, after a non-disclosure order (or a national-security gag) had barred it;
 *  - `barred`: a non-disclosure order or a national-security gag bars it now (`barred_until` its last day,
 *    null for a national-security request that records no end);
 *  - `pending`: waiting out the delay after an emergency, nothing barring it;
 *  - `not_possible`: no account named could be found, or none had an address to write to.
 * The row carries the request's quarter, country and process (which never change) so that `notice_rollup`,
 * kept by a trigger as `report_rollup` is for requests, answers a period's figures from a few rows.
 *
 * Requests answered before this migration take what their audit trail says (notice.scheduled and
 * notice.queued, the events src/reports/notice.repository.ts recomputes the figures from); one whose trail
 * says nothing of a notice is left without a row, as nothing is known of it.
 */

const STATUSES = ["given", "delayed", "barred", "pending", "not_possible"] as const;

const STATEMENTS = [
  `create table user_notice (
     request_id uuid primary key references request (id) on delete cascade,
     kind text not null check (kind in ('delivered', 'rejected')),
     status text not null check (status in (${STATUSES.map((s) => `'${s}'`).join(", ")})),
     barred_until date,
     accounts_notified integer not null default 0 check (accounts_notified >= 0),
     period text not null check (period ~ '^[0-9]{4}Q[1-4]$'),
     country text not null check (country ~ '^[A-Z]{2}$'),
     process text not null,
     recorded_at timestamptz not null,
     updated_at timestamptz not null,
     constraint user_notice_barred_until check (barred_until is null or status = 'barred')
   )`,
  `create table notice_rollup (
     period text not null check (period ~ '^[0-9]{4}Q[1-4]$'),
     country text not null check (country ~ '^[A-Z]{2}$'),
     process text not null,
     shard smallint not null check (shard between 0 and 15),
     ${STATUSES.map((s) => `${s} bigint not null default 0`).join(",\n     ")},
     primary key (period, country, process, shard)
   )`,
  // One row moves at a time (a notice is decided per request), so a row trigger: the old row's status
  // out, the new one's in, on a shard of the key by backend as report_rollup does.
  `create function notice_rollup_apply() returns trigger language plpgsql as $$
   begin
     if tg_op = 'UPDATE' and old.status = new.status and old.period = new.period
        and old.country = new.country and old.process = new.process then
       return null;
     end if;
     if tg_op in ('UPDATE', 'DELETE') then
       insert into notice_rollup as n (period, country, process, shard, ${STATUSES.join(", ")})
       values (old.period, old.country, old.process, (pg_backend_pid() % 16)::smallint,
               ${STATUSES.map((s) => `-(old.status = '${s}')::int`).join(", ")})
       on conflict (period, country, process, shard) do update set
         ${STATUSES.map((s) => `${s} = n.${s} + excluded.${s}`).join(", ")};
     end if;
     if tg_op in ('INSERT', 'UPDATE') then
       insert into notice_rollup as n (period, country, process, shard, ${STATUSES.join(", ")})
       values (new.period, new.country, new.process, (pg_backend_pid() % 16)::smallint,
               ${STATUSES.map((s) => `(new.status = '${s}')::int`).join(", ")})
       on conflict (period, country, process, shard) do update set
         ${STATUSES.map((s) => `${s} = n.${s} + excluded.${s}`).join(", ")};
     end if;
     return null;
   end $$`,
  // The trail's account of each request answered so far: mailed to someone (after a gag: delayed), else
  // the newest word on it (deferred: barred or pending; could not be sent: not possible).
  `insert into user_notice (request_id, kind, status, barred_until, accounts_notified, period, country, process,
                            recorded_at, updated_at)
   select r.id, t.kind,
          case when t.mailed > 0 and t.gagged then 'delayed'
               when t.mailed > 0 then 'given'
               when t.last_action = 'notice.scheduled' and t.last_because = 'emergency' then 'pending'
               when t.last_action = 'notice.scheduled' then 'barred'
               else 'not_possible' end,
          case when t.mailed = 0 and t.last_action = 'notice.scheduled' and t.last_because <> 'emergency'
               then r.non_disclosure_until end,
          t.mailed, report_quarter(r.received_at), split_part(r.jurisdiction, '-', 1), r.process,
          t.first_at, t.last_at
     from request r
     join (select e.object_id,
                  (array_agg(e.payload->>'kind' order by e.id))[1] as kind,
                  count(*) filter (where e.action = 'notice.queued' and (e.payload->>'mailed')::boolean) as mailed,
                  bool_or(e.action = 'notice.scheduled' and e.payload->>'because' <> 'emergency') as gagged,
                  (array_agg(e.action order by e.id desc))[1] as last_action,
                  (array_agg(e.payload->>'because' order by e.id desc))[1] as last_because,
                  min(e.occurred_at) as first_at, max(e.occurred_at) as last_at
             from audit_event e
            where e.object_type = 'request' and e.action in ('notice.scheduled', 'notice.queued')
            group by e.object_id) t on t.object_id = r.id::text`,
  // The rollup of the rows just written in one pass, then the trigger for every row after them (a row
  // trigger over a whole history's backfill would upsert once per row: minutes for a million).
  `insert into notice_rollup (period, country, process, shard, ${STATUSES.join(", ")})
   select period, country, process, 0, ${STATUSES.map((s) => `count(*) filter (where status = '${s}')`).join(", ")}
     from user_notice group by period, country, process`,
  `create trigger notice_rollup_apply after insert or update or delete on user_notice
     for each row execute function notice_rollup_apply()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
