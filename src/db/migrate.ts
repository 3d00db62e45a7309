import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import type { Db } from "./database.js";
import * as m0001 from "./migrations/0001_initial.js";
import * as m0002 from "./migrations/0002_reports.js";
import * as m0003 from "./migrations/0003_access.js";
import * as m0004 from "./migrations/0004_fulfilment.js";
import * as m0005 from "./migrations/0005_queue.js";
import * as m0006 from "./migrations/0006_admission.js";
import * as m0007 from "./migrations/0007_job_lease.js";
import * as m0008 from "./migrations/0008_audit_trail.js";
import * as m0009 from "./migrations/0009_callback_numbers.js";
import * as m0010 from "./migrations/0010_request_hold.js";
import * as m0012 from "./migrations/0012_document_blobs.js";
import * as m0013 from "./migrations/0013_staff_accounts.js";
import * as m0016 from "./migrations/0016_messenger_out.js";
import * as m0017 from "./migrations/0017_warrant_canary.js";
import * as m0018 from "./migrations/0018_decision_human_rights.js";
import * as m0019 from "./migrations/0019_legal_basis.js";
import * as m0020 from "./migrations/0020_report_quarters.js";
import * as m0021 from "./migrations/0021_report_versions.js";
import * as m0022 from "./migrations/0022_request_assignee.js";
import * as m0023 from "./migrations/0023_correspondence.js";
import * as m0024 from "./migrations/0024_eu_preservation.js";
import * as m0025 from "./migrations/0025_archive_store.js";
import * as m0026 from "./migrations/0026_dsa_order_facts.js";
import * as m0027 from "./migrations/0027_enforcing_state.js";
import * as m0028 from "./migrations/0028_user_notices.js";
import * as m0029 from "./migrations/0029_emergency_page.js";
import * as m0030 from "./migrations/0030_demand_publication.js";
import * as m0031 from "./migrations/0031_notice_by_authority.js";
import * as m0032 from "./migrations/0032_report_version_figures.js";
import * as m0033 from "./migrations/0033_dsa_report_cache.js";

/**
 * Migrations are listed here, in order, rather than discovered on disk, so the built package carries
 * exactly the migrations it was tested with. Kysely's migrator takes a lock (an advisory lock on
 * PostgreSQL) and applies all pending migrations in one transaction: two processes starting at once
 * cannot both apply one.
 */
const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_reports": m0002,
  "0003_access": m0003,
  "0004_fulfilment": m0004,
  "0005_queue": m0005,
  "0006_admission": m0006,
  "0007_job_lease": m0007,
  "0008_audit_trail": m0008,
  "0009_callback_numbers": m0009,
  "0010_request_hold": m0010,
  "0012_document_blobs": m0012,
  "0013_staff_accounts": m0013,
  "0016_messenger_out": m0016,
  "0017_warrant_canary": m0017,
  "0018_decision_human_rights": m0018,
  "0019_legal_basis": m0019,
  "0020_report_quarters": m0020,
  "0021_report_versions": m0021,
  "0022_request_assignee": m0022,
  "0023_correspondence": m0023,
  "0024_eu_preservation": m0024,
  "0025_archive_store": m0025,
  "0029_emergency_page": m0029,
  "0026_dsa_order_facts": m0026,
  "0028_user_notices": m0028,
  "0027_enforcing_state": m0027,
  "0030_demand_publication": m0030,
  "0031_notice_by_authority": m0031,
  "0032_report_version_figures": m0032,
  "0033_dsa_report_cache": m0033,
};

/** This build's migrations by name: what a store made from a migrated template must have applied. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();

/** The newest migration this build knows: the schema level a backup must have been taken at to restore here. */
// Kysely applies migrations in the order of their names, so the newest is the greatest name.
export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) as string;

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  // Numbers are reserved ahead by the branches that will use them, so one may land after a higher one
  // (0013 after 0016): a store that already ran the higher one still gets the lower. Each migration touches
  // only its own tables, so the order between such neighbours does not matter.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  const all = await migrator.getMigrations();
  const current = all.filter((m) => m.executedAt).at(-1)?.name;
  return { applied, current };
}
