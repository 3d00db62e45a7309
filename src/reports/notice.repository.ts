import { type RawBuilder, sql } from "kysely";
import type { Db, Tx } from "../db/database.js";
import { type Period, type PeriodKind, periodBounds, periodKind, quartersOf } from "./period.js";
import type { ReportScope } from "./report.repository.js";

/**
 * The user-notice figures (issue 17, item 3; docs/reports.md#user-notices): per period, country and process,
 * how many requests' users were told (`given`), told after a gag had barred it (`delayed`), are barred from
 * being told now (`barred`), wait out an emergency's delay or the policy's (`pending`), could not be told
 * (`notPossible`), or were left for the issuing authority to tell (`byAuthority`, docs/policy.md#user-notice). A request counts in the period it was received, like every other figure of the report,
 * once its notice was decided (when it was fulfilled or rejected).
 *
 * `readNoticeReport` sums the rollup migration 0028's trigger keeps from the `user_notice` rows;
 * `recomputeNoticeReport` computes the same figures from the audit trail alone (notice.scheduled,
 * notice.queued, notice.not_possible, notice.left_to_authority), which is what the property test holds the rollup against.
 */

export const NOTICE_STATUSES = ["given", "delayed", "barred", "pending", "notPossible", "byAuthority"] as const;
export type NoticeFigure = (typeof NOTICE_STATUSES)[number];

export interface NoticeRow extends Record<NoticeFigure, number> {
  period: string;
  /** The country (ISO 3166-1 alpha-2). */
  jurisdiction: string;
  process: string;
}

type Reader = Db | Tx;

interface Row {
  period: string;
  jurisdiction: string;
  process: string;
  given: string | number;
  delayed: string | number;
  barred: string | number;
  pending: string | number;
  not_possible: string | number;
  by_authority: string | number;
}

function toNoticeRow(row: Row): NoticeRow {
  return {
    period: row.period,
    jurisdiction: row.jurisdiction,
    process: row.process,
    given: Number(row.given),
    delayed: Number(row.delayed),
    barred: Number(row.barred),
    pending: Number(row.pending),
    notPossible: Number(row.not_possible),
    byAuthority: Number(row.by_authority),
  };
}

function scopeOf(scope: ReportScope | undefined): { kind: PeriodKind; period?: Period } {
  if (scope === undefined) return { kind: "half" };
  return typeof scope === "string" ? { kind: periodKind(scope), period: scope } : scope;
}

/** One period's notice figures (or every period's of a kind) from the rollup, by period, country, process. */
export async function readNoticeReport(db: Reader, scope?: ReportScope): Promise<NoticeRow[]> {
  const { kind, period } = scopeOf(scope);
  const where = period ? sql`where period in (${sql.join(quartersOf(period))})` : sql``;
  const { rows } = await sql<Row>`
    select report_period_of(period, ${kind}) as period, country as jurisdiction, process,
           sum(given)::bigint as given, sum(delayed)::bigint as delayed, sum(barred)::bigint as barred,
           sum(pending)::bigint as pending, sum(not_possible)::bigint as not_possible,
           sum(by_authority)::bigint as by_authority
      from notice_rollup ${where}
     group by 1, 2, 3
    having sum(given) + sum(delayed) + sum(barred) + sum(pending) + sum(not_possible) + sum(by_authority) > 0
     order by 1, 2, 3`.execute(db);
  return rows.map(toNoticeRow);
}

/**
 * The same figures from the audit trail: a request whose notice was mailed to anyone was told (delayed if
 * a gag deferred it first); otherwise the newest word on it decides: deferred by a gag or an authority's
 * delay (barred) or by an emergency or the policy's days (pending), left to the issuing authority, or not
 * possible (nobody found, or nobody with an address).
 */
export async function recomputeNoticeReport(db: Reader, scope?: ReportScope): Promise<NoticeRow[]> {
  const { kind, period } = scopeOf(scope);
  let where: RawBuilder<unknown> = sql``;
  if (period) {
    const { start, end } = periodBounds(period);
    where = sql`where r.received_at >= ${start} and r.received_at < ${end}`;
  }
  const { rows } = await sql<Row>`
    with trail as (
      select e.object_id,
             count(*) filter (where e.action = 'notice.queued' and (e.payload->>'mailed')::boolean) as mailed,
             bool_or(e.action = 'notice.scheduled' and e.payload->>'because' not in ('emergency', 'policy_delay'))
               as gagged,
             (array_agg(case when e.action = 'notice.scheduled' then e.payload->>'because' else e.action end
                        order by e.id desc))[1] as last_word
        from audit_event e
       where e.object_type = 'request'
         and e.action in ('notice.scheduled', 'notice.queued', 'notice.not_possible', 'notice.left_to_authority')
       group by e.object_id
    ), classed as (
      select r.received_at, r.jurisdiction, r.process,
             case when t.mailed > 0 and t.gagged then 'delayed'
                  when t.mailed > 0 then 'given'
                  when t.last_word in ('emergency', 'policy_delay') then 'pending'
                  when t.last_word in ('non_disclosure_order', 'national_security', 'authority_delay') then 'barred'
                  when t.last_word = 'notice.left_to_authority' then 'by_authority'
                  else 'not_possible' end as status
        from request r join trail t on t.object_id = r.id::text
        ${where}
    )
    select report_period_of(report_quarter(received_at), ${kind}) as period,
           split_part(jurisdiction, '-', 1) as jurisdiction, process,
           count(*) filter (where status = 'given') as given,
           count(*) filter (where status = 'delayed') as delayed,
           count(*) filter (where status = 'barred') as barred,
           count(*) filter (where status = 'pending') as pending,
           count(*) filter (where status = 'not_possible') as not_possible,
           count(*) filter (where status = 'by_authority') as by_authority
      from classed
     group by 1, 2, 3
     order by 1, 2, 3`.execute(db);
  return rows.map(toNoticeRow);
}
