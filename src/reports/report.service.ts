import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { cachedPolicy, loadPolicyInForce } from "../policy/policy.store.js";
import { DomainError } from "../shared/errors.js";
import { policyName } from "./canary.service.js";
import { toDsaCsv } from "./dsa.format.js";
import { readDsaReport } from "./dsa.repository.js";
import {
  type NoticeSection,
  type PublishedReport,
  toNoticeCsv,
  toNoticeSection,
  withNotices,
} from "./notice.format.js";
import { readNoticeReport } from "./notice.repository.js";
import { type Period, periodKind, type Year } from "./period.js";
import { type ReportDocument, toReportDocument } from "./report.format.js";
import { type Layout, layoutCsv } from "./report.layouts.js";
import type { ReportPageData, ReportPause } from "./report.page.js";
import { readReport } from "./report.repository.js";
import {
  getReportVersion,
  listReportVersions,
  type ReportVersion,
  type ReportVersionSummary,
} from "./report.versions.js";

/** What the edges (CLI now, HTTP routes later) call: read from the rollup, hand to the pure formatters. */

export async function loadReportPageData(db: Db, period: Period): Promise<ReportPageData> {
  // One statement, so the periods and the rows agree: a period is listed when it has rows (readReport
  // keeps only those with requests), which is reportPeriods' definition. The page is read on every
  // visit, and on the embedded database each statement more is a few milliseconds more.
  // The page charts the periods of the kind asked for: a quarter's page, every quarter on record.
  const rows = await readReport(db, { kind: periodKind(period) });
  const periods = [...new Set(rows.map((r) => r.period as Period))].sort();
  return {
    period,
    periods,
    rows,
    notices: await readNoticeReport(db, period),
    pauses: await pausesInForce(db),
    versions: await listReportVersions(db, period),
  };
}

/**
 * The countries the policy in force (with people's pauses and resumes laid over it) pauses or refuses,
 * and since when: what the page marks on their charts. Only the status and the day are published, never
 * the reason, which is the desk's. No policy in force, no marks. The compiled policy is cached by its
 * key, so a visit costs the one query for the key.
 */
async function pausesInForce(db: Db): Promise<ReportPause[]> {
  const { rows } = await sql<{ key: string | null }>`select policy_in_force_key() as key`.execute(db);
  const key = rows[0]?.key;
  if (!key) return [];
  const { compiled } = cachedPolicy(key) ?? (await loadPolicyInForce(db, key));
  const pauses: ReportPause[] = [];
  for (const [code, entry] of Object.entries(compiled.document.jurisdictions)) {
    if (!/^[A-Z]{2}$/.test(code) || (entry.status !== "paused" && entry.status !== "refused")) continue;
    pauses.push({ jurisdiction: code, status: entry.status, since: entry.since });
  }
  return pauses.sort((a, b) => (a.jurisdiction < b.jurisdiction ? -1 : 1));
}

/** The DSA report of a calendar year in the template's layout; refused if its breakdowns disagree. */
export async function loadDsaCsv(db: Db, year: Year, service?: string): Promise<string> {
  return toDsaCsv(year, service ?? (await policyName(db)), await readDsaReport(db, year));
}

/** The JSON report of one period (`GET /api/v1/reports/{period}`, `custodian report --format json`). */
export async function loadReportDocument(db: Db, period: Period): Promise<PublishedReport> {
  return withNotices(toReportDocument(period, await readReport(db, period)), await readNoticeReport(db, period));
}

/** The period's user-notice figures as CSV (`2025H2.notices.csv`). */
export async function loadNoticeCsv(db: Db, period: Period): Promise<string> {
  return toNoticeCsv(await readNoticeReport(db, period));
}

/**
 * One published version as JSON (`GET /api/v1/reports/{period}/versions/{n}`, `/reports/{period}/versions/{n}.json`):
 * its summary, its rows as in the JSON report and its notice section, all as frozen (`notices` null for a
 * version published before notice figures were frozen with one).
 */
export type PublishedVersion = Omit<ReportVersionSummary, "period"> &
  ReportDocument & { notices: NoticeSection | null };

export function versionDocument(version: ReportVersion): PublishedVersion {
  const { rows, notices, dsa: _dsa, ...summary } = version;
  return {
    ...summary,
    ...toReportDocument(summary.period, rows),
    notices: notices === null ? null : toNoticeSection(notices),
  };
}

/** A published version's file in one of its layouts, from what it froze, never from the ledger. */
export function versionCsv(version: ReportVersion, layout: Exclude<Layout["id"], "json">): string {
  const missing = (what: string) =>
    new DomainError(
      "not_found",
      `version ${version.version} of ${version.period} was published before ${what} were frozen with a version: it has none`,
    );
  if (layout === "notices-csv") {
    if (version.notices === null) throw missing("user-notice figures");
    return toNoticeCsv(version.notices);
  }
  if (layout === "dsa-csv") {
    if (version.dsa === null) throw missing("DSA figures");
    return toDsaCsv(version.period as Year, version.dsa.service, version.dsa.cells);
  }
  return layoutCsv(layout, version.rows, version.notices);
}

/** The public page of one published version: its frozen figures, the period's versions listed. */
export async function loadVersionPageData(db: Db, period: Period, number: number): Promise<ReportPageData> {
  const version = await getReportVersion(db, period, number);
  const { rows: _rows, notices: _notices, dsa: _dsa, ...summary } = version;
  return {
    period,
    periods: [period],
    rows: version.rows,
    ...(version.notices ? { notices: version.notices } : {}),
    versions: await listReportVersions(db, period),
    version: summary,
  };
}
