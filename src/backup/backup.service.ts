import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import { sql } from "kysely";
import type { Database, Db, Tx } from "../db/database.js";
import { LATEST_MIGRATION } from "../db/migrate.js";
import { packageVersion } from "../shared/package.js";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupColumn,
  BackupFileError,
  type BackupHeader,
  type BackupRow,
  type BackupTable,
  readBackup,
} from "./backup.format.js";

/**
 * `custodian backup` and `custodian restore`: every table of the product, read in one snapshot and written
 * as one checked stream (backup.format.ts); brought back into an empty store in one transaction.
 *
 * The tables are enumerated from the database itself (every table in the schema but the migrator's own
 * bookkeeping, which restore recreates by migrating), so a table a later migration adds is carried without
 * anyone remembering to list it.
 */

/** Kysely's migration bookkeeping: recreated by migrating the target, never copied. */
const MIGRATOR_TABLES = ["kysely_migration", "kysely_migration_lock"];

/**
 * The sealer's watermark is a transaction id of the database it was written in, meaningless in another one.
 * The restoring database keeps its own (at most its current transaction id), and every restored event is
 * stamped with the restoring transaction's id by the audit_event_digest trigger, which restore leaves
 * enabled: events the source had sealed stay in the chain as they were, and those it had not sealed yet are
 * sealed after the restore, in order, as any other committed event.
 */
const SEAL_STATE = "audit_seal_state";
const AUDIT_EVENT = "audit_event";

export interface BackupSummary {
  file: string;
  bytes: number;
  sha256: string;
  migration: string;
  tables: number;
  rows: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function catalogTables(db: Db | Tx): Promise<Array<Omit<BackupTable, "rows">>> {
  const { rows } = await sql<{ table: string; name: string | null; type: string | null; binary: boolean | null }>`
    select c.relname as "table", a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           a.atttypid = 'bytea'::regtype as "binary"
      from pg_class c
      left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
     where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
       and c.relname not in (${sql.raw(MIGRATOR_TABLES.map((t) => `'${t}'`).join(", "))})
     order by c.relname, a.attnum`.execute(db);
  const tables = new Map<string, BackupColumn[]>();
  for (const row of rows) {
    const columns = tables.get(row.table) ?? [];
    if (row.name !== null) columns.push({ name: row.name, type: row.type as string, binary: row.binary === true });
    tables.set(row.table, columns);
  }
  return [...tables].map(([name, columns]) => ({ name, columns }));
}

async function schemaMigration(db: Db | Tx): Promise<string> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(
    db,
  );
  return rows[0]?.name ?? "(none)";
}

/** The text a column is written as: PostgreSQL's own text form, bytea as base64 on one line. */
function exportExpression(column: BackupColumn, index: number): string {
  const value = column.binary
    ? `translate(encode(${quote(column.name)}, 'base64'), E'\\n', '')`
    : `${quote(column.name)}::text`;
  return `${value} as c${index}`;
}

async function writeLine(sink: Writable, line: Buffer): Promise<void> {
  if (!sink.write(line)) await once(sink, "drain");
}

/**
 * Write every table in one snapshot to `out` (through `out.partial`, renamed once complete and flushed, so
 * an interrupted backup never leaves a file that looks whole). On PostgreSQL the snapshot is SERIALIZABLE
 * READ ONLY DEFERRABLE: consistent, and never a cause of anyone else's serialization failure; writers go
 * on meanwhile. An embedded directory is opened by one process at a time, so there the server is stopped.
 */
export async function writeBackup(database: Database, out: string): Promise<BackupSummary> {
  const partial = `${out}.partial`;
  const file: WriteStream = createWriteStream(partial, { mode: 0o600 });
  const gzip = out.endsWith(".gz") ? createGzip() : undefined;
  gzip?.pipe(file);
  const sink: Writable = gzip ?? file;
  const failed = new Promise<never>((_, reject) => {
    file.once("error", reject);
    gzip?.once("error", reject);
  });
  failed.catch(() => {});
  const hash = createHash("sha256");
  const emit = (value: unknown) => {
    const line = Buffer.from(`${JSON.stringify(value)}\n`);
    hash.update(line);
    return Promise.race([writeLine(sink, line), failed]);
  };
  try {
    const { header, rows } = await database.db.transaction().execute(async (tx) => {
      const level =
        database.driver === "postgres"
          ? "serializable, read only, deferrable"
          : // One process holds the directory: nothing else writes; repeatable read is the same snapshot.
            "repeatable read, read only";
      await sql.raw(`set transaction isolation level ${level}`).execute(tx);
      const tables: BackupTable[] = [];
      for (const table of await catalogTables(tx)) {
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::bigint as n from ${sql.raw(quote(table.name))}`.execute(tx);
        tables.push({ ...table, rows: Number(rows[0]?.n ?? 0) });
      }
      const sequences = await sql<{ name: string; value: string | null }>`
        select sequencename as name, last_value::text as value from pg_sequences
         where schemaname = current_schema() order by sequencename`
        .execute(tx)
        .then((r) => r.rows);
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        createdAt: new Date().toISOString(),
        custodian: packageVersion(),
        driver: database.driver,
        migration: await schemaMigration(tx),
        tables,
        sequences,
      };
      await emit(header);
      let total = 0;
      for (const table of tables) {
        await emit({ table: table.name });
        if (table.columns.length === 0) continue;
        const select = table.columns.map(exportExpression).join(", ");
        await sql
          .raw(`declare backup_rows no scroll cursor for select ${select} from ${quote(table.name)}`)
          .execute(tx);
        // A page of rows in memory at a time; rows with bytea hold up to a MiB each (production chunks).
        const page = table.columns.some((c) => c.binary) ? 8 : 2000;
        let written = 0;
        for (;;) {
          const { rows } = await sql.raw<Record<string, string | null>>(`fetch ${page} from backup_rows`).execute(tx);
          for (const row of rows) {
            await emit(table.columns.map((_, i) => row[`c${i}`] ?? null));
          }
          written += rows.length;
          if (rows.length < page) break;
        }
        await sql.raw("close backup_rows").execute(tx);
        if (written !== table.rows)
          throw new Error(`${table.name}: read ${written} rows in a snapshot that counted ${table.rows}`);
        total += written;
      }
      return { header, rows: total };
    });
    const sha256 = hash.digest("hex");
    const end = Buffer.from(`${JSON.stringify({ end: true, sha256 })}\n`);
    await Promise.race([writeLine(sink, end), failed]);
    sink.end();
    await Promise.race([once(file, "close"), failed]);
    const handle = await open(partial, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, out);
    return {
      file: out,
      bytes: (await stat(out)).size,
      sha256,
      migration: header.migration,
      tables: header.tables.length,
      rows,
    };
  } catch (error) {
    sink.destroy();
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * Read a backup file through to its end line without touching any store: structure, row counts and the
 * checksum, and that this build's schema is the one it was taken at. Restore does this first, so a damaged
 * file is refused before a store is even opened (and checks again while it writes, in case the file changes).
 */
export async function checkBackupFile(file: string): Promise<BackupHeader> {
  const { header, lines } = await readBackup(file);
  if (header.migration !== LATEST_MIGRATION) {
    throw new BackupFileError(
      file,
      `it was taken at schema ${header.migration} and this custodian is at ${LATEST_MIGRATION}; ` +
        "restore it with the custodian version that wrote it, then upgrade",
    );
  }
  for await (const _line of lines) {
    // Reading is checking: readBackup throws at the first problem.
  }
  return header;
}

export interface RestoreSummary {
  migration: string;
  tables: number;
  rows: number;
  sequences: number;
}

const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_ROWS = 2000;

/**
 * Bring a backup into an empty store, in one transaction: all of it or, on any problem (a non-empty store,
 * a schema that differs, a damaged file noticed late), none of it.
 *
 * While the rows go in, foreign keys are dropped and put back afterwards (which checks every row against
 * them at once, whatever order tables and rows came in), and the tables' own triggers are off: the rows
 * arrive as the source's triggers had already left them (report rollups, decisions in force, phone numbers
 * on file), and firing them again would count twice. The audit trail's digest trigger stays on (see
 * SEAL_STATE). Sequences are set to the source's values.
 */
export async function restoreBackup(database: Database, file: string): Promise<RestoreSummary> {
  const { header, lines } = await readBackup(file);
  if (header.migration !== LATEST_MIGRATION) {
    throw new BackupFileError(file, `it was taken at schema ${header.migration}; this store is at ${LATEST_MIGRATION}`);
  }
  return database.db.transaction().execute(async (tx) => {
    const present = await catalogTables(tx);
    const migration = await schemaMigration(tx);
    if (migration !== header.migration) {
      throw new BackupFileError(file, `it was taken at schema ${header.migration}; this store is at ${migration}`);
    }
    const signature = (t: Omit<BackupTable, "rows">) =>
      `${t.name}(${t.columns.map((c) => `${c.name} ${c.type}`).join(", ")})`;
    const expected = new Map(present.map((t) => [t.name, signature(t)]));
    for (const table of header.tables) {
      const here = expected.get(table.name);
      if (here === undefined) throw new BackupFileError(file, `this store has no table ${table.name}`);
      if (here !== signature(table)) {
        throw new BackupFileError(
          file,
          `table ${table.name} differs: the backup has ${signature(table)}, this store ${here}`,
        );
      }
      expected.delete(table.name);
    }
    if (expected.size > 0) {
      throw new BackupFileError(file, `it has no table ${[...expected.keys()].join(", ")}, which this store has`);
    }

    const names = header.tables.map((t) => quote(t.name));
    await sql.raw(`lock table ${names.join(", ")} in access exclusive mode`).execute(tx);
    const occupied: string[] = [];
    for (const table of header.tables) {
      if (table.name === SEAL_STATE) continue;
      const { rows } = await sql<{
        any: boolean;
      }>`select exists (select 1 from ${sql.raw(quote(table.name))}) as "any"`.execute(tx);
      if (rows[0]?.any) occupied.push(table.name);
    }
    if (occupied.length > 0) {
      throw new BackupFileError(
        file,
        `the store is not empty (rows in ${occupied.slice(0, 5).join(", ")}${occupied.length > 5 ? ", …" : ""}); restore only into a new, empty store`,
      );
    }

    const foreignKeys = await sql<{ table: string; name: string; definition: string }>`
      select conrelid::regclass::text as "table", conname as name, pg_get_constraintdef(oid) as definition
        from pg_constraint where contype = 'f' and connamespace = current_schema()::regnamespace
       order by conrelid::regclass::text, conname`
      .execute(tx)
      .then((r) => r.rows);
    for (const fk of foreignKeys)
      await sql.raw(`alter table ${fk.table} drop constraint ${quote(fk.name)}`).execute(tx);
    const withTriggersOff = header.tables.filter((t) => t.name !== AUDIT_EVENT).map((t) => quote(t.name));
    for (const name of withTriggersOff) await sql.raw(`alter table ${name} disable trigger user`).execute(tx);

    let rows = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    let current: BackupTable | undefined;
    const flush = async () => {
      if (!current || batch.length === 0) return;
      const casts = current.columns
        .map((c, i) => (c.binary ? `decode(r->>${i}, 'base64')` : `(r->>${i})::${c.type}`))
        .join(", ");
      const columns = current.columns.map((c) => quote(c.name)).join(", ");
      await sql`${sql.raw(`insert into ${quote(current.name)} (${columns}) overriding system value select ${casts} from json_array_elements(`)}${`[${batch.join(",")}]`}${sql.raw("::json) as rows(r)")}`.execute(
        tx,
      );
      rows += batch.length;
      batch = [];
      batchBytes = 0;
    };
    for await (const line of lines) {
      if (line.kind === "table") {
        await flush();
        current = line.table;
      } else if (line.kind === "row") {
        if (line.table.name === SEAL_STATE) continue;
        const text = JSON.stringify(line.row satisfies BackupRow);
        batch.push(text);
        batchBytes += text.length;
        if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_ROWS) await flush();
      } else {
        await flush();
      }
    }

    let sequences = 0;
    for (const sequence of header.sequences) {
      if (sequence.value === null) continue;
      await sql`select setval(${quote(sequence.name)}, ${sequence.value}::bigint, true)`.execute(tx);
      sequences += 1;
    }
    for (const name of withTriggersOff) await sql.raw(`alter table ${name} enable trigger user`).execute(tx);
    for (const fk of foreignKeys) {
      await sql.raw(`alter table ${fk.table} add constraint ${quote(fk.name)} ${fk.definition}`).execute(tx);
    }
    return { migration: header.migration, tables: header.tables.length, rows, sequences };
  });
}
