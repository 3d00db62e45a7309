import { sql } from "kysely";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { DSA_CATEGORIES } from "../src/domain/dsa.js";
import { countryCodes } from "../src/domain/jurisdictions.js";
import { PROCESSES } from "../src/domain/vocabulary.js";
import { checkDsaBreakdowns } from "../src/reports/dsa.format.js";
import { computeDsaReport, readCachedDsaReport, readDsaReport } from "../src/reports/dsa.repository.js";
import { NOTICE_STATUSES, type NoticeRow, readNoticeReport } from "../src/reports/notice.repository.js";
import { type Period, periodBounds, periodKind, periodsBetween, quartersOf, type Year } from "../src/reports/period.js";
import { readReport } from "../src/reports/report.repository.js";
import { type BenchResult, median, ratioOf } from "./harness.js";
import { scratchDatabase } from "./support/postgres.js";

/**
 * One period's transparency report on a long history: 10,000,000 requests (× BENCH_SCALE) over 20
 * years (40 half-years, 80 quarters), 60 countries, every process, every status, written into PostgreSQL
 * with the rollup triggers on (insert … select … from generate_series, 1,000,000 rows a statement). Then,
 * in the same run and on the same rows, for a year, a half-year and a quarter:
 *  - the report of one period from the rollup (what `custodian report` and the page read; the rollup is
 *    kept per quarter, so a year sums four keys per country and process);
 *  - the plain GROUP BY over that period's request rows, computing the same figures from the row's
 *    own columns (the cheapest recomputation; the full definition also looks up each request's newest
 *    decision, which only costs more).
 * The two must give the same figures, which the benchmark checks before timing them. Then the DSA report
 * of a year (its counts and medians in SQL over that year's orders from Member States): as served, from
 * its cache (migration 0033), against the same statement made to read every request; beside them the
 * statement through migration 0026's partial index (what a report costs when nothing is cached) and the
 * refresh after a change to an order of the year (the statement and the write of the cache), after checking
 * that all of them give the same cells. Then the user-notice figures (notice.repository.ts) of each period
 * kind from their rollup against a plain GROUP BY over the period's `user_notice` rows (one for every
 * answered request, written through the rollup's trigger), after checking they agree. It also measures
 * what the triggers cost a bulk insert: the same 200,000 rows into `request` and into a copy without them.
 */

const TOTAL = 10_000_000;
const CHUNK = 1_000_000;
const FIRST: Period = "2006H1";
const LAST: Period = "2025H2";
/** One period of each kind: a year reads four quarter keys of the rollup, a half-year two, a quarter one. */
const SELECTED: readonly Period[] = ["2020", "2020H2", "2020Q3"];
const COUNTRIES = countryCodes().slice(0, 60);
/** What became of an answered request's notice, spread by its reference (user_notice.status, 0028/0031). */
const NOTICE_SEEDS = ["given", "given", "given", "delayed", "barred", "pending", "not_possible", "by_authority"];
const STATUSES = ["closed", "closed", "delivered", "rejected", "on_hold", "received", "under_review", "withdrawn"];
const OUTCOMES = [
  "comply_full",
  "comply_partial",
  "no_data",
  "reject",
  "comply_full",
  "hold",
  "comply_partial",
  "reject",
];

/** `count` synthetic requests numbered from `first`, spread evenly over the 40 half-years. */
function insertRequests(table: string, agencyId: string, first: number, count: number) {
  const start = Date.UTC(2006, 0, 1) / 1000;
  const span = Date.UTC(2026, 0, 1) / 1000 - start;
  return sql`
    insert into ${sql.table(table)} (agency_id, reference, received_at, jurisdiction, process, categories,
        agency_verified, original_document, original_sha256, status, closed_from, accounts_specified, decision_outcome,
        illegal_content_category, receipt_confirmed_at, effect, effect_at)
    select ${agencyId}::uuid, 'B-' || i, s.at,
           (${COUNTRIES}::text[])[1 + i % ${COUNTRIES.length}] || case when i % 17 = 0 then '-X' else '' end,
           (${[...PROCESSES]}::text[])[1 + (i / 7) % ${PROCESSES.length}], '{subscriber.phone}', true, '{}',
           '0000000000000000000000000000000000000000000000000000000000000000',
           s.status, s.closed_from, 1 + i % 5, (${OUTCOMES}::text[])[1 + (i / 3) % ${OUTCOMES.length}],
           -- The DSA's facts (migration 0026): a category on four orders in five, receipt confirmed within
           -- four days on two in three, and the moment of the answer on every delivered or rejected one.
           case when i % 5 <> 0 then (${[...DSA_CATEGORIES]}::text[])[1 + (i / 13) % ${DSA_CATEGORIES.length}] end,
           case when i % 3 <> 0 then s.at + ((i * 13) % 96) * interval '1 hour' end,
           case coalesce(s.closed_from, s.status) when 'delivered' then 'given' when 'rejected' then 'not_executed' end,
           case when coalesce(s.closed_from, s.status) in ('delivered', 'rejected')
                then s.at + ((i * 31) % 720) * interval '1 hour' end
      from generate_series(${first}::bigint, ${first + count - 1}::bigint) i
     cross join lateral (
       select st.status, to_timestamp(${start} + ((i * 7919) % ${TOTAL})::float8 / ${TOTAL} * ${span}) as at,
              case when st.status = 'closed' then (array['delivered', 'rejected'])[1 + i % 2] end as closed_from
         from (select (${STATUSES}::text[])[1 + (i / 11) % ${STATUSES.length}] as status) st) s`;
}

export const benchmark = {
  name: "report",
  description:
    "a year's, a half-year's and a quarter's report from the rollup vs a plain GROUP BY, and a year's DSA report, over 10M requests (PostgreSQL)",
  async run(scale: number): Promise<BenchResult[]> {
    const total = Math.max(100_000, Math.round(TOTAL * scale));
    const scratch = await scratchDatabase("report");
    const database = await openDatabase({ url: scratch.url });
    const db = database.db;
    try {
      await migrateToLatest(db);
      const { id: agencyId } = await db
        .insertInto("agency")
        .values({ name: "Benchmark agency", jurisdiction: "US" })
        .returning("id")
        .executeTakeFirstOrThrow();

      // What the triggers cost a bulk insert: the first rows into `request`, the same rows into a copy
      // of it without the triggers, both empty at the start.
      const probe = Math.min(200_000, total);
      const timed = async (table: string) => {
        const t = performance.now();
        await insertRequests(table, agencyId, 1, probe).execute(db);
        return (performance.now() - t) / 1000;
      };
      await sql`create table request_untriggered (like request including defaults including constraints including indexes)`.execute(
        db,
      );
      const withoutTriggers = await timed("request_untriggered");
      await sql`drop table request_untriggered`.execute(db);
      const withTriggers = await timed("request");

      const generated = performance.now();
      for (let first = probe + 1; first <= total; first += CHUNK) {
        const count = Math.min(CHUNK, total - first + 1);
        await insertRequests("request", agencyId, first, count).execute(db);
        console.log(`  report: ${first + count - 1} requests written`);
      }
      const generateSeconds = withTriggers + (performance.now() - generated) / 1000;
      // What became of the notice owed for every answered request (delivered or rejected, closed from
      // either): one user_notice row each, written through the rollup's row trigger, a year at a time.
      const noticesWritten = performance.now();
      for (let year = 2006; year <= 2025; year++) {
        await sql`
          insert into user_notice (request_id, kind, status, accounts_notified, period, country, process, recorded_at,
                                   updated_at)
          select r.id, coalesce(r.closed_from, r.status),
                 (${NOTICE_SEEDS}::text[])[1 + abs(hashtext(r.reference)) % ${NOTICE_SEEDS.length}],
                 r.accounts_specified, report_quarter(r.received_at), split_part(r.jurisdiction, '-', 1), r.process,
                 r.received_at, r.received_at
            from request r
           where r.received_at >= ${new Date(Date.UTC(year, 0, 1))} and r.received_at < ${new Date(Date.UTC(year + 1, 0, 1))}
             and coalesce(r.closed_from, r.status) in ('delivered', 'rejected')`.execute(db);
      }
      const noticeSeconds = (performance.now() - noticesWritten) / 1000;
      console.log(`  report: user notices written in ${noticeSeconds.toFixed(0)} s`);
      await sql`vacuum analyze request`.execute(db);
      await sql`vacuum analyze report_rollup`.execute(db);
      await sql`vacuum analyze user_notice`.execute(db);
      await sql`vacuum analyze notice_rollup`.execute(db);

      const plain = async (period: Period) => {
        const { start, end } = periodBounds(period);
        const { rows } = await sql<{
          jurisdiction: string;
          process: string;
          requests: number;
          accounts_specified: number;
          produced: number;
          held: number;
          rejected: number;
          no_data: number;
        }>`
          select split_part(jurisdiction, '-', 1) as jurisdiction, process, count(*) as requests,
                 sum(accounts_specified)::bigint as accounts_specified,
                 count(*) filter (where c = 'produced') as produced, count(*) filter (where c = 'held') as held,
                 count(*) filter (where c = 'rejected') as rejected, count(*) filter (where c = 'no_data') as no_data
            from (select jurisdiction, process, accounts_specified,
                         report_class(status, closed_from, decision_outcome) as c
                    from request where received_at >= ${start} and received_at < ${end}) r
           group by 1, 2 order by 1, 2`.execute(db);
        return rows;
      };
      const fromRollup = (period: Period) => readReport(db, period);

      const time = async (task: () => Promise<unknown>, runs: number) => {
        const ms: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          await task();
          ms.push(performance.now() - t);
        }
        return median(ms);
      };
      const sizes = await sql<{ request: string; rollup: string; keys: number }>`
        select pg_size_pretty(pg_total_relation_size('request')) as request,
               pg_size_pretty(pg_total_relation_size('report_rollup')) as rollup,
               (select count(*) from report_rollup) as keys`
        .execute(db)
        .then((r) => r.rows[0]);
      const halves = periodsBetween(FIRST, LAST).length;

      const results: BenchResult[] = [];
      for (const period of SELECTED) {
        const a = await fromRollup(period);
        const b = await plain(period);
        const same =
          a.length === b.length &&
          a.every((row, i) => {
            const p = b[i];
            return (
              p !== undefined &&
              row.period === period &&
              row.jurisdiction === p.jurisdiction &&
              row.process === p.process &&
              row.requests === p.requests &&
              row.accountsSpecified === p.accounts_specified &&
              row.produced === p.produced &&
              row.held === p.held &&
              row.rejected === p.rejected &&
              row.noData === p.no_data
            );
          });
        if (!same) throw new Error(`the rollup and the plain GROUP BY disagree on the figures of ${period}`);
        const periodRequests = a.reduce((n, r) => n + r.requests, 0);
        // Warm, one after the other: both read from the same cache state.
        const rollupMs = await time(() => fromRollup(period), 21);
        const plainMs = await time(() => plain(period), 5);
        results.push({
          bench: "report",
          figure: `one ${periodKind(period) === "half" ? "half-year" : periodKind(period)}'s report (${period}), ms (${total.toLocaleString("en")} requests)`,
          value: Number(rollupMs.toFixed(2)),
          peer: "plain GROUP BY over the period's rows",
          peerValue: Number(plainMs.toFixed(1)),
          ratio: ratioOf(plainMs, rollupMs),
          note:
            `${total.toLocaleString("en")} requests over ${halves} half-years (${periodRequests.toLocaleString("en")} in ${period}, ` +
            `${a.length} rows); request table ${sizes?.request}, rollup ${sizes?.rollup} (${sizes?.keys} rows, per quarter); median of 21 and 5 warm runs`,
        });
      }
      // The DSA report of a year (Art. 15(1)(a); dsa.repository.ts): counts and medians per Member State,
      // per category and per both, in one statement over that year's orders, which migration 0026's partial
      // index finds. Served from its cache (migration 0033) while no order of the year changed. Its peer is
      // the same statement with index scans turned off, i.e. reading every request.
      const dsaYear = "2020" as Year;
      const fullScan = () =>
        db.transaction().execute(async (tx) => {
          await sql`set local enable_indexscan = off`.execute(tx);
          await sql`set local enable_bitmapscan = off`.execute(tx);
          return computeDsaReport(tx, dsaYear);
        });
      const dsaCells = await fullScan();
      checkDsaBreakdowns(dsaCells);
      const expected = JSON.stringify(dsaCells);
      if (JSON.stringify(await computeDsaReport(db, dsaYear)) !== expected)
        throw new Error("the DSA report read through its index and by a full scan disagree");
      if ((await readCachedDsaReport(db, dsaYear)) !== null)
        throw new Error("the DSA report was cached before it was asked for");
      if (JSON.stringify(await readDsaReport(db, dsaYear)) !== expected)
        throw new Error("the DSA report computed for its cache and by a full scan disagree");
      if (JSON.stringify(await readCachedDsaReport(db, dsaYear)) !== expected)
        throw new Error("the DSA report from its cache and by a full scan disagree");
      const dsaOrders = dsaCells.find((c) => c.memberState === null && c.category === null)?.orders ?? 0;
      const cachedMs = await time(() => readDsaReport(db, dsaYear), 21);
      const indexMs = await time(() => computeDsaReport(db, dsaYear), 11);
      const dsaScanMs = await time(fullScan, 3);
      // After a change to one order of the year (a category recorded, then taken back: the figures are the
      // same, the generation is not), the first report recomputes it and writes the cache.
      const { rows: picked } = await sql<{ id: string }>`
        select id from request
         where received_at >= ${periodBounds(dsaYear).start} and process <> 'preservation'
           and split_part(jurisdiction, '-', 1) = 'DE' and illegal_content_category is not null limit 1`.execute(db);
      const orderId = picked[0]?.id as string;
      const refreshes: number[] = [];
      for (let i = 0; i < 5; i++) {
        await sql`update request set illegal_content_category = case when illegal_content_category = ${DSA_CATEGORIES[0]}
                    then ${DSA_CATEGORIES[1]} else ${DSA_CATEGORIES[0]} end where id = ${orderId}`.execute(db);
        if ((await readCachedDsaReport(db, dsaYear)) !== null)
          throw new Error("a changed order left the DSA report cached");
        const t = performance.now();
        await readDsaReport(db, dsaYear);
        refreshes.push(performance.now() - t);
        if ((await readCachedDsaReport(db, dsaYear)) === null) throw new Error("the DSA report was not cached again");
      }
      const refreshMs = median(refreshes);
      results.push({
        bench: "report",
        figure: `the DSA report of a year (${dsaYear}), ms (${total.toLocaleString("en")} requests)`,
        value: Number(cachedMs.toFixed(2)),
        peer: "same statement without index scans (every request read)",
        peerValue: Number(dsaScanMs.toFixed(1)),
        ratio: ratioOf(dsaScanMs, cachedMs),
        note:
          `from its cache (migration 0033); ${dsaOrders.toLocaleString("en")} orders from Member States in ${dsaYear}, ` +
          `${dsaCells.length} cells (total, per Member State, per category, per both) with two medians each, breakdowns ` +
          `checked, cache = index = full scan; median of 21 and 3 warm runs`,
      });
      results.push({
        bench: "report",
        figure: `the DSA report of a year (${dsaYear}) uncached, through its index, ms (${total.toLocaleString("en")} requests)`,
        value: Number(indexMs.toFixed(1)),
        peer: "same statement without index scans (every request read)",
        peerValue: Number(dsaScanMs.toFixed(1)),
        ratio: ratioOf(dsaScanMs, indexMs),
        note: `every order of the year read and sorted each time; median of 11; the first report after a change to an order of ${dsaYear} (computed and cached): ${refreshMs.toFixed(1)} ms, median of 5`,
      });

      // The user-notice figures (docs/reports.md#user-notices) from notice_rollup, against the same figures
      // by a plain GROUP BY over the period's user_notice rows (which carry the request's quarter, country
      // and process), for every period kind.
      const plainNotices = async (period: Period): Promise<NoticeRow[]> => {
        const { rows } = await sql<Record<string, string | number>>`
          select report_period_of(period, ${periodKind(period)}) as period, country as jurisdiction, process,
                 count(*) filter (where status = 'given') as given, count(*) filter (where status = 'delayed') as delayed,
                 count(*) filter (where status = 'barred') as barred, count(*) filter (where status = 'pending') as pending,
                 count(*) filter (where status = 'not_possible') as not_possible,
                 count(*) filter (where status = 'by_authority') as by_authority
            from user_notice where period in (${sql.join(quartersOf(period))})
           group by 1, 2, 3 order by 1, 2, 3`.execute(db);
        return rows.map((row) => ({
          period: String(row.period),
          jurisdiction: String(row.jurisdiction),
          process: String(row.process),
          given: Number(row.given),
          delayed: Number(row.delayed),
          barred: Number(row.barred),
          pending: Number(row.pending),
          notPossible: Number(row.not_possible),
          byAuthority: Number(row.by_authority),
        }));
      };
      const noticeCount = await sql<{ n: string }>`select count(*) as n from user_notice`
        .execute(db)
        .then((r) => Number(r.rows[0]?.n));
      for (const period of SELECTED) {
        const a = await readNoticeReport(db, period);
        const b = await plainNotices(period);
        if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b))
          throw new Error(`the notice rollup and the plain GROUP BY disagree on the figures of ${period}`);
        const answered = a.reduce((n, r) => n + NOTICE_STATUSES.reduce((m, s) => m + r[s], 0), 0);
        const rollupMs = await time(() => readNoticeReport(db, period), 21);
        const plainMs = await time(() => plainNotices(period), 5);
        results.push({
          bench: "report",
          figure: `one ${periodKind(period) === "half" ? "half-year" : periodKind(period)}'s user-notice figures (${period}), ms (${total.toLocaleString("en")} requests)`,
          value: Number(rollupMs.toFixed(2)),
          peer: "plain GROUP BY over the period's user_notice rows",
          peerValue: Number(plainMs.toFixed(1)),
          ratio: ratioOf(plainMs, rollupMs),
          note:
            `${noticeCount.toLocaleString("en")} user_notice rows (every answered request), ${answered.toLocaleString("en")} in ${period}, ` +
            `${a.length} rows; written through the rollup's trigger in ${noticeSeconds.toFixed(0)} s; median of 21 and 5 warm runs`,
        });
      }

      const triggeredRate = probe / withTriggers;
      const plainRate = probe / withoutTriggers;
      return [
        ...results,
        {
          bench: "report",
          figure: "bulk insert rows/s with rollup triggers",
          value: Math.round(triggeredRate),
          peer: "same insert, table without triggers",
          peerValue: Math.round(plainRate),
          ratio: ratioOf(triggeredRate, plainRate),
          note: `the first ${probe.toLocaleString("en")} rows, one statement, into empty tables; all ${total.toLocaleString("en")} rows took ${generateSeconds.toFixed(0)} s`,
        },
      ];
    } finally {
      await database.close();
      await scratch.drop();
    }
  },
};

export default benchmark;
