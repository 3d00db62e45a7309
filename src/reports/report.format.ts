import { countryName } from "./country-names.js";
import { type Period, periodEnding } from "./period.js";
import { NATIONAL_SECURITY_BAND, type ReportRow } from "./report.definitions.js";

/**
 * Pure formatting of report rows for publication: national-security banding, then CSV (docs/reports.md,
 * contract), Google's CSV layout, or JSON. No I/O: the same rows always give the same bytes.
 */

/** A figure as published: exact, or a band like `0-249` for national-security rows. */
export type Figure = number | string;

export interface PublishedRow {
  period: string;
  jurisdiction: string;
  process: string;
  requests: Figure;
  accounts_specified: Figure;
  requests_with_data_produced: Figure;
  /** One decimal; null (an empty cell) where the counts are banded, since a ratio would undo the bands. */
  percent_with_data_produced: number | null;
  requests_held: Figure;
  requests_rejected: Figure;
  requests_no_data: Figure;
}

export const CSV_COLUMNS = [
  "period",
  "jurisdiction",
  "process",
  "requests",
  "accounts_specified",
  "requests_with_data_produced",
  "percent_with_data_produced",
  "requests_held",
  "requests_rejected",
  "requests_no_data",
] as const satisfies readonly (keyof PublishedRow)[];

export function band(count: number, width = NATIONAL_SECURITY_BAND): string {
  const low = Math.floor(count / width) * width;
  return `${low}-${low + width - 1}`;
}

export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10;
}

export function publishRow(row: ReportRow): PublishedRow {
  const banded = row.process === "national_security";
  const figure = (n: number): Figure => (banded ? band(n) : n);
  return {
    period: row.period,
    jurisdiction: row.jurisdiction,
    process: row.process,
    requests: figure(row.requests),
    accounts_specified: figure(row.accountsSpecified),
    requests_with_data_produced: figure(row.produced),
    percent_with_data_produced: banded ? null : percentOf(row.produced, row.requests),
    requests_held: figure(row.held),
    requests_rejected: figure(row.rejected),
    requests_no_data: figure(row.noData),
  };
}

export function publish(rows: readonly ReportRow[]): PublishedRow[] {
  return rows.map(publishRow);
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "number" ? formatNumber(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function formatNumber(value: number): string {
  return String(value);
}

export function csv(header: readonly string[], lines: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...lines].map((cells) => `${cells.map(csvField).join(",")}\r\n`).join("");
}

/** docs/reports.md's CSV, percentages with one decimal (`82.5`), CRLF line ends as RFC 4180 has them. */
export function toCsv(rows: readonly ReportRow[]): string {
  return csv(
    CSV_COLUMNS,
    publish(rows).map((row) =>
      CSV_COLUMNS.map((column) =>
        column === "percent_with_data_produced" && row[column] !== null ? row[column].toFixed(1) : row[column],
      ),
    ),
  );
}

export const GOOGLE_COLUMNS = [
  "Period Ending",
  "Country",
  "CLDR Territory Code",
  "Legal Process",
  "User Data Requests",
  "Percentage of requests where some data produced",
  "Users/Accounts Specified",
] as const;

/** Our processes under the labels of Google's user-data-requests CSV; one label per process. */
export const GOOGLE_LEGAL_PROCESS: Record<string, string> = {
  subpoena: "Subpoena",
  court_order: "Other Court Orders",
  search_warrant: "Search Warrant",
  emergency: "Emergency Disclosure Requests",
  preservation: "Preservation Requests",
  mlat: "Mutual Legal Assistance Requests",
  national_security: "National Security Requests",
  informal: "Other Legal Requests",
};

/** The same figures in Google's column layout, so dashboards built on Google's CSV read it; whole percents as Google publishes them. */
export function toGoogleCsv(rows: readonly ReportRow[]): string {
  return csv(
    GOOGLE_COLUMNS,
    rows.map((exact) => {
      const row = publishRow(exact);
      return [
        periodEnding(row.period as Period),
        countryName(row.jurisdiction),
        row.jurisdiction,
        GOOGLE_LEGAL_PROCESS[row.process] ?? row.process,
        row.requests,
        row.percent_with_data_produced === null ? null : Math.round((100 * exact.produced) / exact.requests),
        row.accounts_specified,
      ];
    }),
  );
}

export interface ReportDocument {
  period: string;
  columns: readonly string[];
  rows: PublishedRow[];
}

/** The JSON form (for `--format json` and the API): the CSV's columns as keys, bands as strings. */
export function toReportDocument(period: Period, rows: readonly ReportRow[]): ReportDocument {
  return { period, columns: CSV_COLUMNS, rows: publish(rows) };
}
