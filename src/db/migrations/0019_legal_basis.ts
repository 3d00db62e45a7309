import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The legal basis of a request (docs/regimes.md): its regime and
 * instrument as columns the desk and reports can filter on, and the whole legal basis as filed (issuing
 * and validating authority, offence, emergency flag, user-information delay, file numbers) as JSON, the
 * original document remaining the record. Existing requests are the `us` regime, which is what they were.
 *
 * Targets may now be an IP address (with the moment it was seen, its time zone and optionally a port), an
 * IMEI or a MAC address. The same address at two moments names two targets, so uniqueness covers the
 * moment and the port too (NULLS NOT DISTINCT: PostgreSQL 15).
 */
const STATEMENTS = [
  `alter table request
     add column regime text not null default 'us' check (regime in ('us', 'eu_e_evidence', 'uk_us_daa', 'mlat')),
     add column instrument text check (instrument ~ '^[a-z_]{1,40}$'),
     add column legal_basis jsonb,
     add constraint request_legal_basis_regime check ((legal_basis is null) = (instrument is null)
       and (legal_basis is not null or regime = 'us'))`,
  `create index request_regime on request (regime, instrument) where regime <> 'us'`,
  `alter table request_target
     drop constraint request_target_type_check,
     add constraint request_target_type_check check (type in ('account_id', 'username', 'email', 'phone',
       'ip_address', 'imei', 'mac_address')),
     add column observed_at timestamptz,
     add column time_zone text check (length(time_zone) between 1 and 64),
     add column port integer check (port between 0 and 65535),
     add constraint request_target_ip_moment check ((type = 'ip_address') = (observed_at is not null)
       and (type = 'ip_address') = (time_zone is not null) and (port is null or type = 'ip_address')),
     drop constraint request_target_request_id_type_value_key`,
  `create unique index request_target_unique on request_target (request_id, type, value, observed_at, port)
     nulls not distinct`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
