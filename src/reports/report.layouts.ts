import { APPLE_COUNTRIES } from "./apple-countries.js";
import { countryName } from "./country-names.js";
import type { NoticeRow } from "./notice.repository.js";
import { type Period, periodKind } from "./period.js";
import type { ReportRow } from "./report.definitions.js";
import { band, csv, type Figure, percentOf, toCsv, toGoogleCsv } from "./report.format.js";

/**
 * More layouts of the same figures (issue 17, item 4), pure like report.format.ts: the same rows always
 * give the same bytes. Beside Custodian's own CSV, its JSON and Google's CSV:
 *  - Apple's per-request-type table (`apple-csv`): one row per period × country × Apple request type;
 *  - the OTI template (`oti-csv`): one row per period × jurisdiction × legal process under the
 *    categories of US law that the Open Technology Institute's and Berkman Klein's Transparency Reporting
 *    Toolkit template reports by.
 * `LAYOUTS` names them all, for the CLI, the routes and the public page that lists them.
 */

export interface Layout {
  /** `custodian report --format <id>`. */
  id: "csv" | "json" | "google-csv" | "apple-csv" | "oti-csv" | "notices-csv" | "dsa-csv";
  /** Published for calendar years only (the DSA's reporting period for Art. 15). */
  yearsOnly?: true;
  /** What the public page calls it. */
  title: string;
  /** The file a period's report is served as, under /reports/: `2025H2.apple.csv`. */
  file: (period: Period) => string;
  description: string;
}

export const LAYOUTS: readonly Layout[] = [
  {
    id: "csv",
    title: "CSV",
    file: (p) => `${p}.csv`,
    description: "Custodian's columns, one row per jurisdiction and legal process (docs/reports.md)",
  },
  {
    id: "json",
    title: "JSON",
    file: (p) => `${p}.json`,
    description: "the same rows as JSON, as the API serves them",
  },
  {
    id: "google-csv",
    title: "Google's layout",
    file: (p) => `${p}.google.csv`,
    description: "the columns of Google's user-data-requests CSV",
  },
  {
    id: "apple-csv",
    title: "Apple's layout",
    file: (p) => `${p}.apple.csv`,
    description: "Apple's per-request-type table: account, emergency, account preservation requests",
  },
  {
    id: "oti-csv",
    title: "OTI template",
    file: (p) => `${p}.oti.csv`,
    description:
      "the Open Technology Institute's Transparency Reporting Toolkit template: request types, outcomes, user notification",
  },
  {
    id: "notices-csv",
    title: "User notices",
    file: (p) => `${p}.notices.csv`,
    description:
      "whether the users a request was about were told: given, delayed by a non-disclosure order, still barred, not possible (notice.format.ts)",
  },
  {
    id: "dsa-csv",
    title: "EU DSA template",
    file: (p) => `${p}.dsa.csv`,
    description:
      "orders to provide information from EU Member States by category of illegal content, with the median times (Implementing Regulation (EU) 2024/2835)",
    yearsOnly: true,
  },
];

/** The layouts a period is published in: the DSA's for calendar years only. */
export function layoutsFor(period: Period): readonly Layout[] {
  return periodKind(period) === "year" ? LAYOUTS : LAYOUTS.filter((l) => !l.yearsOnly);
}

// ——— Apple ———

/** Apple's request types; `device` exists in Apple's table, though no process of Custodian's is one by default. */
export type AppleRequestType = "device" | "account" | "account_preservation" | "emergency" | "national_security";

/**
 * Which of Apple's tables each process is counted in. Custodian's requests are about accounts (no target is
 * a device), so every process for user data is an account request except emergencies and preservation,
 * which Apple tables apart. National security is its own table, in bands as everywhere.
 */
export const APPLE_REQUEST_TYPE: Readonly<Record<string, AppleRequestType>> = {
  subpoena: "account",
  court_order: "account",
  search_warrant: "account",
  mlat: "account",
  informal: "account",
  emergency: "emergency",
  preservation: "account_preservation",
  national_security: "national_security",
};

/** The columns of Apple's figures as published per request type (data/apple-government-requests-2019-2021.csv). */
export const APPLE_COLUMNS = [
  "period",
  "country",
  "request_type",
  "requests_received",
  "items_specified",
  "requests_data_provided",
  "pct_data_provided",
  "requests_challenged_rejected",
  "requests_no_data",
  "content_provided",
  "noncontent_provided",
  "accounts_preserved",
] as const;

const APPLE_NAMES = new Map(Object.entries(APPLE_COUNTRIES).map(([name, code]) => [code, name]));
const TYPE_ORDER: readonly AppleRequestType[] = [
  "device",
  "account",
  "account_preservation",
  "emergency",
  "national_security",
];

/** Rows of the same period, country and request type summed (exact), in Apple's order of tables. */
function appleRows(rows: readonly ReportRow[], types: Readonly<Record<string, AppleRequestType>>) {
  const sums = new Map<string, ReportRow & { type: AppleRequestType }>();
  for (const row of rows) {
    const type = types[row.process] ?? "account";
    const key = `${row.period}\u0000${row.jurisdiction}\u0000${type}`;
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, { ...row, type });
      continue;
    }
    for (const k of ["requests", "accountsSpecified", "produced", "held", "rejected", "noData"] as const) {
      sum[k] += row[k];
    }
  }
  return [...sums.values()].sort(
    (a, b) =>
      a.period.localeCompare(b.period) ||
      TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) ||
      appleName(a.jurisdiction).localeCompare(appleName(b.jurisdiction), "en"),
  );
}

function appleName(code: string): string {
  return APPLE_NAMES.get(code) ?? countryName(code);
}

/**
 * Apple's layout: its columns, its country names, its request types, its one-decimal percentages. What
 * Custodian does not keep is left empty (whether content or only non-content was provided, how many
 * accounts were preserved); a request held by a paused jurisdiction counts as received only, as Apple has
 * no column for it. National-security rows are banded and their percentage left empty.
 */
export function toAppleCsv(
  rows: readonly ReportRow[],
  types: Readonly<Record<string, AppleRequestType>> = APPLE_REQUEST_TYPE,
): string {
  return csv(
    APPLE_COLUMNS,
    appleRows(rows, types).map((r) => {
      const banded = r.type === "national_security";
      const figure = (n: number): Figure => (banded ? band(n) : n);
      return [
        r.period,
        appleName(r.jurisdiction),
        r.type,
        figure(r.requests),
        figure(r.accountsSpecified),
        figure(r.produced),
        banded ? null : percentOf(r.produced, r.requests).toFixed(1),
        figure(r.rejected),
        figure(r.noData),
        null,
        null,
        null,
      ];
    }),
  );
}

// ——— OTI ———

/**
 * The request types of the Toolkit's template (opentechinstitute/transparency-reporting-toolkit, its
 * `types`, `outcomes` and `notifications` tables; the guide at cyber.harvard.edu/publications/2016/
 * transparency_guide_and_template), under the template's own names where it has one: search warrants,
 * other court orders, subpoenas (the template splits criminal and civil, which Custodian does not record),
 * emergency requests. The template's wiretap and pen-register orders are real-time interception, which
 * Custodian does not take. What the template has no column for (preservation, mutual legal assistance,
 * national security in bands of 250, informal requests) keeps a name of its own.
 */
export const OTI_LEGAL_PROCESS: Readonly<Record<string, string>> = {
  subpoena: "Subpoenas",
  court_order: "Other court orders",
  search_warrant: "Search warrants",
  emergency: "Emergency requests",
  preservation: "Preservation requests",
  mlat: "Mutual legal assistance requests",
  national_security: "National security requests (in bands)",
  informal: "Other requests",
};

/**
 * The template's figures per request type, in its order: received, selectors specified and accounts
 * responsive (types); rejected, no data, content disclosed, non-content disclosed, each also as a
 * percentage of the received (outcomes); sealed, and non-sealed with and without notice (notifications).
 * Custodian does not record whether what it disclosed was content or non-content, nor how many accounts
 * were responsive: those cells are empty, and `Content or non-content disclosed` carries what it does
 * record. Requests held by a paused jurisdiction have no outcome in the template and get a column of their
 * own; requests still open, preserved or withdrawn are in none of the outcomes.
 */
export const OTI_COLUMNS = [
  "Reporting period",
  "Country",
  "Request type",
  "Received",
  "Selectors specified",
  "Accounts responsive",
  "Rejected",
  "No data",
  "Content disclosed",
  "Non-content disclosed",
  "Content or non-content disclosed",
  "Held (jurisdiction paused)",
  "Rejected, % of total",
  "No data, % of total",
  "Content or non-content disclosed, % of total",
  "Sealed requests",
  "Non-sealed requests, notice was provided",
  "Non-sealed requests, notice was not provided",
] as const;

/**
 * The template's table for each period, country and request type. The notification columns are the
 * user-notice figures of the same row (notice.repository.ts), counted once a request is answered: sealed
 * is a notice a non-disclosure order barred (still barred, or given after it lifted); notice provided is a
 * notice given; not provided is one not possible, left to the issuing authority or still waiting out an
 * emergency's or the policy's delay. Without notice figures (a version published before they were frozen)
 * those cells are empty. National-security rows are banded and their percentages left empty.
 */
export function toOtiCsv(rows: readonly ReportRow[], notices: readonly NoticeRow[] | null = null): string {
  const key = (r: { period: string; jurisdiction: string; process: string }) =>
    `${r.period}\u0000${r.jurisdiction}\u0000${r.process}`;
  const noticeOf = new Map((notices ?? []).map((n) => [key(n), n]));
  return csv(
    OTI_COLUMNS,
    rows.map((r) => {
      const banded = r.process === "national_security";
      const figure = (n: number): Figure => (banded ? band(n) : n);
      const share = (n: number) => (banded ? null : percentOf(n, r.requests).toFixed(1));
      const n = noticeOf.get(key(r));
      const told = (pick: (n: NoticeRow) => number): Figure | null =>
        notices === null ? null : figure(n ? pick(n) : 0);
      return [
        r.period,
        countryName(r.jurisdiction),
        OTI_LEGAL_PROCESS[r.process] ?? r.process,
        figure(r.requests),
        figure(r.accountsSpecified),
        null,
        figure(r.rejected),
        figure(r.noData),
        null,
        null,
        figure(r.produced),
        figure(r.held),
        share(r.rejected),
        share(r.noData),
        share(r.produced),
        told((x) => x.barred + x.delayed),
        told((x) => x.given),
        told((x) => x.notPossible + x.byAuthority + x.pending),
      ];
    }),
  );
}

/** A CSV layout of a period's rows by its id (JSON is served by the API's document, not here). */
export function layoutCsv(
  id: Exclude<Layout["id"], "json" | "notices-csv" | "dsa-csv">,
  rows: readonly ReportRow[],
  /** The period's user-notice rows, for the OTI template's notification columns (null: not known). */
  notices: readonly NoticeRow[] | null = null,
): string {
  switch (id) {
    case "csv":
      return toCsv(rows);
    case "google-csv":
      return toGoogleCsv(rows);
    case "apple-csv":
      return toAppleCsv(rows);
    case "oti-csv":
      return toOtiCsv(rows, notices);
  }
}
