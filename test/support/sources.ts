import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { readSourcesFile, type SourcesSpec } from "../../src/fulfilment/sources/sources.config.js";
import { ValidationError } from "../../src/shared/validation.js";

/**
 * A provider's own database for the `sql` kind, on the machine's real servers: MariaDB at 127.0.0.1:3306
 * (root, no password) and PostgreSQL at 127.0.0.1:5432. Each call creates a database of its own, with a
 * unique name, holding a small chat service's `users` and `logins`, and `drop()` removes it; the servers
 * themselves are never stopped or reconfigured.
 */

export const MARIADB_ADMIN = process.env.TEST_MARIADB_URL ?? "mysql://root@127.0.0.1:3306";
export const POSTGRES_ADMIN = process.env.TEST_SOURCES_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type ProviderDialect = "mariadb" | "postgresql";

export interface ProviderDb {
  url: string;
  drop(): Promise<void>;
}

export interface ChatUser {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  createdAt: Date;
}
export interface ChatLogin {
  userId: string;
  at: Date;
  ip: string;
  userAgent: string;
}

const MARIADB_DDL = [
  `create table users (
     id varchar(20) primary key, username varchar(32) not null unique, display_name varchar(200) not null,
     email varchar(254), created_at datetime(3) not null)`,
  `create table logins (
     id bigint auto_increment primary key, user_id varchar(20) not null, at datetime(3) not null,
     ip varchar(45) not null, user_agent varchar(200) not null, index logins_user (user_id, at))`,
];
const POSTGRES_DDL = [
  `create table users (
     id text primary key, username text not null unique, display_name text not null, email text,
     created_at timestamptz not null)`,
  `create table logins (
     id bigint generated always as identity primary key, user_id text not null, at timestamptz not null,
     ip text not null, user_agent text not null)`,
  "create index logins_user on logins (user_id, at)",
];

/** A new database on the dialect's server, with the chat tables and the given rows. */
export async function providerDatabase(
  dialect: ProviderDialect,
  users: ChatUser[],
  logins: ChatLogin[],
): Promise<ProviderDb> {
  const name = `custodian_src_${randomBytes(6).toString("hex")}`;
  const userRows = users.map((u) => [u.id, u.username, u.displayName, u.email, u.createdAt]);
  const loginRows = logins.map((l) => [l.userId, l.at, l.ip, l.userAgent]);
  if (dialect === "mariadb") {
    const admin = await mysql.createConnection({ uri: MARIADB_ADMIN, timezone: "Z" });
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = `${MARIADB_ADMIN.replace(/\/$/, "")}/${name}`;
    const conn = await mysql.createConnection({ uri: url, timezone: "Z" });
    await conn.query("set session time_zone = '+00:00'");
    for (const ddl of MARIADB_DDL) await conn.query(ddl);
    if (userRows.length > 0) {
      await conn.query("insert into users (id, username, display_name, email, created_at) values ?", [userRows]);
    }
    for (let i = 0; i < loginRows.length; i += 2000) {
      await conn.query("insert into logins (user_id, at, ip, user_agent) values ?", [loginRows.slice(i, i + 2000)]);
    }
    await conn.end();
    return {
      url,
      async drop() {
        const c = await mysql.createConnection({ uri: MARIADB_ADMIN });
        await c.query(`drop database if exists ${name}`);
        await c.end();
      },
    };
  }
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const parsed = new URL(POSTGRES_ADMIN);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const ddl of POSTGRES_DDL) await client.query(ddl);
  for (const row of userRows) {
    await client.query(
      "insert into users (id, username, display_name, email, created_at) values ($1, $2, $3, $4, $5)",
      row,
    );
  }
  for (let i = 0; i < loginRows.length; i += 2000) {
    const batch = loginRows.slice(i, i + 2000);
    await client.query(
      "insert into logins (user_id, at, ip, user_agent) select * from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[])",
      [0, 1, 2, 3].map((k) => batch.map((r) => r[k])),
    );
  }
  await client.end();
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The chat service's mapping file: the same SQL runs on MariaDB and PostgreSQL. */
export const CHAT_QUERIES = `# What the chat service holds, category by category (docs/sources.md).
accounts:
  find:
    account_id: select id, username as label from users where id = :value
    username: select id, username as label from users where username = lower(:value)
    email: select id, username as label from users where email = lower(:value)
  contact: select email, display_name as name from users where id = :account_id
categories:
  subscriber.name:
    columns: [display_name]
    query: select null as at, display_name from users where id = :account_id
  subscriber.email:
    columns: [email]
    query: select null as at, email from users where id = :account_id and email is not null
  records.ip_logs:
    columns: [ip, user_agent]
    query: |
      select at, ip, user_agent from logins
      where user_id = :account_id and at >= :from and at < :to
      order by at, id
`;

/** A directory with a sources file (and whatever other files are given), removed by `remove()`. */
export async function sourcesDir(files: Record<string, string>): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "custodian-sources-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads a sources file as loadConfig does, throwing the problems found. */
export function sourcesSpec(file: string, env: NodeJS.ProcessEnv = {}): SourcesSpec {
  const problems: { path: string; message: string }[] = [];
  const spec = readSourcesFile(file, env, problems);
  if (!spec) throw new ValidationError(problems, file);
  return spec;
}
