import { hash } from "node:crypto";
import { type Insertable, sql } from "kysely";
import type { Tx } from "../db/database.js";
import type { AuditEventTable } from "../db/schema.js";
import type { AuditEntry } from "./audit.events.js";

/**
 * An event's digest is the SHA-256 of its message: the JSON array [time in microseconds, actor, action,
 * object type, object id, payload] exactly as PostgreSQL's `json_build_array(…)::text` prints it. The
 * database computes it when the event is written (trigger audit_event_digest, so the digest covers the
 * payload as jsonb keeps it); the sealer and the verifier rebuild the same text here from the columns and
 * hash it themselves, so verifying never takes the database's word for a digest. A test writes events
 * with quotes, newlines, control characters and non-ASCII text to hold the two definitions together.
 */
export interface StoredEvent {
  /** occurred_at as microseconds since the epoch. */
  us: number;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  /** payload::text, jsonb's canonical text. */
  payload: string;
}

export function eventMessage(event: StoredEvent): string {
  return `[${event.us}, ${JSON.stringify(event.actor)}, ${JSON.stringify(event.action)}, ${JSON.stringify(event.object_type)}, ${JSON.stringify(event.object_id)}, ${event.payload}]`;
}

export function eventDigest(event: StoredEvent): string {
  return hash("sha256", eventMessage(event));
}

/** The columns `StoredEvent` is read from, for an `audit_event` aliased `e`. */
export const STORED_EVENT_COLUMNS = sql`(extract(epoch from e.occurred_at) * 1000000)::bigint as us, e.actor,
  e.action, e.object_type, e.object_id, e.payload::text as payload`;

/** The row an event is stored as; for callers that write it with other rows in one statement. */
export function auditRow(entry: AuditEntry, occurredAt: Date): Insertable<AuditEventTable> {
  return {
    occurred_at: new Date(occurredAt.getTime()),
    actor: entry.actor,
    action: entry.action,
    object_type: entry.objectType,
    object_id: entry.objectId,
    payload: JSON.stringify(entry.payload),
  };
}

/**
 * Append events in the caller's transaction. It takes the transaction type, so an audit entry cannot be
 * written apart from the change it records; if this insert fails, the transaction (and the change)
 * fails with it: the audit write is fail-closed. The chain, not the digest, binds an event to its place.
 */
export async function appendAudit(tx: Tx, entries: AuditEntry | AuditEntry[], occurredAt: Date): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await tx
    .insertInto("audit_event")
    .values(list.map((entry) => auditRow(entry, occurredAt)))
    .execute();
}
