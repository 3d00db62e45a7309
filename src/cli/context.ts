import { userInfo } from "node:os";
import { actorOf, type Operator } from "../authz/authz.js";
import { type Config, loadConfig } from "../config.js";
import { type Database, type Db, openDatabase } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import type { TemplateLevel } from "../db/pglite-template.js";
import { templateFiles } from "../db/store-templates.js";
import { type DeploymentSources, openSources } from "../fulfilment/sources/deployment.js";
import { installSources } from "../fulfilment/sources/index.js";

/** Who a CLI command acts as: the operator's login (authz.ts, the actor convention). */
export function cliOperator(): Operator {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the actor is still marked as the CLI.
  }
  return { operator: `cli:${name}` };
}

/** The CLI operator as the audit trail names them. */
export function cliActor(): string {
  return actorOf(cliOperator());
}

export function configFrom(dataDir: string | undefined): Config {
  return loadConfig(process.env, { dataDir });
}

/**
 * Open the configured database, bring its schema up to date, run `work`, close. A new embedded store starts
 * from PGlite's initdb, or with `latest` from this build's migrated schema (src/db/pglite-template.ts).
 */
export async function withDatabase<T>(
  config: Config,
  work: (database: Database) => Promise<T>,
  newStore: TemplateLevel = "initdb",
): Promise<T> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    allowUnsafeDurability: config.allowUnsafeDurability,
    templates: templateFiles(newStore),
  });
  try {
    await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

/**
 * Connect to the configured data sources and check them (a ValidationError lists every problem, and the
 * command does not start), install them for this process while `work` runs, then close them. Only the
 * commands that reach user data use it: a source that is down does not stop a backup or a migration.
 */
export async function withSources<T>(
  config: Config,
  db: Db,
  work: (sources: DeploymentSources) => Promise<T>,
): Promise<T> {
  const sources = await openSources(config.sources, db);
  installSources(sources.factory);
  try {
    return await work(sources);
  } finally {
    installSources(undefined);
    await sources.close();
  }
}
