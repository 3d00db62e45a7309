import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The demo messenger's user store leaves the product's schema: it is the
 * demo's data source, which creates it itself (fulfilment/sources/messenger.store.ts), in a PostgreSQL
 * schema of its own. A store migrated before round 2 got its tables from 0004; they move, rows and all,
 * to that schema, so a demo directory keeps the accounts its requests were fulfilled from. A store made
 * since never had them, and this does nothing.
 */
const TABLES = [
  "messenger_account",
  "messenger_login",
  "messenger_contact",
  "messenger_group",
  "messenger_membership",
  "messenger_post",
  "messenger_media",
  "messenger_message",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const moves = TABLES.map((table) => `alter table public.${table} set schema messenger;`).join("\n      ");
  await sql
    .raw(`do $$
    begin
      if to_regclass('public.messenger_account') is not null then
      create schema if not exists messenger;
      ${moves}
      end if;
    end $$`)
    .execute(db);
}
