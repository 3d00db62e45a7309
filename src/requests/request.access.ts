import { type Action, authorize, type Principal } from "../authz/authz.js";
import { authorizeObject } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { notFound } from "../shared/errors.js";

/** Load a request's owner and authorize the principal against it; an officer of another agency gets 404. */
export async function authorizeRequest(
  db: Db | Tx,
  principal: Principal,
  action: Action,
  requestId: string,
): Promise<{ agencyId: string }> {
  authorize(principal, action);
  const row = await db.selectFrom("request").select("agency_id").where("id", "=", requestId).executeTakeFirst();
  if (!row) throw notFound(`request ${requestId}`);
  await authorizeObject(db, principal, action, { type: "request", id: requestId, agencyId: row.agency_id }, new Date());
  return { agencyId: row.agency_id };
}
