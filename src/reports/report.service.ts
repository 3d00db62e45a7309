import type { Db } from "../db/database.js";
import type { Period } from "./period.js";
import { type ReportDocument, toReportDocument } from "./report.format.js";
import type { ReportPageData } from "./report.page.js";
import { readReport, reportPeriods } from "./report.repository.js";

/** What the edges (CLI now, HTTP routes later) call: read from the rollup, hand to the pure formatters. */

export async function loadReportPageData(db: Db, period: Period): Promise<ReportPageData> {
  // One snapshot, so the periods, the rows and the selected period agree with each other.
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (tx) => {
      const [periods, rows] = [await reportPeriods(tx), await readReport(tx)];
      return { period, periods, rows };
    });
}

/** The JSON report of one period (`GET /api/v1/reports/{period}`, `custodian report --format json`). */
export async function loadReportDocument(db: Db, period: Period): Promise<ReportDocument> {
  return toReportDocument(period, await readReport(db, period));
}
