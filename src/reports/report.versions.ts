import { createHash } from "node:crypto";
import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { actorOf, authorizeCaller, type Caller } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { conflict, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { describePeriod, type Period, periodBounds } from "./period.js";
import type { ReportRow } from "./report.definitions.js";
import { CSV_COLUMNS, type PublishedRow, publish, toCsv } from "./report.format.js";
import { readReport } from "./report.repository.js";

/**
 * Published reports (docs/reports.md#published-versions). The live report follows the ledger; publishing
 * freezes one period's report as the next numbered version, which is never changed (migration 0021 refuses
 * an update or a delete whoever connects). A correction is the next version: it must say what changed and
 * why, and the published figures it changes are listed beside the note. Only counsel publishes (authz
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

export interface ReportVersionSummary {
  period: Period;
  version: number;
  publishedAt: string;
  /** Why this version was published: required for a correction (version 2 on), optional for the first. */
  note: string | null;
  changes: ReportChange[];
  /** SHA-256 of the version's CSV (`/reports/{period}/versions/{version}.csv`), hex. */
  sha256: string;
}

export interface ReportVersion extends ReportVersionSummary {
  /** The exact rows it was published from; serve them through report.format's formatters (banded). */
  rows: ReportRow[];
}

const NOTE_MAX = 4000;
const FIGURES = CSV_COLUMNS.filter((c) => c !== "period" && c !== "jurisdiction" && c !== "process");

/** The published figures of `after` that differ from `before`, by jurisdiction and process, in row order. */
export function changesBetween(before: readonly PublishedRow[], after: readonly PublishedRow[]): ReportChange[] {
  const key = (r: PublishedRow) => `${r.jurisdiction}\u0000${r.process}`;
  const old = new Map(before.map((r) => [key(r), r]));
  const now = new Map(after.map((r) => [key(r), r]));
  const keys = [...new Set([...before.map(key), ...after.map(key)])].sort();
  const out: ReportChange[] = [];
  for (const k of keys) {
    const [a, b] = [old.get(k), now.get(k)];
    const row = (b ?? a) as PublishedRow;
    for (const column of FIGURES) {
      const [x, y] = [a ? a[column] : null, b ? b[column] : null];
      if (x !== y) out.push({ jurisdiction: row.jurisdiction, process: row.process, column, before: x, after: y });
    }
  }
  return out;
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
    sha256: row.sha256,
  };
}

/** Every published version of a period, oldest first (empty when it was never published). */
export async function listReportVersions(db: Db | Tx, period: Period): Promise<ReportVersionSummary[]> {
  const rows = await db
    .selectFrom("report_version")
    .select(["period", "version", "published_at", "note", "changes", "sha256"])
    .where("period", "=", period)
    .orderBy("version")
    .execute();
  return rows.map((r) => summaryOf(r as VersionRow));
}

export async function getReportVersion(db: Db | Tx, period: Period, version: number): Promise<ReportVersion> {
  const row = await db
    .selectFrom("report_version")
    .select(["period", "version", "published_at", "note", "rows", "changes", "sha256"])
    .where("period", "=", period)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) throw notFound(`version ${version} of the report of ${period}`);
  return { ...summaryOf(row as VersionRow), rows: json<ReportRow[]>(row.rows) };
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
      const published = publish(rows);
      let changes: ReportChange[] = [];
      if (previous) {
        if (note === null) {
          throw new ValidationError([
            {
              path: "note",
              message: "a correction must say what changed and why (a note is required from version 2 on)",
            },
          ]);
        }
        const before = publish((await getReportVersion(tx, asked.period, previous.version)).rows);
        changes = changesBetween(before, published);
        if (changes.length === 0) {
          throw conflict(
            `the published figures of ${asked.period} are those of version ${previous.version}; nothing to correct`,
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
        })
        .returning(["period", "version", "published_at", "note", "rows", "changes", "sha256"])
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor,
          action: "report.published",
          objectType: "report",
          objectId: asked.period,
          payload: { version, sha256, note, rows: rows.length, changes: changes.length },
        },
        asked.now,
      );
      return summaryOf(inserted as VersionRow);
    }),
  );
}
