import { type Kysely, sql } from "kysely";

/**
 * Frozen: this file imports no application code and is never edited once released; a change to the
 * schema is a new numbered migration. It runs unchanged on PGlite (PostgreSQL 18) and on PostgreSQL 15,
 * so it uses nothing newer than 15 (no uuidv7()). The vocabulary lists below are copies on purpose:
 * the database checks what it stores by itself, whatever code writes to it.
 */

const STATEMENTS = [
  // Agencies and the e-mail domains an admin verified for them. The phone on file is what call-backs
  // dial; it is recorded before any officer registers, never taken from an applicant.
  `create table agency (
     id uuid primary key default gen_random_uuid(),
     name text not null check (length(name) between 1 and 200),
     jurisdiction text not null check (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
     phone_on_file text check (phone_on_file ~ '^\\+[1-9][0-9]{6,14}$'),
     status text not null default 'active' check (status in ('active', 'suspended')),
     created_at timestamptz not null default now()
   )`,
  `create table agency_domain (
     agency_id uuid not null references agency (id),
     domain text not null check (domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
     verified_at timestamptz not null default now(),
     verified_by text not null,
     primary key (domain)
   )`,
  `create index agency_domain_agency on agency_domain (agency_id)`,

  `create table app_user (
     id uuid primary key default gen_random_uuid(),
     email text not null unique check (email = lower(email) and email like '%_@_%'),
     display_name text not null check (length(display_name) between 1 and 200),
     role text not null check (role in ('agency', 'intake', 'reviewer', 'counsel', 'admin', 'auditor')),
     agency_id uuid references agency (id),
     status text not null default 'active' check (status in ('pending', 'active', 'suspended')),
     created_at timestamptz not null default now(),
     check ((role = 'agency') = (agency_id is not null))
   )`,

  // Every policy version ever activated, kept verbatim so any past decision can be re-read.
  `create table policy_version (
     id uuid primary key default gen_random_uuid(),
     name text not null,
     version text not null,
     document text not null,
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     active boolean not null default false,
     created_at timestamptz not null default now(),
     activated_at timestamptz,
     unique (name, version)
   )`,
  `create unique index policy_version_one_active on policy_version (active) where active`,

  `create table request (
     id uuid primary key default gen_random_uuid(),
     agency_id uuid not null references agency (id),
     reference text not null check (length(reference) between 1 and 128),
     received_at timestamptz not null,
     jurisdiction text not null check (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
     process text not null check (process in ('subpoena', 'court_order', 'search_warrant', 'emergency',
       'preservation', 'mlat', 'national_security', 'informal')),
     issued_by text,
     findings text[] not null default '{}',
     categories text[] not null check (cardinality(categories) between 1 and 15 and categories <@ array[
       'subscriber.name', 'subscriber.email', 'subscriber.phone', 'subscriber.ip_address', 'subscriber.created_at',
       'subscriber.billing', 'records.ip_logs', 'records.contacts', 'records.groups', 'records.connections',
       'records.last_seen', 'content.messages', 'content.posts', 'content.media', 'content.location']::text[]),
     agency_verified boolean not null,
     emergency_justification text,
     emergency_verified boolean,
     date_from date,
     date_to date,
     non_disclosure_until date,
     original_document text not null,
     original_sha256 text not null check (original_sha256 ~ '^[0-9a-f]{64}$'),
     status text not null check (status in ('received', 'verifying', 'under_review', 'approved', 'rejected',
       'fulfilling', 'delivered', 'closed', 'on_hold', 'preserved', 'withdrawn')),
     -- Where a paused jurisdiction found the request, so resuming knows where it left off.
     held_from text check (held_from in ('received', 'verifying', 'under_review', 'approved', 'fulfilling')),
     deadline_at timestamptz,
     version integer not null default 1,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (agency_id, reference),
     check (emergency_justification is null or process = 'emergency'),
     check (date_from is null or date_to is null or date_from <= date_to)
   )`,
  `create index request_status on request (status, jurisdiction)`,
  `create index request_jurisdiction on request (jurisdiction, received_at)`,

  `create table request_target (
     request_id uuid not null references request (id),
     position smallint not null check (position >= 0),
     type text not null check (type in ('account_id', 'username', 'email', 'phone')),
     value text not null check (length(value) between 1 and 254),
     primary key (request_id, position),
     unique (request_id, type, value)
   )`,

  `create table request_document (
     request_id uuid not null references request (id),
     position smallint not null check (position >= 0),
     name text not null,
     sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
     primary key (request_id, position)
   )`,

  // Every decision ever made for a request; the newest is the one in force. A resumed pause or a new
  // policy adds a decision, it never rewrites the old one.
  `create table decision (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references request (id),
     sequence integer not null check (sequence >= 1),
     policy_name text not null,
     policy_version text not null,
     outcome text not null check (outcome in ('hold', 'preserve', 'comply_full', 'comply_partial', 'no_data', 'reject')),
     needs_review boolean not null,
     review_reasons jsonb not null,
     items jsonb not null,
     cause text not null check (cause in ('intake', 'resume', 'pause', 'policy_change', 'verification')),
     note text,
     decided_at timestamptz not null default now(),
     unique (request_id, sequence)
   )`,

  `create table review (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references request (id),
     decision_id uuid not null references decision (id),
     reviewer text not null,
     verdict text not null check (verdict in ('recommend_approve', 'recommend_reject', 'approve', 'reject')),
     checklist jsonb not null default '{}',
     note text,
     created_at timestamptz not null default now()
   )`,
  `create index review_request on review (request_id)`,

  // Pauses and resumes as issued by people, an overlay on the active policy's jurisdiction statuses.
  `create table jurisdiction_status (
     id bigint generated always as identity primary key,
     jurisdiction text not null check (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
     status text not null check (status in ('active', 'paused', 'refused')),
     reason text not null check (length(reason) between 1 and 2000),
     actor text not null,
     changed_at timestamptz not null default now()
   )`,
  `create index jurisdiction_status_latest on jurisdiction_status (jurisdiction, id desc)`,

  // 18 U.S.C. 2703(f): 90 days, renewable once for 90 more.
  `create table preservation_hold (
     id uuid primary key default gen_random_uuid(),
     request_id uuid not null references request (id) unique,
     expires_at timestamptz not null,
     extensions smallint not null default 0 check (extensions between 0 and 1),
     status text not null default 'active' check (status in ('active', 'expired', 'released')),
     created_at timestamptz not null default now()
   )`,

  `create table job (
     id bigint generated always as identity primary key,
     kind text not null check (length(kind) between 1 and 100),
     payload jsonb not null default '{}',
     run_at timestamptz not null default now(),
     status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
     attempts integer not null default 0,
     max_attempts integer not null default 5,
     locked_by text,
     locked_at timestamptz,
     last_error text,
     dedupe_key text unique,
     created_at timestamptz not null default now(),
     finished_at timestamptz
   )`,
  `create index job_due on job (run_at) where status = 'pending'`,

  // The audit trail. Events are written by the transaction that makes the change they record; the
  // sealer later gives committed events their place in a hash chain (audit_chain) and signs
  // checkpoints. xid is the writing transaction's id, so the sealer can tell which events are final.
  `create table audit_event (
     id bigserial primary key,
     xid xid8 not null default pg_current_xact_id(),
     occurred_at timestamptz not null default now(),
     actor text not null check (length(actor) between 1 and 200),
     action text not null check (action ~ '^[a-z_]+\\.[a-z_]+$'),
     object_type text not null,
     object_id text not null,
     payload jsonb not null,
     -- Set by the audit_event_digest trigger from the columns above.
     digest text not null default '' check (digest ~ '^[0-9a-f]{64}$')
   )`,
  `create index audit_event_xid on audit_event (xid)`,
  // What an event's digest covers, as one unambiguous text (a JSON array, strings escaped, the payload in
  // jsonb's own canonical form). The database composes it when the event is written and when it is
  // verified; the verifier hashes it itself, so a verifier never takes a stored digest on trust.
  `create function audit_event_message(occurred_at timestamptz, actor text, action text, object_type text,
       object_id text, payload jsonb) returns text language sql immutable parallel safe as $$
     select json_build_array((extract(epoch from occurred_at) * 1000000)::bigint, actor, action, object_type,
       object_id, payload)::text
   $$`,
  `create function audit_event_digest() returns trigger language plpgsql as $$
   begin
     -- Whoever inserts cannot choose the xid: the sealer trusts it to tell which events are final.
     new.xid := pg_current_xact_id();
     new.digest := encode(sha256(convert_to(audit_event_message(new.occurred_at, new.actor, new.action,
       new.object_type, new.object_id, new.payload), 'UTF8')), 'hex');
     return new;
   end $$`,
  `create trigger audit_event_digest before insert on audit_event
     for each row execute function audit_event_digest()`,
  `create index audit_event_object on audit_event (object_type, object_id)`,
  `create table audit_chain (
     position bigint primary key check (position >= 1),
     event_id bigint not null unique references audit_event (id),
     hash text not null check (hash ~ '^[0-9a-f]{64}$'),
     sealed_at timestamptz not null default now()
   )`,
  `create table audit_checkpoint (
     position bigint primary key references audit_chain (position),
     hash text not null check (hash ~ '^[0-9a-f]{64}$'),
     signed_at timestamptz not null,
     key_id text not null,
     signature text not null
   )`,
  // The sealer's watermark: every event written by a transaction older than this xid is sealed.
  `create table audit_seal_state (
     singleton boolean primary key default true check (singleton),
     sealed_below xid8 not null
   )`,
  `insert into audit_seal_state (sealed_below) values ('0'::xid8)`,
  // The watermark only moves forward: lowering it would let an event slipped in behind the sealed part
  // of the log be chained later as if it were new.
  `create function audit_seal_forward_only() returns trigger language plpgsql as $$
   begin
     if tg_op <> 'UPDATE' or new.sealed_below < old.sealed_below then
       raise exception 'the audit seal watermark only moves forward' using errcode = 'insufficient_privilege';
     end if;
     return new;
   end $$`,
  `create trigger audit_seal_state_forward_only before update or delete on audit_seal_state
     for each row execute function audit_seal_forward_only()`,

  // Append-only, whoever connects: rows of the audit tables can be added, never changed or removed.
  `create function audit_append_only() returns trigger language plpgsql as $$
   begin
     raise exception 'audit trail is append-only: % on % refused', tg_op, tg_table_name
       using errcode = 'insufficient_privilege';
   end $$`,
  ...["audit_event", "audit_chain", "audit_checkpoint"].flatMap((table) => [
    `create trigger ${table}_no_update_delete before update or delete on ${table}
       for each row execute function audit_append_only()`,
    `create trigger ${table}_no_truncate before truncate on ${table}
       for each statement execute function audit_append_only()`,
    `revoke update, delete, truncate on ${table} from public`,
  ]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
