import { existsSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect } from "kysely";
import { MIGRATION_NAMES, migrateToLatest } from "./migrate.js";
import { dumpTemplate, type TemplateLevel, templateFile } from "./pglite-template.js";
import type { DB } from "./schema.js";

/** The template files to try for a new store at `level`, best first (docs in pglite-template.ts). */
export function templateFiles(level: TemplateLevel): string[] {
  const initdb = templateFile("initdb");
  return level === "latest" ? [templateFile("latest", MIGRATION_NAMES), initdb] : [initdb];
}

/** Writes both templates unless this build's are there already (run by `npm run build`). */
export async function writeTemplates(): Promise<string[]> {
  const initdb = templateFile("initdb");
  const latest = templateFile("latest", MIGRATION_NAMES);
  if (existsSync(initdb) && existsSync(latest)) return [initdb, latest];
  const pglite = await PGlite.create();
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  try {
    await dumpTemplate(pglite, initdb);
    await migrateToLatest(db);
    await dumpTemplate(pglite, latest);
    return [initdb, latest];
  } finally {
    await db.destroy();
  }
}
