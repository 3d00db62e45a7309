import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Fulfilment: the demo messenger's own user store (the built-in data
 * source), productions (encrypted packages, their wrapped keys and their chunks) and what each target of
 * a production yielded, which the transparency figures count.
 */

const STATEMENTS = [
  // The demo messenger's user store was created here until round 2; it now belongs to the demo's own
  // data source (fulfilment/sources/messenger.store.ts), and 0016 moves it out of stores made before.
  // One production per fulfilment attempt. The archive is encrypted with a key of its own, kept here
  // only wrapped by a master key held outside the database (master_key_id says which).
  `create table production (
     id uuid primary key,
     request_id uuid not null references request (id),
     decision_id uuid not null references decision (id),
     agency_id uuid not null references agency (id),
     status text not null check (status in ('building', 'ready', 'downloaded', 'purged', 'failed')),
     started_by text not null,
     started_at timestamptz not null,
     heartbeat_at timestamptz not null,
     sealed_at timestamptz,
     expires_at timestamptz,
     purge_after timestamptz,
     downloaded_at timestamptz,
     downloaded_by uuid references app_user (id),
     purged_at timestamptz,
     -- Set to null on purge: without its key, any copy of the archive left anywhere is noise.
     wrapped_key bytea,
     master_key_id text not null check (master_key_id ~ '^[0-9a-f]{16}$'),
     chunk_size integer not null check (chunk_size between 4096 and 16777216),
     bag_name text not null,
     archive_bytes bigint,
     payload_bytes bigint,
     data_produced boolean,
     summary jsonb,
     check (status in ('building', 'failed', 'purged') or (sealed_at is not null and expires_at is not null
       and archive_bytes is not null and wrapped_key is not null)),
     check ((status = 'downloaded') = (downloaded_at is not null)),
     check (status <> 'purged' or wrapped_key is null)
   )`,
  // At most one live production per request: a failed or purged one may be followed by another.
  `create unique index production_one_live on production (request_id) where status in ('building', 'ready', 'downloaded')`,
  `create index production_purge on production (purge_after) where status in ('ready', 'downloaded')`,
  `create table production_chunk (
     production_id uuid not null references production (id),
     seq integer not null check (seq >= 0),
     data bytea not null,
     primary key (production_id, seq)
   )`,
  // Ciphertext does not compress: skip TOAST's attempt (pglz over every mebibyte) and store it as is.
  `alter table production_chunk alter column data set storage external`,
  // What each target yielded; `no_data` (no such account, or nothing within the period) is counted by
  // the transparency figures.
  `create table production_target (
     production_id uuid not null references production (id),
     position smallint not null,
     target text not null,
     account_ref text,
     result text not null check (result in ('data_produced', 'no_data')),
     records integer not null check (records >= 0),
     primary key (production_id, position)
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
