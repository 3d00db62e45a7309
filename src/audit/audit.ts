import type { Insertable } from "kysely";
import type { Tx } from "../db/database.js";
import type { AuditEventTable } from "../db/schema.js";
import type { AuditEntry } from "./audit.events.js";
import { canonicalJson, sha256Hex } from "./canonical.js";

/** The fields an event's digest covers, in the form they are stored and read back. */
export interface DigestedFields {
  occurredAt: Date;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  payload: unknown;
}

export function eventDigest(fields: DigestedFields): string {
  return sha256Hex(
    canonicalJson({
      occurredAt: fields.occurredAt.toISOString(),
      actor: fields.actor,
      action: fields.action,
      objectType: fields.objectType,
      objectId: fields.objectId,
      payload: fields.payload,
    }),
  );
}

/** The row an event is stored as, digest included; for callers that write it with other rows in one statement. */
export function auditRow(entry: AuditEntry, occurredAt: Date): Insertable<AuditEventTable> {
  // Round-trip through JSON so the digest covers exactly what jsonb will give back.
  const payload = JSON.parse(JSON.stringify(entry.payload)) as Record<string, unknown>;
  const at = new Date(occurredAt.getTime());
  return {
    occurred_at: at,
    actor: entry.actor,
    action: entry.action,
    object_type: entry.objectType,
    object_id: entry.objectId,
    payload: JSON.stringify(payload),
    digest: eventDigest({ occurredAt: at, ...entry, payload }),
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
