import { type Insertable, sql } from "kysely";
import type { Db, Tx } from "../db/database.js";
import type { JobTable } from "../db/schema.js";

/**
 * Jobs live in PostgreSQL. A worker takes one due job with `FOR UPDATE SKIP LOCKED` and runs its
 * handler inside the same transaction, so the job's effect and its completion commit together: two
 * workers (in one process or many) never run a job twice, and a crash mid-job leaves it pending.
 */

export type JobHandler = (tx: Tx, payload: Record<string, unknown>, job: { id: number; now: Date }) => Promise<void>;

export interface EnqueueOptions {
  runAt: Date;
  /** A job with the same key is enqueued once; later attempts are ignored. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export function jobRow(kind: string, payload: Record<string, unknown>, options: EnqueueOptions): Insertable<JobTable> {
  return {
    kind,
    payload: JSON.stringify(payload),
    run_at: options.runAt,
    dedupe_key: options.dedupeKey ?? null,
    max_attempts: options.maxAttempts ?? 5,
  };
}

export async function enqueueJob(
  tx: Tx,
  kind: string,
  payload: Record<string, unknown>,
  options: EnqueueOptions,
): Promise<void> {
  await tx
    .insertInto("job")
    .values(jobRow(kind, payload, options))
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
}

export interface RunResult {
  ran: number;
  failed: number;
}

/** Run due jobs until none is left (or `limit` were taken). */
export async function runDueJobs(
  db: Db,
  handlers: Record<string, JobHandler>,
  options: { workerId: string; now?: () => Date; limit?: number },
): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const limit = options.limit ?? 1000;
  const result: RunResult = { ran: 0, failed: 0 };
  while (result.ran + result.failed < limit) {
    const at = now();
    let failure: { id: number; error: unknown } | undefined;
    const took = await db.transaction().execute(async (tx) => {
      const job = await tx
        .selectFrom("job")
        .select(["id", "kind", "payload", "attempts"])
        .where("status", "=", "pending")
        .where("run_at", "<=", at)
        .orderBy("run_at")
        .orderBy("id")
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!job) return false;
      const handler = handlers[job.kind];
      try {
        await sql`savepoint job_handler`.execute(tx);
        if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
        await handler(tx, job.payload, { id: job.id, now: at });
        await sql`release savepoint job_handler`.execute(tx);
        await tx
          .updateTable("job")
          .set({
            status: "done",
            attempts: job.attempts + 1,
            locked_by: options.workerId,
            locked_at: at,
            finished_at: at,
          })
          .where("id", "=", job.id)
          .execute();
      } catch (error) {
        // The handler's writes are undone; the attempt is recorded and the job retried later.
        await sql`rollback to savepoint job_handler`.execute(tx);
        const attempts = job.attempts + 1;
        const max = await tx
          .selectFrom("job")
          .select("max_attempts")
          .where("id", "=", job.id)
          .executeTakeFirstOrThrow();
        await tx
          .updateTable("job")
          .set({
            status: attempts >= max.max_attempts ? "failed" : "pending",
            attempts,
            last_error: String((error as Error).message ?? error).slice(0, 2000),
            run_at: new Date(at.getTime() + 2 ** attempts * 1000),
            locked_by: options.workerId,
            locked_at: at,
          })
          .where("id", "=", job.id)
          .execute();
        failure = { id: job.id, error };
      }
      return true;
    });
    if (!took) break;
    if (failure) result.failed += 1;
    else result.ran += 1;
  }
  return result;
}
