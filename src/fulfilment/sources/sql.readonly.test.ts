import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHAT_QUERIES,
  type ChatLogin,
  type ProviderDb,
  type ProviderDialect,
  providerDatabase,
  sourcesDir,
  sourcesSpec,
} from "../../../test/support/sources.js";
import type { AccountRef, DataSource, Period } from "./source.js";
import type { SqlSourceSpec } from "./sources.config.js";
import { openSqlSource, type SqlSource } from "./sql.source.js";

/**
 * The `sql` kind against the machine's real MariaDB and PostgreSQL, connecting as a role that *may* write
 * (root, postgres), as a provider who skipped the read-only role would: Custodian's own session is
 * read-only all the same, on the pool and in a snapshot, so a mapping that writes is refused and nothing
 * changes. And a snapshot (both reads of a production, docs/sources.md) sees one state of the data while
 * another session changes it.
 */

const ALICE = { id: "1001", username: "alice", displayName: "Alice", email: "alice@chat.example" };
const LOGINS: ChatLogin[] = Array.from({ length: 30 }, (_, i) => ({
  userId: "1001",
  at: new Date(Date.parse("2020-08-01T00:00:00Z") + i * 3_600_000),
  ip: `198.51.100.${i}`,
  userAgent: "app/1001",
}));
const PERIOD: Period = { from: new Date("2020-07-01T00:00:00Z"), to: new Date("2020-10-01T00:00:00Z") };
// A mapping that writes: it finds the account by deleting it, and reads the logins by deleting them (on
// PostgreSQL, whose records come through a cursor that takes only a SELECT, by a SELECT that advances a
// sequence).
const LOGINS_QUERY =
  "select at, ip, user_agent from logins\n      where user_id = :account_id and at >= :from and at < :to\n      order by at, id";
const WRITING_READ: Record<ProviderDialect, string> = {
  mariadb: "delete from logins where user_id = :account_id and at >= :from and at < :to returning at, ip, user_agent",
  postgresql:
    "select at, ip, user_agent from logins where user_id = :account_id and nextval('logins_id_seq') > 0 order by at",
};
const writingQueries = (dialect: ProviderDialect) =>
  CHAT_QUERIES.replace(
    "account_id: select id, username as label from users where id = :value",
    "account_id: delete from users where id = :value returning id, username as label",
  ).replace(LOGINS_QUERY, WRITING_READ[dialect]);

const READ_ONLY: Record<ProviderDialect, RegExp> = {
  mariadb: /READ ONLY transaction/i,
  postgresql: /read-only transaction/,
};
describe.each(["mariadb", "postgresql"] as const)("the sql source on %s", (dialect) => {
  let provider: ProviderDb;
  const opened: SqlSource[] = [];
  const dirs: Array<{ remove(): Promise<void> }> = [];

  beforeAll(async () => {
    provider = await providerDatabase(dialect, [{ ...ALICE, createdAt: new Date("2019-03-01T10:00:00Z") }], LOGINS);
  }, 60_000);
  afterAll(async () => {
    for (const source of opened) await source.close();
    for (const dir of dirs) await dir.remove();
    await provider?.drop();
  });

  async function open(queries: string): Promise<SqlSource> {
    const dir = await sourcesDir({
      "chat.queries.yaml": queries,
      "sources.yaml":
        "version: 1\naccounts: chat\nsources:\n  chat:\n    kind: sql\n    urlEnv: CHAT_DATABASE_URL\n" +
        "    queries: chat.queries.yaml\ncategories:\n  records.ip_logs: chat\n",
    });
    dirs.push(dir);
    const spec = sourcesSpec(join(dir.dir, "sources.yaml"), { CHAT_DATABASE_URL: provider.url });
    const source = openSqlSource(spec.sources.chat as SqlSourceSpec);
    opened.push(source);
    return source;
  }

  /** A statement on the provider's database from a session of its own (autocommitted). */
  async function admin(text: string): Promise<unknown[]> {
    if (dialect === "mariadb") {
      const conn = await mysql.createConnection({ uri: provider.url, timezone: "Z" });
      try {
        const [rows] = await conn.query(text);
        return rows as unknown[];
      } finally {
        await conn.end();
      }
    }
    const client = new pg.Client({ connectionString: provider.url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }
  const counts = async () => {
    const [users] = (await admin("select count(*) as n from users")) as Array<{ n: unknown }>;
    const [logins] = (await admin("select count(*) as n from logins")) as Array<{ n: unknown }>;
    return { users: Number(users?.n), logins: Number(logins?.n) };
  };
  const account: AccountRef = { id: ALICE.id, label: ALICE.username };
  const drain = async (source: DataSource) => {
    let n = 0;
    for await (const _ of source.read(account, "records.ip_logs", PERIOD)) n += 1;
    return n;
  };

  it("refuses a mapping that writes, on the pool and in a snapshot, though the role may write", async () => {
    const { source } = await open(writingQueries(dialect));
    expect(writingQueries(dialect)).not.toContain(LOGINS_QUERY);
    const before = await counts();
    expect(before).toEqual({ users: 1, logins: LOGINS.length });
    const target = { type: "account_id", value: ALICE.id } as const;

    await expect(source.findAccount(target)).rejects.toThrow(READ_ONLY[dialect]);
    await expect(drain(source)).rejects.toThrow(READ_ONLY[dialect]);
    const snapshot = source.snapshot as NonNullable<DataSource["snapshot"]>;
    await expect(snapshot((view) => view.findAccount(target))).rejects.toThrow(READ_ONLY[dialect]);
    await expect(snapshot((view) => drain(view))).rejects.toThrow(READ_ONLY[dialect]);
    // Nothing was deleted, and the pool still answers afterwards.
    expect(await counts()).toEqual(before);
    const { source: reading } = await open(CHAT_QUERIES);
    expect(await reading.findAccount(target)).toEqual({ id: ALICE.id, label: ALICE.username });
  });

  it("reads from one state of the data within a snapshot while another session changes it", async () => {
    const { source } = await open(CHAT_QUERIES);
    const snapshot = source.snapshot as NonNullable<DataSource["snapshot"]>;
    const inserted =
      "insert into logins (user_id, at, ip, user_agent) values ('1001', '2020-08-20 12:00:00', '203.0.113.9', 'app/1001')";
    try {
      const seen = await snapshot(async (view) => {
        const first = await drain(view);
        await admin(inserted);
        const second = await drain(view);
        return { first, second, outside: await drain(source) };
      });
      expect(seen).toEqual({ first: LOGINS.length, second: LOGINS.length, outside: LOGINS.length + 1 });
      expect(await drain(source)).toBe(LOGINS.length + 1);
    } finally {
      await admin("delete from logins where ip = '203.0.113.9'");
    }
  });
});
