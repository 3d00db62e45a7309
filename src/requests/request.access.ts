import { auditRefusal } from "../auth/refusals.js";
import { authorize, may, type Principal } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import { notFound } from "../shared/errors.js";

/** Load a request's owner and authorize the principal against it; an officer of another agency gets 404. */
export async function authorizeRequest(
  db: Db | Tx,
  principal: Principal,
  action: Parameters<typeof authorize>[1],
  requestId: string,
): Promise<{ agencyId: string }> {
  authorize(principal, action);
  const row = await db.selectFrom("request").select("agency_id").where("id", "=", requestId).executeTakeFirst();
  if (!row) throw notFound(`request ${requestId}`);
  if (!may(principal, action, { agencyId: row.agency_id }) && !db.isTransaction) {
    // Another agency's request: answered like one that does not exist, and written down as what it is.
    await auditRefusal(
      db as Db,
      {
        actor: principal.email,
        objectType: "request",
        objectId: requestId,
        reason: `${action} of another agency's request`,
        details: { agencyId: principal.agencyId, via: principal.via },
      },
      new Date(),
    );
  }
  authorize(principal, action, { agencyId: row.agency_id }, `request ${requestId}`);
  return { agencyId: row.agency_id };
}
