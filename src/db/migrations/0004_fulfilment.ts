import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Fulfilment: the demo messenger's own user store (the built-in data
 * source), productions (encrypted packages, their wrapped keys and their chunks) and what each target of
 * a production yielded, which the transparency figures count.
 */

const STATEMENTS = [
  // The demo messenger's user store. A provider's real systems sit behind a connector instead; these
  // tables exist so that `custodian demo` and the tests fulfil requests against real rows.
  `create table messenger_account (
     id text primary key check (id ~ '^[0-9]{6,20}$'),
     username text not null unique check (username ~ '^[a-z0-9_.]{3,32}$'),
     display_name text not null check (length(display_name) between 1 and 200),
     email text check (email = lower(email) and email like '%_@_%'),
     phone text unique check (phone ~ '^\\+[1-9][0-9]{6,14}$'),
     created_at timestamptz not null,
     registration_ip inet not null,
     last_seen_at timestamptz
   )`,
  `create unique index messenger_account_email on messenger_account (email) where email is not null`,
  `create table messenger_login (
     id bigint generated always as identity primary key,
     account_id text not null references messenger_account (id),
     at timestamptz not null,
     ip inet not null,
     user_agent text not null
   )`,
  `create index messenger_login_account on messenger_login (account_id, at)`,
  `create table messenger_contact (
     id bigint generated always as identity primary key,
     account_id text not null references messenger_account (id),
     name text not null,
     phone text not null,
     added_at timestamptz not null
   )`,
  `create index messenger_contact_account on messenger_contact (account_id, added_at)`,
  `create table messenger_group (
     id text primary key,
     title text not null,
     kind text not null check (kind in ('group', 'channel')),
     created_at timestamptz not null
   )`,
  `create table messenger_membership (
     group_id text not null references messenger_group (id),
     account_id text not null references messenger_account (id),
     role text not null check (role in ('owner', 'admin', 'member')),
     joined_at timestamptz not null,
     primary key (group_id, account_id)
   )`,
  `create index messenger_membership_account on messenger_membership (account_id, joined_at)`,
  `create table messenger_post (
     id bigint primary key,
     account_id text not null references messenger_account (id),
     group_id text references messenger_group (id),
     body text not null,
     posted_at timestamptz not null
   )`,
  `create index messenger_post_account on messenger_post (account_id, posted_at)`,
  // Media are references to files in the messenger's blob store: the package carries the reference
  // and the file's digest, which an agency can ask for by a further request.
  `create table messenger_media (
     id bigint primary key,
     account_id text not null references messenger_account (id),
     file_name text not null,
     media_type text not null,
     size_bytes bigint not null check (size_bytes >= 0),
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     storage_ref text not null,
     uploaded_at timestamptz not null
   )`,
  `create index messenger_media_account on messenger_media (account_id, uploaded_at)`,
  // Messages are held only as end-to-end ciphertext; sender, recipient and time are the metadata
  // (records.connections) the server needs to route them.
  `create table messenger_message (
     id bigint primary key,
     sender_id text not null references messenger_account (id),
     recipient_id text not null references messenger_account (id),
     sent_at timestamptz not null,
     ciphertext bytea not null
   )`,
  `create index messenger_message_sender on messenger_message (sender_id, sent_at)`,
  `create index messenger_message_recipient on messenger_message (recipient_id, sent_at)`,

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
