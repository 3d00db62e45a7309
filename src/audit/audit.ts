import type { Tx } from "../db/database.js";
import type { AuditEntry } from "./audit.events.js";
import { canonicalJson, sha256Hex } from "./canonical.js";

/** The fields an event's digest covers, in the form they are stored and read back. */
export interface DigestedFields {
  id: number;
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
      id: fields.id,
      occurredAt: fields.occurredAt.toISOString(),
      actor: fields.actor,
      action: fields.action,
      objectType: fields.objectType,
      objectId: fields.objectId,
      payload: fields.payload,
    }),
  );
}

/**
 * Append an event in the caller's transaction. It takes the transaction type, so an audit entry
 * cannot be written apart from the change it records; if this insert fails, the transaction (and the
 * change) fails with it: the audit write is fail-closed.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, occurredAt: Date): Promise<number> {
  // The id is part of the digest, so take it first; the row is then written whole in one insert.
  const { id } = await tx
    .selectNoFrom((eb) => eb.fn<number>("nextval", [eb.val("audit_event_id_seq")]).as("id"))
    .executeTakeFirstOrThrow();
  // Round-trip through JSON so the digest covers exactly what jsonb will give back.
  const payload = JSON.parse(JSON.stringify(entry.payload)) as Record<string, unknown>;
  const at = new Date(occurredAt.getTime());
  const digest = eventDigest({ id, occurredAt: at, ...entry, payload });
  await tx
    .insertInto("audit_event")
    .values({
      id,
      occurred_at: at,
      actor: entry.actor,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId,
      payload: JSON.stringify(payload),
      digest,
    })
    .execute();
  return id;
}
