import type { Insertable } from "kysely";
import { z } from "zod";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { Tx } from "../db/database.js";
import type { JobTable } from "../db/schema.js";
import {
  type EnqueueOptions,
  insertJob,
  type JobHandlerTable,
  type JobWork,
  jobRow,
  type LeasedJob,
  type TransactionJob,
} from "./jobs.js";

/**
 * The catalogue of jobs: every kind the system enqueues and the payload it carries, as audit.events.ts
 * is for the audit trail. Producers enqueue by kind with a payload of that kind's type; the runner
 * parses each payload against its schema before the handler sees it, so a row written by an older
 * version (or by hand) that no longer fits fails with the field named, instead of running on `undefined`.
 * The handlers themselves are wired above (server/job-handlers.ts): jobs/ knows what a job is, not
 * which slice does it.
 */

const id = z.string().min(1);

export const JOB_PAYLOADS = {
  /** A preservation hold's 90 days (or 180, renewed) are over: release it unless process arrived. */
  "preservation.expire": z.object({ holdId: id }),
  /** A preservation hold expires soon: the desk is reminded. */
  "preservation.remind": z.object({ holdId: id }),
  /** An open request's answer deadline approaches. */
  "request.deadline_reminder": z.object({ requestId: id }),
  /** An emergency request's follow-up legal process is due. */
  "emergency.follow_up_due": z.object({ requestId: id }),
  /** An emergency order wakes the on-call person through the configured pager (retried until accepted). */
  "emergency.page": z.object({ requestId: id }),
  /** An approved request is fulfilled: collection, packaging, storage, delivery (a leased job). */
  "request.fulfil": z.object({ requestId: id, actor: z.string().min(1).default(actorOf(JOB_RUNNER)) }),
  /** A production's retention is over: its archive and key are erased. */
  "production.purge": z.object({ productionId: id }),
  /** A user notice held back (non-disclosure order, emergency delay) falls due. */
  "notice.send": z.object({ requestId: id, kind: z.enum(["delivered", "rejected"]) }),
} as const;

export type JobKind = keyof typeof JOB_PAYLOADS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOB_PAYLOADS)[K]>;
/** One job as enqueued: its kind and that kind's payload. */
export type Job = { [K in JobKind]: { kind: K; payload: JobPayload<K> } }[JobKind];

/** What runs each kind. A table may leave kinds out (tests, the CLI without a master key). */
export type JobHandlers = { [K in JobKind]?: JobWork<JobPayload<K>> };

export async function enqueueJob<K extends JobKind>(
  tx: Tx,
  kind: K,
  payload: JobPayload<K>,
  options: EnqueueOptions,
): Promise<void> {
  await insertJob(tx, kind, JOB_PAYLOADS[kind].parse(payload), options);
}

/**
 * An approved request's fulfilment, queued in the approving transaction so that an approval is never
 * forgotten and never acted on if it rolls back; one per request however often it is approved.
 */
export async function enqueueFulfilment(
  tx: Tx,
  requestId: string,
  actor: string,
  now: Date,
  runAt: Date = now,
): Promise<void> {
  await enqueueJob(
    tx,
    "request.fulfil",
    { requestId, actor },
    { runAt, dedupeKey: fulfilmentKey(requestId), maxAttempts: 3 },
  );
}

const fulfilmentKey = (requestId: string) => `fulfil:${requestId}`;

/** Move a request's fulfilment still waiting to run (the enforcing State's wait began or ended). */
export async function rescheduleFulfilment(tx: Tx, requestId: string, runAt: Date): Promise<void> {
  await tx
    .updateTable("job")
    .set({ run_at: runAt })
    .where("dedupe_key", "=", fulfilmentKey(requestId))
    .where("status", "=", "pending")
    .execute();
}

/** Attempts at paging an emergency before the desk is told paging failed: with the doubling pause, about 4 minutes. */
export const EMERGENCY_PAGE_ATTEMPTS = 8;

/** A job's row, for writers that insert many rows in one statement (intake). */
export function catalogueJobRow<K extends JobKind>(
  kind: K,
  payload: JobPayload<K>,
  options: EnqueueOptions,
): Insertable<JobTable> {
  return jobRow(kind, JOB_PAYLOADS[kind].parse(payload), options);
}

export function inTransaction<P>(run: TransactionJob<P>): JobWork<P> {
  return { transaction: run };
}

export function leased<P>(run: LeasedJob<P>): JobWork<P> {
  return { leased: run };
}

/** The runner's table: each handler behind its kind's payload schema. */
export function registerJobs(handlers: JobHandlers): JobHandlerTable {
  const table: JobHandlerTable = {};
  for (const kind of Object.keys(handlers) as JobKind[]) {
    const work = handlers[kind] as JobWork<unknown> | undefined;
    if (!work) continue;
    const parse = (payload: unknown) => {
      const parsed = JOB_PAYLOADS[kind].safeParse(payload);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`);
        throw new Error(`job ${kind}: payload refused (${problems.join("; ")})`);
      }
      return parsed.data;
    };
    table[kind] =
      "transaction" in work
        ? { transaction: (tx, payload, job) => work.transaction(tx, parse(payload), job) }
        : { leased: (db, payload, job) => work.leased(db, parse(payload), job) };
  }
  return table;
}
