import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, type DriverName, openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";

/**
 * A fresh, migrated database per test file, on every driver: PGlite always, PostgreSQL when
 * DATABASE_URL is set (a new database on that server, dropped afterwards).
 */
export const DRIVERS: DriverName[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestDatabase extends Database {
  url: string | undefined;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A new database on the server at `admin` (the shared DATABASE_URL unless a test brings its own cluster). */
export async function createPostgresDatabase(
  admin = process.env.DATABASE_URL as string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `custodian_test_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = withDatabase(admin, name);
  return { url, drop: () => dropPostgresDatabase(url, admin) };
}

/** Drops the database `url` names (one a helper made and left, such as storeWithOfficerToken's). */
export async function dropPostgresDatabase(url: string, admin = process.env.DATABASE_URL as string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`drop database if exists ${new URL(url).pathname.slice(1)} with (force)`);
  } finally {
    await c.end();
  }
}

export async function freshDatabase(
  driver: DriverName,
  dataDir = "memory://",
  adminUrl?: string,
): Promise<TestDatabase> {
  if (driver === "pglite") {
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    return { ...database, url: undefined, drop: () => database.close() };
  }
  const created = await createPostgresDatabase(adminUrl);
  const database = await openDatabase({ url: created.url });
  await migrateToLatest(database.db);
  return {
    ...database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}
