import type { NoticeRow } from "./notice.repository.js";
import { band, csv, type Figure, type ReportDocument } from "./report.format.js";

/**
 * The user-notice figures as published (docs/reports.md#user-notices), pure like report.format.ts: its
 * own CSV (`2025H2.notices.csv`) and the `notices` section of the JSON document. National-security rows
 * are in bands, as everywhere in the report.
 */

export interface PublishedNoticeRow {
  period: string;
  jurisdiction: string;
  process: string;
  notices_given: Figure;
  notices_delayed_by_non_disclosure: Figure;
  notices_barred: Figure;
  notices_pending_emergency_delay: Figure;
  notices_not_possible: Figure;
  notices_left_to_issuing_authority: Figure;
}

export const NOTICE_CSV_COLUMNS = [
  "period",
  "jurisdiction",
  "process",
  "notices_given",
  "notices_delayed_by_non_disclosure",
  "notices_barred",
  "notices_pending_emergency_delay",
  "notices_not_possible",
  "notices_left_to_issuing_authority",
] as const satisfies readonly (keyof PublishedNoticeRow)[];

export function publishNoticeRow(row: NoticeRow): PublishedNoticeRow {
  const figure = (n: number): Figure => (row.process === "national_security" ? band(n) : n);
  return {
    period: row.period,
    jurisdiction: row.jurisdiction,
    process: row.process,
    notices_given: figure(row.given),
    notices_delayed_by_non_disclosure: figure(row.delayed),
    notices_barred: figure(row.barred),
    notices_pending_emergency_delay: figure(row.pending),
    notices_not_possible: figure(row.notPossible),
    notices_left_to_issuing_authority: figure(row.byAuthority),
  };
}

export function toNoticeCsv(rows: readonly NoticeRow[]): string {
  return csv(
    NOTICE_CSV_COLUMNS,
    rows.map((row) => {
      const published = publishNoticeRow(row);
      return NOTICE_CSV_COLUMNS.map((column) => published[column]);
    }),
  );
}

export interface NoticeSection {
  columns: readonly string[];
  rows: PublishedNoticeRow[];
}

export function toNoticeSection(rows: readonly NoticeRow[]): NoticeSection {
  return { columns: NOTICE_CSV_COLUMNS, rows: rows.map(publishNoticeRow) };
}

/** The JSON report (API, `--format json`, `2025H2.json`): the requests' rows and the notices' section. */
export type PublishedReport = ReportDocument & { notices: NoticeSection };

export function withNotices(document: ReportDocument, notices: readonly NoticeRow[]): PublishedReport {
  return { ...document, notices: toNoticeSection(notices) };
}
