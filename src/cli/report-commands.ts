import { writeFileSync } from "node:fs";
import { readNoticeReport } from "../reports/notice.repository.js";
import { type Period, periodKind, periodSchema, type Year } from "../reports/period.js";
import { layoutCsv } from "../reports/report.layouts.js";
import { renderReportPage } from "../reports/report.page.js";
import { readReport } from "../reports/report.repository.js";
import { loadDsaCsv, loadNoticeCsv, loadReportDocument, loadReportPageData } from "../reports/report.service.js";
import { publishReport } from "../reports/report.versions.js";
import { parseCommandArgs, UsageError } from "./args.js";
import { cliOperator, configFrom, withDatabase } from "./context.js";

/** `custodian report`: a thin edge over src/reports. */

const FORMATS = ["csv", "json", "html", "google-csv", "apple-csv", "oti-csv", "notices-csv", "dsa-csv"] as const;
type Format = (typeof FORMATS)[number];

function parsePeriod(value: string | undefined): Period {
  if (value === undefined || value === "")
    throw new UsageError("report: --period is required (e.g. --period 2025, 2025H2 or 2025Q3)");
  const parsed = periodSchema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`report: --period ${parsed.error.issues[0]?.message ?? "is invalid"} (got "${value}")`);
  }
  return parsed.data;
}

export async function runReport(args: string[]): Promise<number> {
  if (args[0] === "publish") return runReportPublish(args.slice(1));
  const { values } = parseCommandArgs("report", args, {
    data: { type: "string" },
    period: { type: "string" },
    format: { type: "string", default: "csv" },
    out: { type: "string" },
  });
  const period = parsePeriod(values.period);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`report: --format must be one of ${FORMATS.join(", ")} (got "${values.format}")`);
  }
  if (format === "dsa-csv" && periodKind(period) !== "year") {
    throw new UsageError(`report: --format dsa-csv is for a calendar year (--period 2025), not ${period}`);
  }
  const output = await withDatabase(configFrom(values.data), async ({ db }) => {
    if (format === "dsa-csv") return loadDsaCsv(db, period as Year);
    if (format === "html") return renderReportPage(await loadReportPageData(db, period));
    if (format === "json") return `${JSON.stringify(await loadReportDocument(db, period), null, 2)}\n`;
    if (format === "notices-csv") return loadNoticeCsv(db, period);
    return layoutCsv(
      format,
      await readReport(db, period),
      format === "oti-csv" ? await readNoticeReport(db, period) : null,
    );
  });
  if (values.out) writeFileSync(values.out, output);
  else process.stdout.write(output);
  return 0;
}

/** `custodian report publish`: the same publication as `POST /api/v1/reports/{period}/versions`, by an operator. */
async function runReportPublish(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("report publish", args, {
    data: { type: "string" },
    period: { type: "string" },
    note: { type: "string" },
  });
  const period = parsePeriod(values.period);
  const published = await withDatabase(configFrom(values.data), ({ db }) =>
    publishReport(db, { period, note: values.note, by: cliOperator(), now: new Date() }),
  );
  process.stdout.write(
    `${period} published as version ${published.version} (sha256 ${published.sha256})` +
      `${published.changes.length > 0 ? `, ${published.changes.length} published figure(s) changed` : ""}\n`,
  );
  return 0;
}
