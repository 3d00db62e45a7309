import { writeFileSync } from "node:fs";
import { importLedger } from "../ledger/ledger.service.js";
import { type Period, periodSchema } from "../reports/period.js";
import { toCsv, toGoogleCsv, toReportDocument } from "../reports/report.format.js";
import { renderReportPage } from "../reports/report.page.js";
import { readReport } from "../reports/report.repository.js";
import { loadReportPageData } from "../reports/report.service.js";
import { parseCommandArgs, UsageError } from "./args.js";
import { cliActor, configFrom, withDatabase } from "./context.js";
import { displayName, readInputFile } from "./input.js";

/** `custodian report` and `custodian import`: thin edges over src/reports and src/ledger. */

const FORMATS = ["csv", "json", "html", "google-csv"] as const;
type Format = (typeof FORMATS)[number];

function parsePeriod(value: string | undefined): Period {
  if (value === undefined || value === "") throw new UsageError("report: --period is required (e.g. --period 2020H2)");
  const parsed = periodSchema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`report: --period ${parsed.error.issues[0]?.message ?? "is invalid"} (got "${value}")`);
  }
  return parsed.data;
}

export async function runReport(args: string[]): Promise<number> {
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
  const output = await withDatabase(configFrom(values.data), async ({ db }) => {
    if (format === "html") return renderReportPage(await loadReportPageData(db, period));
    const rows = await readReport(db, period);
    if (format === "json") return `${JSON.stringify(toReportDocument(period, rows), null, 2)}\n`;
    return format === "google-csv" ? toGoogleCsv(rows) : toCsv(rows);
  });
  if (values.out) writeFileSync(values.out, output);
  else process.stdout.write(output);
  return 0;
}

export async function runImport(args: string[]): Promise<number> {
  const [file, ...options] = args;
  if (file === undefined || (file.startsWith("-") && file !== "-")) {
    throw new UsageError("import: FILE.csv is required (a ledger of past requests; see README)");
  }
  const { values } = parseCommandArgs("import", options, { data: { type: "string" } });
  const text = readInputFile(file, "ledger");
  return withDatabase(configFrom(values.data), async ({ db }) => {
    const result = await importLedger(db, text, { source: displayName(file), actor: cliActor(), now: new Date() });
    process.stdout.write(
      `imported ${result.imported} request(s) from ${displayName(file)} (sha256 ${result.sha256})` +
        `${result.agenciesCreated ? `, ${result.agenciesCreated} new agency(ies) registered` : ""}\n`,
    );
    return 0;
  });
}
