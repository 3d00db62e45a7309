import type { AuditAction, AuditObjectType } from "../audit/audit.events.js";
import { appendAudit } from "../audit/audit.js";
import type { Db } from "../db/database.js";

/**
 * A refusal changes nothing, so there is no transaction of its own to ride in; it is written in one of its
 * own, committed whatever happens to the request that was refused. Attempts are what an investigator of
 * the next forged request will look for first.
 */
export async function auditRefusal(
  db: Db,
  refusal: {
    actor: string;
    action?: AuditAction;
    objectType: AuditObjectType;
    objectId: string;
    reason: string;
    details?: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  await db.transaction().execute((tx) =>
    appendAudit(
      tx,
      {
        actor: refusal.actor,
        action: refusal.action ?? "security.refused",
        objectType: refusal.objectType,
        objectId: refusal.objectId,
        payload: { reason: refusal.reason, ...refusal.details },
      },
      now,
    ),
  );
}
