import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import { enqueueJob, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { TransactionJob } from "../jobs/jobs.js";
import { preservationExtensionDays } from "../requests/clocks.js";
import { transition } from "../requests/lifecycle.js";
import { invalidTransition, notFound } from "../shared/errors.js";
import { DAY_MS } from "../shared/time.js";

/**
 * Preservation holds, 18 U.S.C. 2703(f): the data is kept for 90 days, renewable once for 90 more,
 * then released unless legal process to disclose it has arrived. Expiry and the reminder before it
 * are jobs in the database.
 */
export const PRESERVATION_DAYS = 90;
export const REMINDER_DAYS_BEFORE = 14;

async function scheduleExpiry(tx: Tx, holdId: string, expiresAt: Date, extensions: number): Promise<void> {
  await enqueueJob(
    tx,
    "preservation.expire",
    { holdId },
    { runAt: expiresAt, dedupeKey: `preservation-expire:${holdId}:${extensions}` },
  );
  await enqueueJob(
    tx,
    "preservation.remind",
    { holdId },
    {
      runAt: new Date(expiresAt.getTime() - REMINDER_DAYS_BEFORE * DAY_MS),
      dedupeKey: `preservation-remind:${holdId}:${extensions}`,
    },
  );
}

function lockHold(tx: Tx, holdId: string) {
  return tx.selectFrom("preservation_hold").selectAll().where("id", "=", holdId).forUpdate().executeTakeFirst();
}

/** `days`: 90 under 18 U.S.C. 2703(f); 60 for an EU order (Art. 11(1), requests/clocks.ts). */
export async function placePreservationHold(
  tx: Tx,
  requestId: string,
  actor: string,
  now: Date,
  days: number = PRESERVATION_DAYS,
): Promise<string> {
  const expiresAt = new Date(now.getTime() + days * DAY_MS);
  const { id } = await tx
    .insertInto("preservation_hold")
    .values({ request_id: requestId, expires_at: expiresAt })
    .returning("id")
    .executeTakeFirstOrThrow();
  await appendAudit(
    tx,
    {
      actor,
      action: "preservation.created",
      objectType: "preservation_hold",
      objectId: id,
      payload: { requestId, expiresAt: expiresAt.toISOString() },
    },
    now,
  );
  await scheduleExpiry(tx, id, expiresAt, 0);
  return id;
}

/**
 * Renew a hold once: by 90 days under 18 U.S.C. 2703(f), by 30 for an EU order (Art. 11(1), what an Annex VI
 * asks; requests/clocks.ts).
 */
export async function extendPreservationHold(db: Db, holdId: string, actor: string, now: Date) {
  return db.transaction().execute(async (tx) => {
    const hold = await lockHold(tx, holdId);
    if (!hold) throw notFound(`preservation hold ${holdId}`);
    if (hold.status !== "active") throw invalidTransition(`preservation hold ${holdId} is ${hold.status}`);
    if (hold.extensions >= 1)
      throw invalidTransition(`preservation hold ${holdId} was already renewed once (the limit)`);
    if (hold.confirmed_at) throw invalidTransition(`preservation hold ${holdId} is kept until production (Annex V)`);
    const request = await tx
      .selectFrom("request")
      .select("regime")
      .where("id", "=", hold.request_id)
      .executeTakeFirstOrThrow();
    return extendLockedHold(tx, hold, preservationExtensionDays(request.regime), actor, now);
  });
}

/** Extend a hold the caller has locked and checked, by `days`; `by`: the request (an Annex VI) that asked. */
export async function extendLockedHold(
  tx: Tx,
  hold: { id: string; request_id: string; expires_at: Date; extensions: number },
  days: number,
  actor: string,
  now: Date,
  by?: string,
): Promise<{ expiresAt: Date }> {
  const expiresAt = new Date(hold.expires_at.getTime() + days * DAY_MS);
  await tx
    .updateTable("preservation_hold")
    .set({ expires_at: expiresAt, extensions: hold.extensions + 1 })
    .where("id", "=", hold.id)
    .execute();
  await appendAudit(
    tx,
    {
      actor,
      action: "preservation.extended",
      objectType: "preservation_hold",
      objectId: hold.id,
      payload: {
        requestId: hold.request_id,
        expiresAt: expiresAt.toISOString(),
        extensions: hold.extensions + 1,
        ...(by ? { by } : {}),
      },
    },
    now,
  );
  await scheduleExpiry(tx, hold.id, expiresAt, hold.extensions + 1);
  return { expiresAt };
}

export const expirePreservationHold: TransactionJob<JobPayload<"preservation.expire">> = async (
  tx,
  { holdId },
  job,
) => {
  const hold = await lockHold(tx, holdId);
  // Renewed since this job was scheduled, already ended, or confirmed on Annex V (kept until production).
  if (hold?.status !== "active" || hold.expires_at.getTime() > job.now.getTime() || hold.confirmed_at) return;
  await tx.updateTable("preservation_hold").set({ status: "expired" }).where("id", "=", holdId).execute();
  await appendAudit(
    tx,
    {
      actor: actorOf(JOB_RUNNER),
      action: "preservation.expired",
      objectType: "preservation_hold",
      objectId: holdId,
      payload: { requestId: hold.request_id, expiredAt: hold.expires_at.toISOString() },
    },
    job.now,
  );
  const request = await tx.selectFrom("request").select("status").where("id", "=", hold.request_id).executeTakeFirst();
  if (request?.status === "preserved") {
    await transition(tx, hold.request_id, {
      to: "closed",
      actor: actorOf(JOB_RUNNER),
      reason: "preservation period ended without legal process to disclose",
      now: job.now,
    });
  }
};

export const remindPreservationExpiry: TransactionJob<JobPayload<"preservation.remind">> = async (
  tx,
  { holdId },
  job,
) => {
  const hold = await tx.selectFrom("preservation_hold").selectAll().where("id", "=", holdId).executeTakeFirst();
  if (hold?.status !== "active" || hold.confirmed_at) return;
  // Renewed since this reminder was scheduled: the reminder for the new expiry will come in its time.
  if (hold.expires_at.getTime() - job.now.getTime() > REMINDER_DAYS_BEFORE * DAY_MS) return;
  await appendAudit(
    tx,
    {
      actor: actorOf(JOB_RUNNER),
      action: "reminder.sent",
      objectType: "preservation_hold",
      objectId: holdId,
      payload: {
        requestId: hold.request_id,
        about: "preservation expiry",
        expiresAt: hold.expires_at.toISOString(),
        renewable: hold.extensions < 1,
      },
    },
    job.now,
  );
};
