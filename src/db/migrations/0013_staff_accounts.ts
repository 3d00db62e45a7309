import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Staff accounts are made by two admins and set up by their owner.
 * - `staff_change`: one admin proposes a staff account (`create`) or bringing a suspended member of staff
 *   back (`reactivate`), a second admin applies or rejects it. The second admin is never the proposer
 *   (checked here too) and must pass second-admin.ts: active before the proposal, not an account the
 *   proposer proposed or approved.
 * - `app_user.created_by`: the admin who proposed the account (null: an operator at the shell, or the demo).
 * - `staff_setup`: the one-time link that lets a new member of staff choose a password and enrol a second
 *   factor. Only the link's SHA-256 is kept; it expires, works once, and a new one revokes the old.
 */
const STATEMENTS = [
  "alter table app_user add column created_by uuid references app_user (id)",
  `create table staff_change (
     id uuid primary key default gen_random_uuid(),
     kind text not null check (kind in ('create', 'reactivate')),
     email text not null check (email = lower(email) and email like '%_@_%'),
     display_name text not null check (length(display_name) between 1 and 200),
     role text not null check (role in ('intake', 'reviewer', 'counsel', 'admin', 'auditor')),
     -- The account made (kind 'create', once applied) or changed (the other kinds).
     user_id uuid references app_user (id),
     status text not null default 'pending' check (status in ('pending', 'applied', 'rejected')),
     proposed_by uuid not null references app_user (id),
     proposed_at timestamptz not null,
     decided_by uuid references app_user (id),
     decided_at timestamptz,
     check (decided_by is null or decided_by <> proposed_by),
     check ((decided_by is null) = (decided_at is null) and (decided_at is null) = (status = 'pending'))
   )`,
  "create unique index staff_change_pending_email on staff_change (email) where status = 'pending'",
  "create index staff_change_user on staff_change (user_id) where user_id is not null",
  `create table staff_setup (
     token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
     user_id uuid not null references app_user (id),
     sent_by text not null,
     created_at timestamptz not null,
     expires_at timestamptz not null,
     used_at timestamptz,
     revoked_at timestamptz,
     check (used_at is null or revoked_at is null)
   )`,
  "create index staff_setup_user on staff_setup (user_id)",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table staff_setup`.execute(db);
  await sql`drop table staff_change`.execute(db);
  await sql`alter table app_user drop column created_by`.execute(db);
}
