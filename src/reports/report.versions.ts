import { createHash } from "node:crypto";
import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { actorOf, authorizeCaller, type Caller } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { conflict, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { policyName } from "./canary.service.js";
import { DSA_COLUMNS, type DsaLine, dsaLines } from "./dsa.format.js";
import { type DsaCell, readDsaReport } from "./dsa.repository.js";
import { NOTICE_CSV_COLUMNS, type PublishedNoticeRow, publishNoticeRow } from "./notice.format.js";
import { type NoticeRow, readNoticeReport } from "./notice.repository.js";
import { describePeriod, type Period, periodBounds, periodKind, type Year } from "./period.js";
import type { ReportRow } from "./report.definitions.js";
import { CSV_COLUMNS, type PublishedRow, publish, toCsv } from "./report.format.js";
import { readReport } from "./report.repository.js";

/**
 * Published reports (docs/reports.md#published-versions). The live report follows the ledger; publishing
 * freezes one period's report as the next numbered version, which is never changed (migration 0021 refuses
 * an update or a delete whoever connects): the requests' rows, the user-notice rows and, for a calendar
 * year, the DSA report's cells with the service name (migration 0032), so every file and the page of a
 * version are served from what was frozen, never from the ledger. A correction is the next version: it must
 * say what changed and why, and the published figures it changes are listed beside the note, per table. Only counsel publishes (authz
 * PERMISSIONS `report.publish`); every publication, and every refused one, is on the audit trail.
 */

/** One published figure that differs from the version before (bands as published, never exact NS counts). */
export interface ReportChange {
  jurisdiction: string;
  process: string;
  column: (typeof CSV_COLUMNS)[number];
  /** null: the row was not in that version. */
  before: string | number | null;
  after: string | number | null;
}

const NOTICE_FIGURES = NOTICE_CSV_COLUMNS.filter((c) => c.startsWith("notices_"));
type NoticeColumn = (typeof NOTICE_CSV_COLUMNS)[number];

/** One published user-notice figure that differs from the version before (bands as published). */
export interface NoticeChange {
  jurisdiction: string;
  process: string;
  column: NoticeColumn;
  before: string | number | null;
  after: string | number | null;
}

// The DSA CSV's figures and the contextual information saying over how many orders each median is.
const DSA_FIGURES = DSA_COLUMNS.slice(DSA_COLUMNS.indexOf("Number of orders to act against illegal content received"));

/** One published cell of the DSA CSV that differs from the version before: its row is (scope, category). */
export interface DsaChange {
  /** The Member State, or `TOTAL`. */
  scope: string;
  /** The category of illegal content, or `TOTAL`. */
  category: string;
  column: (typeof DSA_COLUMNS)[number];
  before: string | number | null;
  after: string | number | null;
}

export interface ReportVersionSummary {
  period: Period;
  version: number;
  publishedAt: string;
  /** Why this version was published: required for a correction (version 2 on), optional for the first. */
  note: string | null;
  /** The requests' published figures changed since the version before. */
  changes: ReportChange[];
  /** The user-notice figures changed since the version before. */
  noticeChanges: NoticeChange[];
  /** The DSA report's cells changed since the version before (calendar years). */
  dsaChanges: DsaChange[];
  /** What the version froze beside the requests' rows: false for versions published before migration 0032. */
  includes: { notices: boolean; dsa: boolean };
  /** SHA-256 of the version's CSV (`/reports/{period}/versions/{version}.csv`), hex. */
  sha256: string;
}

/** A calendar year's DSA report as published: its cells and the service name it was published under. */
export interface FrozenDsa {
  service: string;
  cells: DsaCell[];
}

export interface ReportVersion extends ReportVersionSummary {
  /** The exact rows it was published from; serve them through report.format's formatters (banded). */
  rows: ReportRow[];
  /** The period's user-notice rows as published (notice.format's formatters band them); null before 0032. */
  notices: NoticeRow[] | null;
  /** A year's DSA report as published (dsa.format's toDsaCsv); null for other periods and before 0032. */
  dsa: FrozenDsa | null;
}

const NOTE_MAX = 4000;
const FIGURES = CSV_COLUMNS.filter((c) => c !== "period" && c !== "jurisdiction" && c !== "process");

type Cell = string | number | null;

/**
 * The cells of `after` that differ from `before`, rows matched by `key` (in key order), over `columns`; a
 * row in one only gives null on the other side.
 */
function diff<R, C extends string, X>(
  before: readonly R[],
  after: readonly R[],
  key: (r: R) => string,
  columns: readonly C[],
  cell: (r: R, c: C) => Cell,
  change: (row: R, column: C, before: Cell, after: Cell) => X,
): X[] {
  const old = new Map(before.map((r) => [key(r), r]));
  const now = new Map(after.map((r) => [key(r), r]));
  const keys = [...new Set([...before.map(key), ...after.map(key)])].sort();
  const out: X[] = [];
  for (const k of keys) {
    const [a, b] = [old.get(k), now.get(k)];
    const row = (b ?? a) as R;
    for (const column of columns) {
      const [x, y] = [a ? cell(a, column) : null, b ? cell(b, column) : null];
      if (x !== y) out.push(change(row, column, x, y));
    }
  }
  return out;
}

const byJurisdiction = (r: { jurisdiction: string; process: string }) => `${r.jurisdiction}\u0000${r.process}`;

/** The published figures of `after` that differ from `before`, by jurisdiction and process, in row order. */
export function changesBetween(before: readonly PublishedRow[], after: readonly PublishedRow[]): ReportChange[] {
  return diff(
    before,
    after,
    byJurisdiction,
    FIGURES,
    (r, c) => r[c],
    (row, column, b, a) => ({
      jurisdiction: row.jurisdiction,
      process: row.process,
      column,
      before: b,
      after: a,
    }),
  );
}

/** The published user-notice figures of `after` that differ from `before` (bands compared as published). */
export function noticeChangesBetween(before: readonly NoticeRow[], after: readonly NoticeRow[]): NoticeChange[] {
  return diff(
    before.map(publishNoticeRow),
    after.map(publishNoticeRow),
    byJurisdiction,
    NOTICE_FIGURES,
    (r: PublishedNoticeRow, c) => r[c as keyof PublishedNoticeRow],
    (row, column, b, a) => ({ jurisdiction: row.jurisdiction, process: row.process, column, before: b, after: a }),
  );
}

/** The cells of the DSA CSV of `after` that differ from `before`'s, rows matched by scope and category. */
export function dsaChangesBetween(year: Year, before: FrozenDsa | null, after: FrozenDsa): DsaChange[] {
  const lines = (d: FrozenDsa | null) => (d ? dsaLines(year, d.service, d.cells) : []);
  const scope = DSA_COLUMNS.indexOf("Scope");
  const category = DSA_COLUMNS.indexOf("Category of illegal content");
  return diff(
    lines(before),
    lines(after),
    (l: DsaLine) => `${l[scope]}\u0000${l[category]}`,
    DSA_FIGURES,
    (l, c) => l[DSA_COLUMNS.indexOf(c)] ?? null,
    (l, column, b, a) => ({ scope: String(l[scope]), category: String(l[category]), column, before: b, after: a }),
  );
}

export function csvDigest(rows: readonly ReportRow[]): string {
  return createHash("sha256").update(toCsv(rows)).digest("hex");
}

interface VersionRow {
  period: string;
  version: number;
  published_at: Date;
  note: string | null;
  changes: unknown;
  notice_changes: unknown;
  dsa_changes: unknown;
  has_notices: boolean;
  has_dsa: boolean;
  sha256: string;
}

/** jsonb comes back parsed from node-postgres and as text from some paths; accept both. */
const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

function summaryOf(row: VersionRow): ReportVersionSummary {
  return {
    period: row.period as Period,
    version: row.version,
    publishedAt: new Date(row.published_at).toISOString(),
    note: row.note,
    changes: json<ReportChange[]>(row.changes),
    noticeChanges: json<NoticeChange[]>(row.notice_changes),
    dsaChanges: json<DsaChange[]>(row.dsa_changes),
    includes: { notices: Boolean(row.has_notices), dsa: Boolean(row.has_dsa) },
    sha256: row.sha256,
  };
}

/** Every published version of a period, oldest first (empty when it was never published). */
const SUMMARY = [
  "period",
  "version",
  "published_at",
  "note",
  "changes",
  "notice_changes",
  "dsa_changes",
  "sha256",
  sql<boolean>`notices is not null`.as("has_notices"),
  sql<boolean>`dsa is not null`.as("has_dsa"),
] as const;

export async function listReportVersions(db: Db | Tx, period: Period): Promise<ReportVersionSummary[]> {
  const rows = await db
    .selectFrom("report_version")
    .select(SUMMARY)
    .where("period", "=", period)
    .orderBy("version")
    .execute();
  return rows.map((r) => summaryOf(r as VersionRow));
}

export async function getReportVersion(db: Db | Tx, period: Period, version: number): Promise<ReportVersion> {
  const row = await db
    .selectFrom("report_version")
    .select([...SUMMARY, "rows", "notices", "dsa"])
    .where("period", "=", period)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) throw notFound(`version ${version} of the report of ${period}`);
  return {
    ...summaryOf(row as VersionRow),
    rows: json<ReportRow[]>(row.rows),
    notices: row.notices === null ? null : json<NoticeRow[]>(row.notices),
    dsa: row.dsa === null ? null : json<FrozenDsa>(row.dsa),
  };
}

export interface PublishReport {
  period: Period;
  /** What changed and why (a correction must say); optional for the first version. */
  note?: string | undefined;
  by: Caller;
  now: Date;
}

/**
 * Freeze the period's report as it stands now as its next version. Refused (and audited) when the period
 * has not ended, when a correction has no note, or when the published figures are those of the newest
 * version already (a version that changes nothing would only blur which one to read).
 */
export async function publishReport(db: Db, asked: PublishReport): Promise<ReportVersionSummary> {
  authorizeCaller(asked.by, "report.publish");
  const actor = actorOf(asked.by);
  const attempt = { actor, objectType: "report", objectId: asked.period, attempted: "publish" } as const;
  return auditingRefusals(db, attempt, asked.now, () =>
    db.transaction().execute(async (tx) => {
      const note = asked.note?.trim() || null;
      if (note !== null && note.length > NOTE_MAX) {
        throw new ValidationError([{ path: "note", message: `must be at most ${NOTE_MAX} characters` }]);
      }
      if (periodBounds(asked.period).end.getTime() > asked.now.getTime()) {
        throw conflict(`${describePeriod(asked.period)} has not ended; its report cannot be published yet`);
      }
      // One publisher of a period at a time: the next number is read and taken under this lock.
      await sql`select pg_advisory_xact_lock(hashtext('custodian.report_version'), hashtext(${asked.period}))`.execute(
        tx,
      );
      const versions = await listReportVersions(tx, asked.period);
      const previous = versions.at(-1);
      const rows = await readReport(tx, asked.period);
      const notices = await readNoticeReport(tx, asked.period);
      const year = periodKind(asked.period) === "year" ? (asked.period as Year) : null;
      const dsa: FrozenDsa | null = year
        ? { service: await policyName(tx), cells: await readDsaReport(tx, year) }
        : null;
      // A DSA report whose breakdowns disagree is never published: the version is refused with it.
      if (year && dsa) dsaLines(year, dsa.service, dsa.cells);
      const published = publish(rows);
      let changes: ReportChange[] = [];
      let noticeChanges: NoticeChange[] = [];
      let dsaChanges: DsaChange[] = [];
      if (previous) {
        if (note === null) {
          throw new ValidationError([
            {
              path: "note",
              message: "a correction must say what changed and why (a note is required from version 2 on)",
            },
          ]);
        }
        // A version from before 0032 froze no notice or DSA figures: every one of those is listed as new.
        const before = await getReportVersion(tx, asked.period, previous.version);
        changes = changesBetween(publish(before.rows), published);
        noticeChanges = noticeChangesBetween(before.notices ?? [], notices);
        dsaChanges = year && dsa ? dsaChangesBetween(year, before.dsa, dsa) : [];
        if (changes.length + noticeChanges.length + dsaChanges.length === 0) {
          throw conflict(
            `the published figures of ${asked.period} (requests, user notices${year ? ", DSA orders" : ""}) are those of version ${previous.version}; nothing to correct`,
          );
        }
      }
      const version = (previous?.version ?? 0) + 1;
      const sha256 = csvDigest(rows);
      const inserted = await tx
        .insertInto("report_version")
        .values({
          period: asked.period,
          version,
          published_at: asked.now,
          published_by: actor,
          note,
          rows: JSON.stringify(rows),
          changes: JSON.stringify(changes),
          sha256,
          notices: JSON.stringify(notices),
          dsa: dsa === null ? null : JSON.stringify(dsa),
          notice_changes: JSON.stringify(noticeChanges),
          dsa_changes: JSON.stringify(dsaChanges),
        })
        .returning(SUMMARY)
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor,
          action: "report.published",
          objectType: "report",
          objectId: asked.period,
          payload: {
            version,
            sha256,
            note,
            rows: rows.length,
            changes: changes.length,
            noticeRows: notices.length,
            noticeChanges: noticeChanges.length,
            dsaOrders: dsa?.cells.find((c) => c.memberState === null && c.category === null)?.orders ?? null,
            dsaChanges: dsaChanges.length,
          },
        },
        asked.now,
      );
      return summaryOf(inserted as VersionRow);
    }),
  );
}
