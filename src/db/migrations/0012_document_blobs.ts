import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Uploaded documents are stored while they arrive, in pieces, not as one
 * `bytea` value written with the request: a 9 MiB value passed through the embedded database in one
 * statement held the event loop for seconds and grew its heap for good. A blob is written before the
 * request's own transaction and has its digest and size only once complete; the request's document row
 * links to it. A blob no document links to is an upload whose submission was refused (or a crash's
 * leftover) and may be deleted. Rows stored before this migration keep their `content`.
 */
const STATEMENTS = [
  `create table document_blob (
     id uuid primary key default gen_random_uuid(),
     sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
     size_bytes bigint check (size_bytes >= 0),
     created_at timestamptz not null default now(),
     check ((sha256 is null) = (size_bytes is null))
   )`,
  `create table document_blob_chunk (
     blob_id uuid not null references document_blob (id) on delete cascade,
     seq integer not null check (seq >= 0),
     bytes bytea not null,
     primary key (blob_id, seq)
   )`,
  // Documents arrive compressed (PDF, images); trying to compress each piece again only costs time.
  "alter table document_blob_chunk alter column bytes set storage external",
  `alter table request_document
     add column blob_id uuid references document_blob (id),
     add check (blob_id is null or (content is null and media_type is not null and size_bytes is not null))`,
  "create index request_document_blob on request_document (blob_id) where blob_id is not null",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
