import { type ColumnType, type Generated, type Kysely, sql } from "kysely";
import type { Db, Tx } from "../../db/database.js";

/**
 * The demo messenger's user store: the rows the built-in data source fulfils from, so that `custodian demo`
 * and the tests produce packages from real rows. It is not part of Custodian's schema: it lives in a
 * PostgreSQL schema of its own, created by whoever fills it (the demo, a test) through
 * installMessengerStore, never by the product's migrations. A provider's real systems sit behind a data
 * source of their own instead.
 */

export const MESSENGER_SCHEMA = "messenger";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface MessengerAccountTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  phone: string | null;
  created_at: Timestamp;
  registration_ip: string;
  last_seen_at: Timestamp | null;
}

export interface MessengerLoginTable {
  id: Generated<number>;
  account_id: string;
  at: Timestamp;
  ip: string;
  user_agent: string;
}

export interface MessengerContactTable {
  id: Generated<number>;
  account_id: string;
  name: string;
  phone: string;
  added_at: Timestamp;
}

export interface MessengerGroupTable {
  id: string;
  title: string;
  kind: "group" | "channel";
  created_at: Timestamp;
}

export interface MessengerMembershipTable {
  group_id: string;
  account_id: string;
  role: "owner" | "admin" | "member";
  joined_at: Timestamp;
}

export interface MessengerPostTable {
  id: number;
  account_id: string;
  group_id: string | null;
  body: string;
  posted_at: Timestamp;
}

export interface MessengerMediaTable {
  id: number;
  account_id: string;
  file_name: string;
  media_type: string;
  size_bytes: number;
  sha256: string;
  storage_ref: string;
  uploaded_at: Timestamp;
}

export interface MessengerMessageTable {
  id: number;
  sender_id: string;
  recipient_id: string;
  sent_at: Timestamp;
  ciphertext: Uint8Array;
}

export interface MessengerDB {
  messenger_account: MessengerAccountTable;
  messenger_login: MessengerLoginTable;
  messenger_contact: MessengerContactTable;
  messenger_group: MessengerGroupTable;
  messenger_membership: MessengerMembershipTable;
  messenger_post: MessengerPostTable;
  messenger_media: MessengerMediaTable;
  messenger_message: MessengerMessageTable;
}

const STATEMENTS = [
  `create schema if not exists ${MESSENGER_SCHEMA}`,
  `create table if not exists messenger.messenger_account (
     id text primary key check (id ~ '^[0-9]{6,20}$'),
     username text not null unique check (username ~ '^[a-z0-9_.]{3,32}$'),
     display_name text not null check (length(display_name) between 1 and 200),
     email text check (email = lower(email) and email like '%_@_%'),
     phone text unique check (phone ~ '^\\+[1-9][0-9]{6,14}$'),
     created_at timestamptz not null,
     registration_ip inet not null,
     last_seen_at timestamptz
   )`,
  `create unique index if not exists messenger_account_email on messenger.messenger_account (email) where email is not null`,
  `create table if not exists messenger.messenger_login (
     id bigint generated always as identity primary key,
     account_id text not null references messenger.messenger_account (id),
     at timestamptz not null,
     ip inet not null,
     user_agent text not null
   )`,
  `create index if not exists messenger_login_account on messenger.messenger_login (account_id, at)`,
  `create table if not exists messenger.messenger_contact (
     id bigint generated always as identity primary key,
     account_id text not null references messenger.messenger_account (id),
     name text not null,
     phone text not null,
     added_at timestamptz not null
   )`,
  `create index if not exists messenger_contact_account on messenger.messenger_contact (account_id, added_at)`,
  `create table if not exists messenger.messenger_group (
     id text primary key,
     title text not null,
     kind text not null check (kind in ('group', 'channel')),
     created_at timestamptz not null
   )`,
  `create table if not exists messenger.messenger_membership (
     group_id text not null references messenger.messenger_group (id),
     account_id text not null references messenger.messenger_account (id),
     role text not null check (role in ('owner', 'admin', 'member')),
     joined_at timestamptz not null,
     primary key (group_id, account_id)
   )`,
  `create index if not exists messenger_membership_account on messenger.messenger_membership (account_id, joined_at)`,
  `create table if not exists messenger.messenger_post (
     id bigint primary key,
     account_id text not null references messenger.messenger_account (id),
     group_id text references messenger.messenger_group (id),
     body text not null,
     posted_at timestamptz not null
   )`,
  `create index if not exists messenger_post_account on messenger.messenger_post (account_id, posted_at)`,
  // Media are references to files in the messenger's blob store: the package carries the reference
  // and the file's digest, which an agency can ask for by a further request.
  `create table if not exists messenger.messenger_media (
     id bigint primary key,
     account_id text not null references messenger.messenger_account (id),
     file_name text not null,
     media_type text not null,
     size_bytes bigint not null check (size_bytes >= 0),
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     storage_ref text not null,
     uploaded_at timestamptz not null
   )`,
  `create index if not exists messenger_media_account on messenger.messenger_media (account_id, uploaded_at)`,
  // Messages are held only as end-to-end ciphertext; sender, recipient and time are the metadata
  // (records.connections) the server needs to route them.
  `create table if not exists messenger.messenger_message (
     id bigint primary key,
     sender_id text not null references messenger.messenger_account (id),
     recipient_id text not null references messenger.messenger_account (id),
     sent_at timestamptz not null,
     ciphertext bytea not null
   )`,
  `create index if not exists messenger_message_sender on messenger.messenger_message (sender_id, sent_at)`,
  `create index if not exists messenger_message_recipient on messenger.messenger_message (recipient_id, sent_at)`,
];

/** Creates the store where it is missing; safe to run again, and by two processes at once. */
export async function installMessengerStore(db: Db): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // `create ... if not exists` is not safe against a concurrent create of the same name on PostgreSQL.
    await sql`select pg_advisory_xact_lock(hashtext('custodian.messenger_store'))`.execute(tx);
    for (const statement of STATEMENTS) await sql.raw(statement).execute(tx);
  });
}

export async function messengerStoreInstalled(db: Db | Tx): Promise<boolean> {
  const table = `${MESSENGER_SCHEMA}.messenger_account`;
  const { rows } = await sql<{ installed: boolean }>`select to_regclass(${table}) is not null as installed`.execute(db);
  return rows[0]?.installed === true;
}

/** The store's tables, typed, on the same connection (or transaction) as Custodian's own. */
export function messengerStore(db: Db | Tx): Kysely<MessengerDB> {
  return (db as unknown as Kysely<MessengerDB>).withSchema(MESSENGER_SCHEMA);
}
