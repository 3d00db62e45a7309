import type { Connection as CallbackConnection } from "mysql2";
import type { Pool as MysqlPool } from "mysql2/promise";
import pg from "pg";
import type { Target } from "../../domain/request.schema.js";
import type { Category } from "../../domain/vocabulary.js";
import type { Problem } from "../../shared/validation.js";
import type { AccountRef, DataSource, FieldValue, Period, SourceRecord } from "./source.js";
import type { SqlQuery, SqlSourceSpec } from "./sources.config.js";
import { compileQuery } from "./sql.params.js";

/**
 * The `sql` kind: a provider's own PostgreSQL or MySQL/MariaDB database, asked through the queries of its
 * mapping file (docs/sources.md). Every session is read-only whatever the role (a read-only role is still
 * the provider's first line), carries a statement timeout, and records are streamed: PostgreSQL through a
 * cursor fetched a batch at a time, MySQL/MariaDB through the driver's row stream, which pauses the socket
 * while the package is written, so a category of any size is read in constant memory.
 */

type Row = Record<string, unknown>;

/** What the two drivers share: a one-shot query (with its column names) and a stream of rows. */
interface SqlSession {
  query(text: string, values: unknown[]): Promise<{ rows: Row[]; columns: string[] }>;
  stream(text: string, values: unknown[]): AsyncIterable<Row>;
}

interface SqlDriver extends SqlSession {
  /**
   * `work` on one connection inside one read-only repeatable-read transaction: every query and stream
   * of the session sees the database as it was when the first of them ran. Committed (nothing to commit)
   * or rolled back when `work` settles, and the connection given back or dropped.
   */
  snapshot<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const FETCH = 1000;
// The beginning of time for a period with no start: a query is always given a value for :from.
const EPOCH = new Date("1970-01-01T00:00:00Z");

function postgresDriver(spec: SqlSourceSpec): SqlDriver {
  const pool = new pg.Pool({
    connectionString: spec.url,
    max: spec.poolSize,
    connectionTimeoutMillis: spec.timeoutMs,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    // Read-only whatever the role may do, and no statement runs longer than the deployment allows.
    options: `-c default_transaction_read_only=on -c statement_timeout=${spec.statementTimeoutMs}`,
  });
  // An idle pooled connection the server drops must not bring the process down.
  pool.on("error", () => undefined);
  return {
    async query(text, values) {
      const result = await pool.query(text, values);
      return { rows: result.rows as Row[], columns: result.fields.map((f) => f.name) };
    },
    async *stream(text, values) {
      const client = await pool.connect();
      let done = false;
      let broken: Error | undefined;
      try {
        await client.query("begin transaction read only");
        await client.query(`declare custodian_read no scroll cursor for ${text}`, values);
        for (;;) {
          const batch = await client.query(`fetch ${FETCH} from custodian_read`);
          for (const row of batch.rows as Row[]) yield row;
          if (batch.rows.length < FETCH) break;
        }
        await client.query("commit");
        done = true;
      } finally {
        // Also when the reader stopped early (the production failed elsewhere): end the transaction, and
        // drop a connection that cannot.
        if (!done) {
          await client.query("rollback").catch((error: Error) => {
            broken = error;
          });
        }
        client.release(broken);
      }
    },
    async snapshot(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      let cursors = 0;
      try {
        await client.query("begin transaction isolation level repeatable read read only");
        const session: SqlSession = {
          async query(text, values) {
            const result = await client.query(text, values);
            return { rows: result.rows as Row[], columns: result.fields.map((f) => f.name) };
          },
          async *stream(text, values) {
            // A cursor of its own in the snapshot's transaction, closed however the reader stops.
            const cursor = `custodian_read_${++cursors}`;
            await client.query(`declare ${cursor} no scroll cursor for ${text}`, values);
            let open = true;
            try {
              for (;;) {
                const batch = await client.query(`fetch ${FETCH} from ${cursor}`);
                for (const row of batch.rows as Row[]) yield row;
                if (batch.rows.length < FETCH) break;
              }
              await client.query(`close ${cursor}`);
              open = false;
            } finally {
              // Left open only when the reader stopped early or a fetch failed: the transaction is then
              // rolled back at the end, which closes it, or the snapshot is already failing.
              if (open) await client.query(`close ${cursor}`).catch(() => undefined);
            }
          },
        };
        const result = await work(session);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch((failure: Error) => {
          broken = failure;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function mysqlDriver(spec: SqlSourceSpec): SqlDriver {
  // The driver is loaded when a deployment names a MySQL/MariaDB source, not by every process that starts.
  let loading: Promise<MysqlPool> | undefined;
  const pool = () => {
    loading ??= import("mysql2/promise").then(({ default: mysql }) =>
      mysql.createPool({
        uri: spec.url,
        connectionLimit: spec.poolSize,
        connectTimeout: spec.timeoutMs,
        // Dates in and out as UTC instants; big numbers as strings, never rounded.
        timezone: "Z",
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: false,
        maxIdle: 0,
        idleTimeout: 10_000,
      }),
    );
    return loading;
  };
  const prepared = new WeakSet<object>();
  async function connection() {
    const conn = await (await pool()).getConnection();
    if (!prepared.has(conn.connection)) {
      const [rows] = await conn.query("select version() as v");
      const mariadb = /mariadb/i.test(String((rows as Row[])[0]?.v));
      await conn.query("set session time_zone = '+00:00'");
      await conn.query("set session transaction read only");
      // MariaDB counts seconds, MySQL milliseconds (and only for SELECT, which is all a mapping may hold).
      await conn.query(
        mariadb
          ? `set session max_statement_time = ${spec.statementTimeoutMs / 1000}`
          : `set session max_execution_time = ${spec.statementTimeoutMs}`,
      );
      prepared.add(conn.connection);
    }
    return conn;
  }
  return {
    async query(text, values) {
      const conn = await connection();
      try {
        const [rows, fields] = await conn.query(text, values);
        return { rows: rows as Row[], columns: (fields ?? []).map((f) => f.name) };
      } finally {
        conn.release();
      }
    },
    async *stream(text, values) {
      const conn = await connection();
      let finished = false;
      try {
        // The callback API's row stream (the promise API buffers a result whole).
        const core = conn.connection as unknown as CallbackConnection;
        const rows = core.query(text, values).stream({ highWaterMark: FETCH });
        for await (const row of rows) yield row as Row;
        finished = true;
      } finally {
        // A stream left mid-way leaves rows on the wire: the connection cannot be reused.
        if (finished) conn.release();
        else conn.destroy();
      }
    },
    async snapshot(work) {
      const conn = await connection();
      let clean = false;
      try {
        // InnoDB's consistent snapshot: every read of the transaction sees the data as of its start.
        await conn.query("set transaction isolation level repeatable read");
        await conn.query("start transaction with consistent snapshot, read only");
        const core = conn.connection as unknown as CallbackConnection;
        const session: SqlSession = {
          async query(text, values) {
            const [rows, fields] = await conn.query(text, values);
            return { rows: rows as Row[], columns: (fields ?? []).map((f) => f.name) };
          },
          async *stream(text, values) {
            for await (const row of core.query(text, values).stream({ highWaterMark: FETCH })) yield row as Row;
          },
        };
        const result = await work(session);
        await conn.query("commit");
        clean = true;
        return result;
      } finally {
        // A stream left mid-way leaves rows on the wire, and a failed transaction is no state to reuse.
        if (clean) conn.release();
        else conn.destroy();
      }
    },
    close: async () => {
      if (loading !== undefined) await (await loading).end();
    },
  };
}

function value(column: string, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "string" || typeof raw === "boolean") return raw;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) throw new Error(`column ${column} is ${raw}, not a value`);
    return raw;
  }
  if (typeof raw === "bigint") return raw.toString();
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) throw new Error(`column ${column} is an invalid date`);
    return raw.toISOString();
  }
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString("base64");
  throw new Error(`column ${column} is ${Array.isArray(raw) ? "a list" : typeof raw}, not a single value`);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function instant(raw: unknown): Date | null {
  if (raw === null) return null;
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw;
  if (typeof raw === "string" && ISO_INSTANT.test(raw)) return new Date(raw);
  throw new Error(
    `column at is ${raw === undefined ? "missing" : JSON.stringify(String(raw)).slice(0, 60)}, not a time (or null)`,
  );
}

export interface SqlSource {
  source: DataSource;
  /** Connects and runs each query once without rows: what is wrong is returned, nothing thrown. */
  check(): Promise<Problem[]>;
  close(): Promise<void>;
}

export function openSqlSource(spec: SqlSourceSpec): SqlSource {
  const driver = spec.dialect === "postgresql" ? postgresDriver(spec) : mysqlDriver(spec);
  const compiled = (query: SqlQuery, params: Record<string, unknown>) => {
    const { text, order } = compileQuery(query.text, spec.dialect);
    return { text, values: order.map((name) => params[name] ?? null) };
  };
  // The same source over the pool, or over one snapshot's session (`snapshot`, docs/sources.md).
  const sourceOver = (session: SqlSession, snapshot?: DataSource["snapshot"]): DataSource => {
    const one = async (query: SqlQuery, params: Record<string, unknown>) => {
      const { text, values } = compiled(query, params);
      return (await session.query(text, values)).rows[0];
    };
    return {
      name: spec.name,
      columns: (category) => spec.categories[category]?.columns,
      async findAccount(target: Target): Promise<AccountRef | undefined> {
        const query = spec.find[target.type];
        if (!query) return undefined;
        const row = await one(query, { value: target.value.trim() });
        if (!row) return undefined;
        if (row.id === null || row.id === undefined) throw new Error(`${query.at}: returned a row without an id`);
        const id = String(value("id", row.id));
        return { id, label: row.label === null || row.label === undefined ? id : String(value("label", row.label)) };
      },
      async contactFor(account: AccountRef) {
        if (!spec.contact) return undefined;
        const row = await one(spec.contact, { account_id: account.id });
        if (!row || typeof row.email !== "string" || row.email === "") return undefined;
        return { email: row.email, name: typeof row.name === "string" ? row.name : account.label };
      },
      async *read(account: AccountRef, category: Category, period: Period): AsyncIterable<SourceRecord> {
        const entry = spec.categories[category];
        if (!entry) return;
        const { text, values } = compiled(entry.query, {
          account_id: account.id,
          from: period.from ?? EPOCH,
          to: period.to,
        });
        for await (const row of session.stream(text, values)) {
          const fields: Record<string, FieldValue> = {};
          for (const column of entry.columns) {
            if (!(column in row)) throw new Error(`a row without the column ${column}`);
            fields[column] = value(column, row[column]);
          }
          yield { at: instant(row.at), fields };
        }
      },
      ...(snapshot ? { snapshot } : {}),
    };
  };
  const source = sourceOver(driver, (work) => driver.snapshot((session) => work(sourceOver(session))));

  return {
    source,
    async check() {
      const problems: Problem[] = [];
      try {
        await driver.query("select 1", []);
      } catch (error) {
        return [{ path: `sources.${spec.name}`, message: `cannot reach the database: ${describe(error)}` }];
      }
      // Each query once, wrapped so that it returns no rows: its syntax, its tables and the columns it
      // returns are checked now rather than in the middle of a production.
      const probe = async (query: SqlQuery, needs: string[]) => {
        const { text, values } = compiled(query, {});
        try {
          const { columns } = await driver.query(`select * from (${text}) custodian_probe where 1 = 0`, values);
          const missing = needs.filter((c) => !columns.includes(c));
          if (missing.length > 0) {
            problems.push({ path: query.at, message: `returns no column ${missing.join(", ")}` });
          }
        } catch (error) {
          problems.push({ path: query.at, message: describe(error) });
        }
      };
      for (const query of Object.values(spec.find)) await probe(query, ["id"]);
      if (spec.contact) await probe(spec.contact, ["email", "name"]);
      for (const entry of Object.values(spec.categories)) await probe(entry.query, ["at", ...entry.columns]);
      return problems;
    },
    close: () => driver.close(),
  };
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string };
  const message = (e.message ?? String(error)).split("\n")[0] as string;
  return e.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
