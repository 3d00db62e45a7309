import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "./database.js";
import { MIGRATION_NAMES, migrateToLatest } from "./migrate.js";
import { templateFile } from "./pglite-template.js";
import { templateFiles, writeTemplates } from "./store-templates.js";

/**
 * A store made from a template is the store made the slow way: from the `initdb` template, every migration
 * still to apply; from the `latest` one, none, and the same tables, columns, constraints, indexes and
 * triggers as initdb followed by every migration. A directory that already holds a store is opened as it
 * is, never overwritten by a template.
 */

const scratch = mkdtempSync(join(tmpdir(), "custodian-template-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Everything of the schema a migration makes, as comparable text. */
async function schemaOf(db: Db): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    select 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' '
           || is_nullable || ' ' || coalesce(column_default, '') as line
      from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
    union all
    select 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    union all
    select 'index ' || indexdef from pg_indexes where schemaname not in ('pg_catalog', 'information_schema')
    union all
    select 'trigger ' || tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
    union all
    select 'function ' || p.proname || ' ' || md5(p.prosrc) from pg_proc p
      where p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`.execute(db);
  return rows.map((r) => r.line).sort();
}

describe("PGlite templates for new embedded stores", () => {
  it("a store from `latest` needs no migration and has the schema initdb and every migration make", async () => {
    await writeTemplates();
    expect(existsSync(templateFile("latest", MIGRATION_NAMES))).toBe(true);

    const fromTemplate = await openDatabase({ dataDir: join(scratch, "latest"), templates: templateFiles("latest") });
    const slow = await openDatabase({ dataDir: join(scratch, "slow"), templates: [] });
    try {
      expect((await migrateToLatest(fromTemplate.db)).applied).toEqual([]);
      expect((await migrateToLatest(slow.db)).applied).toEqual([...MIGRATION_NAMES]);
      expect(await schemaOf(fromTemplate.db)).toEqual(await schemaOf(slow.db));
    } finally {
      await fromTemplate.close();
      await slow.close();
    }
  });

  it("a store from `initdb` still applies every migration", async () => {
    const database = await openDatabase({ dataDir: join(scratch, "initdb") });
    try {
      expect((await migrateToLatest(database.db)).applied).toEqual([...MIGRATION_NAMES]);
    } finally {
      await database.close();
    }
  });

  it("opens a directory that already holds a store as it is, whatever template is offered", async () => {
    const dataDir = join(scratch, "kept");
    const first = await openDatabase({ dataDir, templates: [] });
    await sql`create table kept_here (n int)`.execute(first.db);
    await first.close();
    const again = await openDatabase({ dataDir, templates: templateFiles("latest") });
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kept_here`.execute(again.db);
      expect(rows[0]?.n).toBe(0);
      expect((await migrateToLatest(again.db)).applied).toEqual([...MIGRATION_NAMES]);
    } finally {
      await again.close();
    }
  });
});
