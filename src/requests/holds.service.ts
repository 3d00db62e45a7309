import { appendAudit } from "../audit/audit.js";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { invalidTransition, notFound } from "../shared/errors.js";

/**
 * Holds for staff review. A suspended account's open requests may be forged, or may rest on a person the
 * provider no longer trusts: suspending it holds every one of them (in the suspension's transaction), and
 * nothing moves them toward disclosure (lifecycle.ts refuses; a production waiting for its download is not
 * handed over, download.service.ts) until a member of staff releases each, or
 * all of that account's at once, with a note. Reactivating the account releases nothing.
 */

/** Everything not yet finished: from arrival until the data is packaged, and what waits in a pause or preserved. */
const OPEN: readonly Status[] = [
  "received",
  "verifying",
  "under_review",
  "approved",
  "fulfilling",
  "on_hold",
  "preserved",
];

export interface HoldView {
  kind: "account_suspended";
  since: string;
  /** Staff only: the suspension's reason, who suspended, and the account. */
  reason?: string;
  placedBy?: string;
  account?: { id: string; email: string };
}

/** The requests a suspension of `accountId` would hold: those it submitted that are open, and not held already. */
function holdableOf(db: Db | Tx, accountId: string) {
  return db
    .selectFrom("request as r")
    .select("r.id")
    .where("r.submitted_by", "=", accountId)
    .where(({ or, eb, exists, selectFrom }) =>
      or([
        eb("r.status", "in", OPEN),
        // Delivered but not downloaded yet: the data has not left, and the agency's other officers could fetch it.
        eb.and([
          eb("r.status", "=", "delivered"),
          exists(
            selectFrom("production as p")
              .select("p.id")
              .whereRef("p.request_id", "=", "r.id")
              .where("p.status", "=", "ready"),
          ),
        ]),
      ]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("request_hold as h")
            .select("h.id")
            .whereRef("h.request_id", "=", "r.id")
            .where("h.released_at", "is", null),
        ),
      ),
    );
}

/** How many requests suspending `accountId` would hold now: what the suspension's confirmation page says. */
export async function holdableCount(db: Db, accountId: string): Promise<number> {
  return (await holdableOf(db, accountId).execute()).length;
}

/** Hold the open requests `accountId` submitted; in the caller's (the suspension's) transaction. */
export async function holdRequestsOfSuspended(
  tx: Tx,
  account: { id: string; email: string },
  suspension: { actor: string; reason: string; now: Date },
): Promise<number> {
  const open = await holdableOf(tx, account.id).orderBy("r.id").forUpdate().execute();
  if (open.length === 0) return 0;
  await tx
    .insertInto("request_hold")
    .values(
      open.map((r) => ({
        request_id: r.id,
        kind: "account_suspended" as const,
        account_id: account.id,
        reason: suspension.reason,
        placed_by: suspension.actor,
        placed_at: suspension.now,
      })),
    )
    .execute();
  await appendAudit(
    tx,
    open.map((r) => ({
      actor: suspension.actor,
      action: "request.hold_placed" as const,
      objectType: "request" as const,
      objectId: r.id,
      payload: { kind: "account_suspended", account: account.email, reason: suspension.reason },
    })),
    suspension.now,
  );
  return open.length;
}

/** The request's open hold, as `principal` may see it (an officer learns that it is held, not why). */
export async function openHoldOf(db: Db, principal: Principal, requestId: string): Promise<HoldView | null> {
  const hold = await db
    .selectFrom("request_hold as h")
    .innerJoin("app_user as u", "u.id", "h.account_id")
    .select(["h.kind", "h.placed_at", "h.reason", "h.placed_by", "h.account_id", "u.email"])
    .where("h.request_id", "=", requestId)
    .where("h.released_at", "is", null)
    .executeTakeFirst();
  if (!hold) return null;
  const view: HoldView = { kind: hold.kind, since: hold.placed_at.toISOString() };
  if (principal.role === "agency") return view;
  return {
    ...view,
    reason: hold.reason,
    placedBy: hold.placed_by,
    account: { id: hold.account_id, email: hold.email },
  };
}

async function release(
  tx: Tx,
  principal: Principal,
  holds: ReadonlyArray<{ id: string; request_id: string }>,
  note: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable("request_hold")
    .set({ released_at: now, released_by: principal.email, release_note: note })
    .where(
      "id",
      "in",
      holds.map((h) => h.id),
    )
    .execute();
  await appendAudit(
    tx,
    holds.map((h) => ({
      actor: principal.email,
      action: "request.hold_released" as const,
      objectType: "request" as const,
      objectId: h.request_id,
      payload: { holdId: h.id, kind: "account_suspended", note },
    })),
    now,
  );
}

/** Release one request's hold, with the note that says what staff checked. */
export async function releaseHold(
  db: Db,
  principal: Principal,
  requestId: string,
  note: string,
  now: Date,
): Promise<{ released: number }> {
  authorize(principal, "request.release");
  return db.transaction().execute(async (tx) => {
    const hold = await tx
      .selectFrom("request_hold")
      .select(["id", "request_id"])
      .where("request_id", "=", requestId)
      .where("released_at", "is", null)
      .forUpdate()
      .executeTakeFirst();
    if (!hold) {
      const exists = await tx.selectFrom("request").select("id").where("id", "=", requestId).executeTakeFirst();
      if (!exists) throw notFound(`request ${requestId}`);
      throw invalidTransition(`request ${requestId} is not held for staff review`);
    }
    await release(tx, principal, [hold], note, now);
    return { released: 1 };
  });
}

/** Release every open hold the suspension of `accountId` placed: explicitly all, with one note. */
export async function releaseHoldsOf(
  db: Db,
  principal: Principal,
  accountId: string,
  note: string,
  now: Date,
): Promise<{ released: number }> {
  authorize(principal, "request.release");
  return db.transaction().execute(async (tx) => {
    const holds = await tx
      .selectFrom("request_hold")
      .select(["id", "request_id"])
      .where("account_id", "=", accountId)
      .where("released_at", "is", null)
      .orderBy("request_id")
      .forUpdate()
      .execute();
    if (holds.length === 0) throw invalidTransition(`no request of account ${accountId} is held for staff review`);
    await release(tx, principal, holds, note, now);
    return { released: holds.length };
  });
}

/**
 * Release every hold the suspension holding `requestId` placed (the desk's "all of this account's"). Without
 * an open hold on it, this answers as releasing that one request would: that it is not held.
 */
export async function releaseHoldsAlongside(
  db: Db,
  principal: Principal,
  requestId: string,
  note: string,
  now: Date,
): Promise<{ released: number }> {
  authorize(principal, "request.release");
  const hold = await db
    .selectFrom("request_hold")
    .select("account_id")
    .where("request_id", "=", requestId)
    .where("released_at", "is", null)
    .executeTakeFirst();
  if (!hold) return releaseHold(db, principal, requestId, note, now);
  return releaseHoldsOf(db, principal, hold.account_id, note, now);
}
