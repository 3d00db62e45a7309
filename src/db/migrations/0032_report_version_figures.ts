import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). A published report version freezes every figure it publishes (issue 17,
 * item 1): beside the requests' rows (0021), the user-notice rows of the period (NoticeRow[]) and, for a
 * calendar year, the DSA report's cells with the service name it was published under
 * (`{ service, cells: DsaCell[] }`), so a version's notice CSV, DSA CSV, JSON and page never follow the live
 * ledger. A correction lists the changed notice and DSA figures apart from the requests' (`changes`), in the
 * same published form. Versions published before this migration froze no notice or DSA figures: theirs
 * stay null (never filled in from today's ledger, which would state what was not published), and their
 * change lists are empty. Adding columns rewrites no row, so 0021's triggers are not fired; the table stays
 * immutable.
 */
const STATEMENTS = [
  `alter table report_version
     add column notices jsonb check (notices is null or jsonb_typeof(notices) = 'array'),
     add column dsa jsonb check (dsa is null or (jsonb_typeof(dsa) = 'object'
                                 and jsonb_typeof(dsa->'cells') = 'array' and jsonb_typeof(dsa->'service') = 'string')),
     add column notice_changes jsonb not null default '[]' check (jsonb_typeof(notice_changes) = 'array'),
     add column dsa_changes jsonb not null default '[]' check (jsonb_typeof(dsa_changes) = 'array')`,
  // The DSA report is of calendar years only.
  `alter table report_version add constraint report_version_dsa_year check (dsa is null or period ~ '^[0-9]{4}$')`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
