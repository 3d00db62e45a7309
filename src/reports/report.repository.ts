import { type RawBuilder, sql } from "kysely";
import type { Db, Tx } from "../db/database.js";
import type { Process } from "../domain/vocabulary.js";
import { type Period, type PeriodKind, periodBounds, periodKind, quartersOf } from "./period.js";
import type { ReportRow } from "./report.definitions.js";

/**
 * Reading the report. `readReport` reads the rollup the triggers of migrations 0002 and 0020 keep (a few
 * hundred rows per quarter, whatever the history's size); `recomputeReport` computes the same figures from the
 * requests and their decisions from scratch, by the definition, and is what tests and the benchmark
 * hold the rollup against.
 */

type Reader = Db | Tx;

interface Row {
  period: string;
  jurisdiction: string;
  process: string;
  requests: number;
  accounts_specified: number;
  produced: number;
  held: number;
  rejected: number;
  no_data: number;
}

function toReportRow(row: Row): ReportRow {
  return {
    period: row.period,
    jurisdiction: row.jurisdiction,
    process: row.process as Process,
    requests: Number(row.requests),
    accountsSpecified: Number(row.accounts_specified),
    produced: Number(row.produced),
    held: Number(row.held),
    rejected: Number(row.rejected),
    noData: Number(row.no_data),
  };
}

/** One period, or every period of a kind (a half-year when not said: the US-style report). */
export type ReportScope = Period | { kind: PeriodKind };

function scopeOf(scope: ReportScope | undefined): { kind: PeriodKind; period?: Period } {
  if (scope === undefined) return { kind: "half" };
  return typeof scope === "string" ? { kind: periodKind(scope), period: scope } : scope;
}

/**
 * The report of one period (or of every period of a kind), from the rollup, ordered by period, country,
 * process. The rollup is kept per quarter (migration 0020): a period reads the keys of its quarters
 * (`2025` reads 2025Q1–Q4) and sums them under its own name.
 */
export async function readReport(db: Reader, scope?: ReportScope): Promise<ReportRow[]> {
  const { kind, period } = scopeOf(scope);
  const where = period ? sql`where period in (${sql.join(quartersOf(period))})` : sql``;
  const { rows } = await sql<Row>`
    select report_period_of(period, ${kind}) as period, country as jurisdiction, process,
           sum(requests)::bigint as requests,
           sum(accounts_specified)::bigint as accounts_specified, sum(produced)::bigint as produced,
           sum(held)::bigint as held, sum(rejected)::bigint as rejected, sum(no_data)::bigint as no_data
      from report_rollup ${where}
     group by 1, 2, 3
    having sum(requests) > 0
     order by 1, 2, 3`.execute(db);
  return rows.map(toReportRow);
}

/** The periods of a kind that have at least one request, oldest first. */
export async function reportPeriods(db: Reader, kind: PeriodKind = "half"): Promise<Period[]> {
  const { rows } = await sql<{ period: string }>`
    select report_period_of(period, ${kind}) as period from report_rollup
     group by 1 having sum(requests) > 0 order by 1`.execute(db);
  return rows.map((r) => r.period as Period);
}

/** The same figures as readReport, computed from the requests and their newest decisions. */
export async function recomputeReport(db: Reader, scope?: ReportScope): Promise<ReportRow[]> {
  const { kind, period } = scopeOf(scope);
  let where: RawBuilder<unknown> = sql``;
  if (period) {
    const { start, end } = periodBounds(period);
    where = sql`where r.received_at >= ${start} and r.received_at < ${end}`;
  }
  const { rows } = await sql<Row>`
    select report_period_of(report_quarter(r.received_at), ${kind}) as period,
           split_part(r.jurisdiction, '-', 1) as jurisdiction, r.process,
           count(*) as requests, coalesce(sum(r.accounts_specified), 0)::bigint as accounts_specified,
           count(*) filter (where c.class = 'produced') as produced,
           count(*) filter (where c.class = 'held') as held,
           count(*) filter (where c.class = 'rejected') as rejected,
           count(*) filter (where c.class = 'no_data') as no_data
      from request r
      cross join lateral (
        select report_class(r.status, r.closed_from,
          (select d.outcome from decision d where d.request_id = r.id order by d.sequence desc limit 1)) as class
      ) c
      ${where}
     group by 1, 2, 3
     order by 1, 2, 3`.execute(db);
  return rows.map(toReportRow);
}
