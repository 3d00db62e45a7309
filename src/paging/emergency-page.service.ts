import type { Updateable } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER, type Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { PagerSettings } from "../config.js";
import type { Db, Tx } from "../db/database.js";
import type { EmergencyPageTable } from "../db/schema.js";
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import { isEmergencyOrder } from "../domain/request.schema.js";
import { EMERGENCY_PAGE_ATTEMPTS, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { JobContext, LeasedJob } from "../jobs/jobs.js";
import { authorizeRequest } from "../requests/request.access.js";
import { invalidTransition, notFound } from "../shared/errors.js";
import { pagerEvent, postPage } from "./pager.js";

/**
 * Waking a person for an emergency order (issue 15, item 6; docs/paging.md). Intake queues one
 * `emergency.page` job per emergency, in the transaction that stores it; the job posts the page to the
 * configured paging service and retries with a growing pause until the service accepts it or the
 * attempts run out. Whoever on the desk picks the emergency up acknowledges it, so the desk shows who
 * has it and since when; a page not yet sent when someone has acknowledged it is not sent at all.
 */

export type PageStatus = EmergencyPageTable["status"] | "queued";
/** Where a page stands (docs/paging.md): `queued` until the job first runs, then the row's status. */
export const PAGE_STATUSES = [
  "queued",
  "paging",
  "sent",
  "failed",
  "not_configured",
  "not_needed",
] as const satisfies readonly PageStatus[];

export interface EmergencyPageView {
  /** `queued` until the paging job first runs. */
  status: PageStatus;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

type PageChange = Omit<Updateable<EmergencyPageTable>, "request_id" | "updated_at">;

async function recordPage(tx: Tx, requestId: string, values: PageChange, now: Date): Promise<void> {
  await tx
    .insertInto("emergency_page")
    .values({ request_id: requestId, status: "paging", attempts: 0, ...values, updated_at: now })
    .onConflict((oc) => oc.column("request_id").doUpdateSet({ ...values, updated_at: now }))
    .execute();
}

/** The `emergency.page` job: one attempt at paging, recorded and audited whatever its result. */
export function pageEmergencyJob(
  pager: PagerSettings | undefined,
  publicUrl: () => string,
): LeasedJob<JobPayload<"emergency.page">> {
  const actor = actorOf(JOB_RUNNER);
  const failed = async (db: Db, requestId: string, job: JobContext, error: string, final: boolean) => {
    await db.transaction().execute(async (tx) => {
      await recordPage(
        tx,
        requestId,
        { status: !pager ? "not_configured" : final ? "failed" : "paging", attempts: job.attempt, last_error: error },
        job.now,
      );
      await appendAudit(
        tx,
        {
          actor,
          action: "emergency.page_failed",
          objectType: "request",
          objectId: requestId,
          payload: { attempt: job.attempt, error, final },
        },
        job.now,
      );
    });
  };

  return async (db, { requestId }, job) => {
    const request = await db
      .selectFrom("request as r")
      .innerJoin("agency as a", "a.id", "r.agency_id")
      .leftJoin("emergency_page as p", "p.request_id", "r.id")
      .select([
        "r.reference",
        "r.jurisdiction",
        "r.regime",
        "r.deadline_at",
        "a.name as agency",
        "p.status",
        "p.acknowledged_at",
      ])
      .where("r.id", "=", requestId)
      .executeTakeFirst();
    if (!request) throw new Error(`emergency.page: request ${requestId} does not exist`);
    // Already sent (a retry of an attempt that reached the service but not its record), or picked up on
    // the desk before anyone had to be woken.
    if (request.status === "sent" || request.acknowledged_at) return;
    if (!pager) {
      await failed(db, requestId, job, "no pager is configured (CUSTODIAN_PAGER_URL): nobody was paged", true);
      return;
    }
    const event = pagerEvent(
      {
        requestId,
        reference: request.reference,
        agency: request.agency,
        jurisdiction: request.jurisdiction,
        regime: request.regime,
        dueAt: request.deadline_at,
        deskUrl: `${publicUrl()}/desk/requests/${requestId}`,
      },
      pager,
      job.now,
    );
    let answered: number;
    try {
      answered = await postPage(pager, event, job.signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await failed(db, requestId, job, message, job.attempt >= EMERGENCY_PAGE_ATTEMPTS);
      // The runner retries it after its pause, up to EMERGENCY_PAGE_ATTEMPTS.
      throw error;
    }
    await db.transaction().execute(async (tx) => {
      await recordPage(
        tx,
        requestId,
        { status: "sent", attempts: job.attempt, sent_at: job.now, last_error: null },
        job.now,
      );
      await appendAudit(
        tx,
        {
          actor,
          action: "emergency.paged",
          objectType: "request",
          objectId: requestId,
          payload: { attempt: job.attempt, answered },
        },
        job.now,
      );
    });
  };
}

async function isEmergencyRequest(db: Db | Tx, requestId: string): Promise<boolean> {
  const row = await db
    .selectFrom("request")
    .select(["process", "legal_basis"])
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  return isEmergencyOrder({
    process: row.process,
    legalBasis: row.legal_basis as Pick<LegalBasis, "emergency"> | null,
  });
}

async function readPage(db: Db | Tx, requestId: string): Promise<EmergencyPageView> {
  const row = await db
    .selectFrom("emergency_page as p")
    .leftJoin("app_user as u", "u.id", "p.acknowledged_by")
    .select(["p.status", "p.attempts", "p.last_error", "p.sent_at", "p.acknowledged_at", "u.email"])
    .where("p.request_id", "=", requestId)
    .executeTakeFirst();
  if (!row) {
    return { status: "queued", attempts: 0, lastError: null, sentAt: null, acknowledgedBy: null, acknowledgedAt: null };
  }
  return {
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    sentAt: row.sent_at?.toISOString() ?? null,
    acknowledgedBy: row.acknowledged_at ? row.email : null,
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
  };
}

/** An emergency's page as the desk shows it; 404 for a request that is not an emergency. */
export async function emergencyPageOf(db: Db, principal: Principal, requestId: string): Promise<EmergencyPageView> {
  await authorizeRequest(db, principal, "emergency.acknowledge", requestId);
  if (!(await isEmergencyRequest(db, requestId))) throw notFound(`emergency page of request ${requestId}`);
  return readPage(db, requestId);
}

/**
 * The member of staff picking the emergency up. The first acknowledgement stands (the desk keeps who
 * had it first); acknowledging again answers as it is.
 */
export async function acknowledgeEmergencyPage(
  db: Db,
  principal: Principal,
  requestId: string,
  now: Date,
): Promise<EmergencyPageView> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "acknowledge the emergency page",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "emergency.acknowledge", requestId);
      if (!(await isEmergencyRequest(tx, requestId))) {
        throw invalidTransition(`request ${requestId} is not an emergency: nobody is paged for it`);
      }
      const current = await readPage(tx, requestId);
      if (current.acknowledgedAt) return current;
      const acknowledgement = { acknowledged_by: principal.userId, acknowledged_at: now, updated_at: now };
      if (current.status === "queued" || current.status === "paging") {
        // Picked up before a page reached anyone: the job stops paging.
        await recordPage(tx, requestId, { ...acknowledgement, status: "not_needed" }, now);
      } else {
        await tx.updateTable("emergency_page").set(acknowledgement).where("request_id", "=", requestId).execute();
      }
      await appendAudit(
        tx,
        {
          actor: principal.email,
          action: "emergency.page_acknowledged",
          objectType: "request",
          objectId: requestId,
          payload: { paged: current.status === "sent" },
        },
        now,
      );
      return readPage(tx, requestId);
    }),
  );
}
