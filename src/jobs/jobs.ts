import type { Insertable } from "kysely";
import type { Db, Tx } from "../db/database.js";
import type { JobTable } from "../db/schema.js";

/**
 * Jobs live in PostgreSQL and are run under a lease, so that no job holds a transaction (or a row lock)
 * for longer than its own bookkeeping:
 *
 *  1. claim (one short transaction): take one due job with `FOR UPDATE SKIP LOCKED` — a pending job
 *     whose time has come, or a running one whose lease has run out because its holder died — and mark
 *     it `running`, counting the attempt and setting `locked_until`;
 *  2. run: a heartbeat extends `locked_until` while the handler works; should it find the lease taken
 *     over, the handler's `signal` aborts;
 *  3. finish (a second short transaction): `done`, or back to `pending` with a backoff, or `failed`
 *     after `max_attempts`. Every write after the claim names the attempt it belongs to, so a holder
 *     that lost its lease cannot complete or fail a job another holder now runs.
 *
 * A handler is one of two kinds. `transaction` work only touches the database: it runs in one
 * transaction that also marks the job done, so its effect and its completion commit together and a
 * crash leaves neither. `leased` work takes time or reaches outside (fulfilment collects from a
 * provider's systems and stores gigabytes): it gets a `Db`, keeps its own steps short, and must be
 * safe to take over after a crash, because a dead holder's job runs again once its lease runs out.
 */

/** A dead holder's job is taken over this long after its last heartbeat. */
export const LEASE_MS = 30_000;
/** How often a running job's lease is extended. A holder that misses two beats in a row is still safe. */
export const HEARTBEAT_MS = 10_000;

export interface JobContext {
  id: number;
  /** The time of the claim (the runner's clock), which handlers treat as "now". */
  now: Date;
  /** 1 for the first run; a takeover after a crash counts as another attempt. */
  attempt: number;
  /** Aborted when the lease is found to have been taken over by another runner. */
  signal: AbortSignal;
}

export type TransactionJob<P> = (tx: Tx, payload: P, job: JobContext) => Promise<void>;
export type LeasedJob<P> = (db: Db, payload: P, job: JobContext) => Promise<void>;

export type JobWork<P = Record<string, unknown>> =
  | { readonly transaction: TransactionJob<P> }
  | { readonly leased: LeasedJob<P> };

export type JobHandlerTable = Record<string, JobWork>;

export interface EnqueueOptions {
  runAt: Date;
  /** A job with the same key is enqueued once; later attempts are ignored. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export function jobRow(kind: string, payload: object, options: EnqueueOptions): Insertable<JobTable> {
  return {
    kind,
    payload: JSON.stringify(payload),
    run_at: options.runAt,
    dedupe_key: options.dedupeKey ?? null,
    max_attempts: options.maxAttempts ?? 5,
  };
}

/** Insert a job row of any kind. The system's own jobs go through `enqueueJob` of the catalogue, typed. */
export async function insertJob(tx: Tx, kind: string, payload: object, options: EnqueueOptions): Promise<void> {
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

export interface RunOptions {
  workerId: string;
  now?: () => Date;
  limit?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  /** Only jobs of these kinds are claimed (a runner dedicated to some work); all kinds by default. */
  kinds?: readonly string[];
}

interface Claim {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempt: number;
  at: Date;
}

type Claimed = { claim: Claim } | { gaveUp: true } | undefined;

/** Run due jobs until none is left (or `limit` were taken). */
export async function runDueJobs(db: Db, handlers: JobHandlerTable, options: RunOptions): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const limit = options.limit ?? 1000;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const result: RunResult = { ran: 0, failed: 0 };
  while (result.ran + result.failed < limit) {
    const claimed = await claimDueJob(db, options.workerId, now(), leaseMs, options.kinds);
    if (!claimed) break;
    if ("gaveUp" in claimed) {
      result.failed += 1;
      continue;
    }
    const ok = await runClaimed(db, handlers, claimed.claim, { ...options, now, leaseMs });
    if (ok) result.ran += 1;
    else result.failed += 1;
  }
  return result;
}

async function claimDueJob(
  db: Db,
  workerId: string,
  at: Date,
  leaseMs: number,
  kinds: readonly string[] | undefined,
): Promise<Claimed> {
  return db.transaction().execute(async (tx): Promise<Claimed> => {
    const job = await tx
      .selectFrom("job")
      .select(["id", "kind", "payload", "attempts", "max_attempts", "status", "locked_by"])
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "pending"), eb("run_at", "<=", at)]),
          eb.and([eb("status", "=", "running"), eb("locked_until", "<", at)]),
        ]),
      )
      .$if(kinds !== undefined, (qb) => qb.where("kind", "in", kinds as string[]))
      .orderBy("run_at")
      .orderBy("id")
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!job) return undefined;
    const takenOver = job.status === "running";
    if (takenOver && job.attempts >= job.max_attempts) {
      await tx
        .updateTable("job")
        .set({
          status: "failed",
          last_error: `attempt ${job.attempts} of ${job.max_attempts} stopped: ${job.locked_by} held the lease and no longer renews it`,
          locked_until: null,
          finished_at: at,
        })
        .where("id", "=", job.id)
        .execute();
      return { gaveUp: true };
    }
    const attempt = job.attempts + 1;
    await tx
      .updateTable("job")
      .set({
        status: "running",
        attempts: attempt,
        locked_by: workerId,
        locked_at: at,
        locked_until: new Date(at.getTime() + leaseMs),
        ...(takenOver ? { last_error: `taken over from ${job.locked_by}, whose lease ran out` } : {}),
      })
      .where("id", "=", job.id)
      .execute();
    return { claim: { id: job.id, kind: job.kind, payload: job.payload, attempt, at } };
  });
}

async function runClaimed(
  db: Db,
  handlers: JobHandlerTable,
  claim: Claim,
  options: RunOptions & { now: () => Date; leaseMs: number },
): Promise<boolean> {
  const lost = new AbortController();
  const context: JobContext = { id: claim.id, now: claim.at, attempt: claim.attempt, signal: lost.signal };
  let beating: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    beating = beating.then(async () => {
      const extended = await db
        .updateTable("job")
        .set({ locked_until: new Date(options.now().getTime() + options.leaseMs) })
        .where("id", "=", claim.id)
        .where("status", "=", "running")
        .where("attempts", "=", claim.attempt)
        .executeTakeFirst()
        .catch(() => undefined); // A missed beat is retried on the next tick; the lease has room for it.
      if (extended && extended.numUpdatedRows === 0n && !lost.signal.aborted) {
        lost.abort(new Error(`job ${claim.id}: the lease was taken over by another runner`));
      }
    });
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  const stopBeating = async () => {
    clearInterval(timer);
    await beating;
  };

  const handler = handlers[claim.kind];
  try {
    if (!handler) throw new Error(`no handler for job kind "${claim.kind}"`);
    if ("transaction" in handler) {
      await db.transaction().execute(async (tx) => {
        await handler.transaction(tx, claim.payload, context);
        await complete(tx, claim, options.now());
      });
      await stopBeating();
    } else {
      await handler.leased(db, claim.payload, context);
      await stopBeating();
      await db.transaction().execute((tx) => complete(tx, claim, options.now()));
    }
    return true;
  } catch (error) {
    await stopBeating();
    await db.transaction().execute((tx) => fail(tx, claim, error, options.now()));
    return false;
  }
}

class LeaseLost extends Error {}

async function complete(tx: Tx, claim: Claim, at: Date): Promise<void> {
  const done = await tx
    .updateTable("job")
    .set({ status: "done", finished_at: at, locked_until: null })
    .where("id", "=", claim.id)
    .where("status", "=", "running")
    .where("attempts", "=", claim.attempt)
    .executeTakeFirst();
  // Taken over meanwhile: the other holder's attempt is the one that counts (and for transaction work,
  // this one's effect is rolled back with this throw).
  if (done.numUpdatedRows === 0n) throw new LeaseLost(`job ${claim.id}: the lease was taken over by another runner`);
}

async function fail(tx: Tx, claim: Claim, error: unknown, at: Date): Promise<void> {
  if (error instanceof LeaseLost) return;
  const job = await tx.selectFrom("job").select("max_attempts").where("id", "=", claim.id).executeTakeFirst();
  if (!job) return;
  await tx
    .updateTable("job")
    .set({
      status: claim.attempt >= job.max_attempts ? "failed" : "pending",
      last_error: String((error as Error)?.message ?? error).slice(0, 2000),
      run_at: new Date(at.getTime() + 2 ** claim.attempt * 1000),
      locked_until: null,
      ...(claim.attempt >= job.max_attempts ? { finished_at: at } : {}),
    })
    .where("id", "=", claim.id)
    .where("status", "=", "running")
    .where("attempts", "=", claim.attempt)
    .execute();
}
