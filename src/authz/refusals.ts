import type { AuditObjectType, RefusalAction } from "../audit/audit.events.js";
import { appendAudit } from "../audit/audit.js";
import type { Db, Tx } from "../db/database.js";
import { DomainError } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { type Action, authorize, may, type Principal } from "./authz.js";

/**
 * A refusal changes nothing, so there is no transaction of its own to ride in; it is written in one of its
 * own, committed whatever happens to the request that was refused. Attempts are what an investigator of
 * the next forged request will look for first.
 */
export async function auditRefusal(
  db: Db,
  refusal: {
    actor: string;
    action?: RefusalAction;
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

/** A refusal by a safeguard: the domain said no (not "not found"), or the input did not meet what it requires. */
function isRefusal(error: unknown): error is Error {
  return (
    error instanceof ValidationError ||
    (error instanceof DomainError && error.code !== "not_found" && error.code !== "unauthenticated")
  );
}

/**
 * Run an action a safeguard may refuse (an approval, a call-back). A refusal is written on the object's own
 * timeline by auditRefusal, after the action's transaction rolled back, and thrown on unchanged.
 */
export async function auditingRefusals<T>(
  db: Db,
  attempt: { actor: string; objectType: AuditObjectType; objectId: string; attempted: string },
  now: Date,
  act: () => Promise<T>,
): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (isRefusal(error)) {
      await auditRefusal(
        db,
        {
          actor: attempt.actor,
          objectType: attempt.objectType,
          objectId: attempt.objectId,
          reason: error.message,
          details: { attempted: attempt.attempted },
        },
        now,
      );
    }
    throw error;
  }
}

/** An object someone asks for, with the agency that owns it (null for the provider's own). */
export interface OwnedObject {
  type: AuditObjectType;
  id: string;
  agencyId: string;
}

/**
 * The one object check: `principal` may perform `action` on `object`, or this throws as the authz table
 * says (another agency's object is answered like one that does not exist: 404; a role or token that may
 * not: 403). An officer reaching for another agency's object is also written down, as what it is, in a
 * transaction of its own that commits whatever the caller's does. Given a transaction (a check repeated
 * under the row lock, after the same check ran outside it) it only throws: the first check wrote the
 * refusal, and a write on the outer handle inside a transaction would wait for it forever.
 */
export async function authorizeObject(
  db: Db | Tx,
  principal: Principal,
  action: Action,
  object: OwnedObject,
  now: Date,
): Promise<void> {
  authorize(principal, action);
  if (!may(principal, action, { agencyId: object.agencyId }) && !db.isTransaction) {
    await auditRefusal(
      db as Db,
      {
        actor: principal.email,
        objectType: object.type,
        objectId: object.id,
        reason: `${action} of another agency's ${object.type}`,
        details: { agencyId: principal.agencyId, via: principal.via },
      },
      now,
    );
  }
  authorize(principal, action, { agencyId: object.agencyId }, `${object.type} ${object.id}`);
}
