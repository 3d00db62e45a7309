import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import { OperationalError } from "../shared/errors.js";
import { lockDataDirectory } from "./pglite-lock.js";
import { templateFile, templateFor } from "./pglite-template.js";
import type { DB } from "./schema.js";

export type Tx = Transaction<DB>;
export type Db = Kysely<DB>;
export type DriverName = "pglite" | "postgres";

export interface Database {
  readonly db: Db;
  readonly driver: DriverName;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… selects a PostgreSQL server; otherwise the embedded PGlite directory `dataDir`. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Start on a PostgreSQL server whose settings cannot make a commit durable. Never by default. */
  allowUnsafeDurability?: boolean | undefined;
  /**
   * The template files a new embedded store may start from, best first (src/db/pglite-template.ts);
   * by default PGlite's initdb only.
   */
  templates?: readonly string[] | undefined;
}

// One reading of the same columns on both drivers: int8 as a number (ids stay far below 2^53) and
// `date` as the `YYYY-MM-DD` it is, never a Date at some time zone's midnight.
const INT8 = 20;
const DATE = 1082;

export class UnsafeDurabilityError extends OperationalError {
  readonly code = "unsafe_durability";
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.allowUnsafeDurability ?? false);
  return openPGlite(options.dataDir ?? "./.custodian/data", options.templates ?? [templateFile("initdb")]);
}

async function openPGlite(dataDir: string, templates: readonly string[]): Promise<Database> {
  const inMemory = dataDir.startsWith("memory://");
  const lock = inMemory ? undefined : lockDataDirectory(dataDir);
  try {
    const pglite = await PGlite.create(inMemory ? undefined : dataDir, {
      loadDataDir: templateFor(inMemory ? undefined : dataDir, templates),
      parsers: { [INT8]: (value: string) => Number(value), [DATE]: (value: string) => value },
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      driver: "pglite",
      async close() {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    // PGlite may fail with something that is not an Error (an aborted WebAssembly instance): say where.
    if (error instanceof Error && error.message) throw error;
    throw new Error(`could not open the embedded database in ${dataDir}: ${String(error)}`);
  }
}

const DURABILITY_SETTINGS = ["fsync", "synchronous_commit", "full_page_writes"] as const;

/**
 * What in a server's settings would let an acknowledged commit be lost. `synchronous_commit` may be any
 * of on, local, remote_write, remote_apply: each waits for the local WAL flush; only off does not.
 */
export function durabilityProblems(settings: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const name of DURABILITY_SETTINGS) {
    const value = settings[name];
    const safe = name === "synchronous_commit" ? value !== undefined && value !== "off" : value === "on";
    if (!safe) problems.push(`${name} = ${value ?? "unknown"}`);
  }
  return problems;
}

async function openPostgres(url: string, allowUnsafeDurability: boolean): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === INT8) return (value: string) => Number(value);
        if (oid === DATE) return (value: string) => value;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server closed (a restart, a terminated backend) must never take the process down.
  // pg-pool listens for errors on idle clients only; a checked-out client's socket error is emitted on the
  // client itself, and with no listener Node exits. The query in flight already fails through its own
  // callback (and is answered 503, see http/problem.ts); the pool drops the broken client on release and
  // connects afresh on next use, so service resumes by itself once the server is back.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    const settings: Record<string, string | undefined> = {};
    for (const name of DURABILITY_SETTINGS) {
      // Through Kysely, so that db.destroy() owns (and ends) the pool whatever happens next.
      const { rows } = await sql<Record<string, string>>`show ${sql.raw(name)}`.execute(db);
      settings[name] = rows[0]?.[name];
    }
    const unsafe = durabilityProblems(settings);
    if (unsafe.length > 0 && !allowUnsafeDurability) {
      throw new UnsafeDurabilityError(
        `refusing to start: the PostgreSQL server cannot make a commit durable (${unsafe.join(", ")}); ` +
          "turn these on, or set CUSTODIAN_ALLOW_UNSAFE_DURABILITY=true to accept losing acknowledged requests",
      );
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, driver: "postgres", close: () => db.destroy() };
}
