import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Who may come in and how: credentials and second factors, sessions,
 * API tokens, e-mail confirmation, call-backs made to numbers on file, two-admin changes to an agency's
 * domains and phone, the outbox, and uploaded documents kept with the request that cites them.
 */

const STATEMENTS = [
  // Officers pass through: registered (pending) → e-mail confirmed → second factor enrolled → activated
  // by staff after a call-back. Staff accounts are created by an admin with their factor enrolled.
  `alter table app_user
     add column password_hash text check (password_hash like '$argon2id$%'),
     add column totp_secret text check (totp_secret ~ '^[A-Z2-7]{32}$'),
     add column totp_enrolled_at timestamptz,
     -- The last TOTP time step accepted: a code is good once, so an overheard code cannot be replayed.
     add column totp_last_step bigint,
     add column email_confirmed_at timestamptz,
     add column activated_at timestamptz,
     add column activated_by uuid references app_user (id),
     -- Set when an account's behaviour (a flood of emergencies) needs a second look before it is trusted.
     add column flagged_at timestamptz,
     add column flag_reason text,
     add column updated_at timestamptz not null default now(),
     add check (activated_by is null or activated_by <> id)`,

  `create table email_confirmation (
     token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
     user_id uuid not null references app_user (id),
     expires_at timestamptz not null,
     used_at timestamptz,
     created_at timestamptz not null default now()
   )`,
  `create index email_confirmation_user on email_confirmation (user_id)`,

  // The session id itself never rests in the database, only its SHA-256: a leaked table opens nothing.
  `create table user_session (
     id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
     user_id uuid not null references app_user (id),
     csrf_hash text not null check (csrf_hash ~ '^[0-9a-f]{64}$'),
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     last_seen_at timestamptz not null default now(),
     revoked_at timestamptz,
     revoked_reason text,
     user_agent text
   )`,
  `create index user_session_user on user_session (user_id) where revoked_at is null`,

  `create table api_token (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references app_user (id),
     name text not null check (length(name) between 1 and 100),
     token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
     scopes text[] not null check (cardinality(scopes) >= 1 and scopes <@ array['requests:read', 'requests:write']::text[]),
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     revoked_at timestamptz,
     last_used_at timestamptz,
     check (expires_at > created_at)
   )`,
  `create index api_token_user on api_token (user_id) where revoked_at is null`,

  // A call-back is made to the number on file, never to one an applicant or a request supplied; the
  // number dialled is recorded so an auditor can see it was the one on file at the time.
  `create table callback (
     id uuid primary key default gen_random_uuid(),
     subject_type text not null check (subject_type in ('user', 'request')),
     subject_id uuid not null,
     agency_id uuid not null references agency (id),
     called_number text not null check (called_number ~ '^\\+[1-9][0-9]{6,14}$'),
     outcome text not null check (outcome in ('confirmed', 'not_confirmed')),
     note text not null check (length(note) between 1 and 2000),
     made_by uuid not null references app_user (id),
     made_at timestamptz not null default now()
   )`,
  `create index callback_subject on callback (subject_type, subject_id)`,

  // Changes to what vouches for an agency (its domains, its phone) take two admins: one proposes, another
  // approves, so one hijacked admin account cannot redirect verification to an attacker.
  `create table agency_change (
     id uuid primary key default gen_random_uuid(),
     agency_id uuid not null references agency (id),
     kind text not null check (kind in ('add_domain', 'remove_domain', 'set_phone')),
     value text not null check (length(value) between 1 and 253),
     status text not null default 'pending' check (status in ('pending', 'applied', 'rejected')),
     proposed_by uuid not null references app_user (id),
     proposed_at timestamptz not null default now(),
     decided_by uuid references app_user (id),
     decided_at timestamptz,
     check (decided_by is null or decided_by <> proposed_by)
   )`,
  `create index agency_change_pending on agency_change (agency_id) where status = 'pending'`,

  // Outgoing mail is written in the transaction that causes it and sent afterwards (SMTP when configured);
  // a mail is never lost with a crash between the change and the send, nor sent for a change rolled back.
  `create table mail_outbox (
     id bigint generated always as identity primary key,
     recipient text not null check (recipient like '%_@_%'),
     subject text not null check (length(subject) between 1 and 300),
     body text not null,
     purpose text not null check (purpose ~ '^[a-z_]+\\.[a-z_]+$'),
     not_before timestamptz not null default now(),
     status text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'held')),
     attempts integer not null default 0,
     last_error text,
     created_at timestamptz not null default now(),
     sent_at timestamptz
   )`,
  `create index mail_outbox_due on mail_outbox (not_before) where status = 'pending'`,

  // Who submitted a request over the API, and the documents themselves (size-limited at the edge).
  `alter table request
     add column submitted_by uuid references app_user (id),
     add column follow_up_due_at timestamptz`,
  `create index request_submitted_by on request (submitted_by, received_at)`,
  `create index request_queue on request (status, deadline_at, id)`,
  `alter table request_document
     add column media_type text,
     add column size_bytes integer check (size_bytes >= 0),
     add column content bytea,
     add check (content is null or (size_bytes = octet_length(content) and media_type is not null))`,
  `create index request_document_sha256 on request_document (sha256)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
