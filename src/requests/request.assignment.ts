import { appendAudit } from "../audit/audit.js";
import type { Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { conflict, invalidTransition } from "../shared/errors.js";
import { lockRequest } from "./lifecycle.js";
import { authorizeRequest } from "./request.access.js";

/**
 * Taking a request to work on it, and letting it go: so two people on the desk do not verify or review
 * the same request at once, and the queue can show each person what is theirs. A request is taken by
 * one member of staff at a time; taking one someone else holds is refused (they, or anyone on the desk
 * covering for them, let it go first). Both are audited in the transaction that makes them, and a
 * refusal on the request's own timeline.
 */

/** Where the work is finished, there is nothing to take. */
const FINISHED: readonly Status[] = ["rejected", "delivered", "closed", "withdrawn"];

export interface Assignment {
  assigneeId: string | null;
  assigneeEmail: string | null;
}

export async function takeRequest(db: Db, principal: Principal, requestId: string, now: Date): Promise<Assignment> {
  const attempt = { actor: principal.email, objectType: "request", objectId: requestId, attempted: "take" } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "request.assign", requestId);
      const locked = await lockRequest(tx, requestId);
      if (FINISHED.includes(locked.status)) {
        throw invalidTransition(
          `request ${requestId} is ${locked.status.replace("_", " ")}: there is no work left to take`,
        );
      }
      const row = await tx
        .selectFrom("request as r")
        .leftJoin("app_user as u", "u.id", "r.assignee_id")
        .select(["r.assignee_id", "u.email"])
        .where("r.id", "=", requestId)
        .executeTakeFirstOrThrow();
      if (row.assignee_id === principal.userId) return { assigneeId: principal.userId, assigneeEmail: principal.email };
      if (row.assignee_id) {
        throw conflict(`request ${requestId} is already taken by ${row.email}; it must be let go before you take it`);
      }
      await tx
        .updateTable("request")
        .set({ assignee_id: principal.userId, assigned_at: now })
        .where("id", "=", requestId)
        .execute();
      await appendAudit(
        tx,
        { actor: principal.email, action: "request.assigned", objectType: "request", objectId: requestId, payload: {} },
        now,
      );
      return { assigneeId: principal.userId, assigneeEmail: principal.email };
    }),
  );
}

export async function releaseRequest(db: Db, principal: Principal, requestId: string, now: Date): Promise<Assignment> {
  const attempt = { actor: principal.email, objectType: "request", objectId: requestId, attempted: "release" } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "request.assign", requestId);
      await lockRequest(tx, requestId);
      const row = await tx
        .selectFrom("request as r")
        .leftJoin("app_user as u", "u.id", "r.assignee_id")
        .select(["r.assignee_id", "u.email"])
        .where("r.id", "=", requestId)
        .executeTakeFirstOrThrow();
      if (!row.assignee_id) return { assigneeId: null, assigneeEmail: null };
      await tx
        .updateTable("request")
        .set({ assignee_id: null, assigned_at: null })
        .where("id", "=", requestId)
        .execute();
      // Letting go of someone else's (covering for a colleague away) says whose it was.
      const payload = row.assignee_id === principal.userId || !row.email ? {} : { from: row.email };
      await appendAudit(
        tx,
        { actor: principal.email, action: "request.released", objectType: "request", objectId: requestId, payload },
        now,
      );
      return { assigneeId: null, assigneeEmail: null };
    }),
  );
}

/** Who has taken the request (their e-mail), or null; read for a page already authorized to show it. */
export async function assigneeOf(db: Db, requestId: string): Promise<string | null> {
  const row = await db
    .selectFrom("request as r")
    .leftJoin("app_user as u", "u.id", "r.assignee_id")
    .select("u.email")
    .where("r.id", "=", requestId)
    .executeTakeFirst();
  return row?.email ?? null;
}
