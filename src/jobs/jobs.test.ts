import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ROOT } from "../../test/support/fixtures.js";
import { type EnqueueOptions, insertJob, type JobWork, runDueJobs, type TransactionJob } from "./jobs.js";

const SECOND = 1000;
const T0 = new Date("2020-07-12T10:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

describe.each(DRIVERS)("jobs on %s", (driver) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    // A side table the test handlers write to, so a job's effect (or its absence) can be seen.
    await sql`create table job_effect (
      id bigint generated always as identity primary key,
      job_id bigint not null,
      note text not null check (note <> 'forbidden')
    )`.execute(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await sql`delete from job`.execute(database.db);
    await sql`delete from job_effect`.execute(database.db);
  });

  const enqueue = (kind: string, payload: Record<string, unknown>, options: EnqueueOptions) =>
    database.db.transaction().execute((tx) => insertJob(tx, kind, payload, options));

  const recordIn: TransactionJob<Record<string, unknown>> = async (tx, payload, job) => {
    await sql`insert into job_effect (job_id, note) values (${job.id}, ${String(payload.note ?? "ran")})`.execute(tx);
  };
  const record: JobWork = { transaction: recordIn };

  const effects = async () =>
    (await sql<{ job_id: number; note: string }>`select job_id, note from job_effect order by id`.execute(database.db))
      .rows;
  const jobs = () => database.db.selectFrom("job").selectAll().orderBy("id").execute();

  it("runs due jobs once, in run_at order, and marks them done", async () => {
    await enqueue("test.record", { note: "second" }, { runAt: at(-1 * SECOND) });
    await enqueue("test.record", { note: "first" }, { runAt: at(-2 * SECOND) });
    await enqueue("test.record", { note: "exactly now" }, { runAt: T0 });

    const first = await runDueJobs(database.db, { "test.record": record }, { workerId: "w1", now: () => T0 });
    expect(first).toEqual({ ran: 3, failed: 0 });
    expect((await effects()).map((e) => e.note)).toEqual(["first", "second", "exactly now"]);
    for (const job of await jobs()) {
      expect(job).toMatchObject({ status: "done", attempts: 1, locked_by: "w1", last_error: null });
      expect(job.finished_at?.getTime()).toBe(T0.getTime());
    }

    const again = await runDueJobs(database.db, { "test.record": record }, { workerId: "w2", now: () => at(SECOND) });
    expect(again).toEqual({ ran: 0, failed: 0 });
    expect(await effects()).toHaveLength(3);
  });

  it("leaves future jobs waiting until their time has come", async () => {
    await enqueue("test.record", { note: "later" }, { runAt: at(3600 * SECOND) });
    const early = await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => T0 });
    expect(early).toEqual({ ran: 0, failed: 0 });
    expect((await jobs())[0]).toMatchObject({ status: "pending", attempts: 0, locked_by: null, finished_at: null });
    expect(await effects()).toEqual([]);

    const almost = await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => at(3599_999) });
    expect(almost.ran).toBe(0);
    const due = await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => at(3600_000) });
    expect(due).toEqual({ ran: 1, failed: 0 });
    expect((await effects()).map((e) => e.note)).toEqual(["later"]);
  });

  it("rolls back a failing handler's writes, records the attempt, retries with backoff, fails after max_attempts", async () => {
    let calls = 0;
    const failing: JobWork = {
      transaction: async (tx, payload, job) => {
        calls += 1;
        await recordIn(tx, payload, job);
        throw new Error(`mailer unreachable (call ${calls})`);
      },
    };
    await enqueue("test.failing", { note: "failing" }, { runAt: T0, maxAttempts: 3 });
    // A healthy job next to it is not affected by its neighbour's failure.
    await enqueue("test.record", { note: "healthy" }, { runAt: T0 });
    const handlers = { "test.failing": failing, "test.record": record };
    const run = (ms: number) => runDueJobs(database.db, handlers, { workerId: "w", now: () => at(ms) });

    expect(await run(0)).toEqual({ ran: 1, failed: 1 });
    expect((await effects()).map((e) => e.note)).toEqual(["healthy"]);
    const failingJob = async () => (await jobs()).find((j) => j.kind === "test.failing");
    expect(await failingJob()).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error: "mailer unreachable (call 1)",
      finished_at: null,
    });
    // Backoff: 2^attempts seconds after the failed attempt.
    expect((await failingJob())?.run_at.getTime()).toBe(at(2 * SECOND).getTime());

    expect(await run(2 * SECOND - 1)).toEqual({ ran: 0, failed: 0 });
    expect(await run(2 * SECOND)).toEqual({ ran: 0, failed: 1 });
    expect(await failingJob()).toMatchObject({
      status: "pending",
      attempts: 2,
      last_error: "mailer unreachable (call 2)",
    });
    expect((await failingJob())?.run_at.getTime()).toBe(at(6 * SECOND).getTime());

    expect(await run(6 * SECOND - 1)).toEqual({ ran: 0, failed: 0 });
    expect(await run(6 * SECOND)).toEqual({ ran: 0, failed: 1 });
    expect(await failingJob()).toMatchObject({
      status: "failed",
      attempts: 3,
      last_error: "mailer unreachable (call 3)",
    });

    // Given up: never taken again, however late it gets.
    expect(await run(86_400 * SECOND)).toEqual({ ran: 0, failed: 0 });
    expect(calls).toBe(3);
    expect((await effects()).map((e) => e.note)).toEqual(["healthy"]);
  });

  it("rolls back a transaction job whose own SQL fails, and records the failure in a transaction of its own", async () => {
    // The check constraint refuses 'forbidden': a database error that aborts the transaction.
    const sqlError: JobWork = {
      transaction: async (tx, _payload, job) => {
        await recordIn(tx, { note: "written before the error" }, job);
        await recordIn(tx, { note: "forbidden" }, job);
      },
    };
    await enqueue("test.sql_error", {}, { runAt: T0, maxAttempts: 1 });
    expect(await runDueJobs(database.db, { "test.sql_error": sqlError }, { workerId: "w", now: () => T0 })).toEqual({
      ran: 0,
      failed: 1,
    });
    expect(await effects()).toEqual([]);
    const [job] = await jobs();
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
    expect(job?.last_error).toMatch(/check constraint/);
  });

  it("fails a job of an unknown kind instead of stalling the queue", async () => {
    await enqueue("test.nobody", {}, { runAt: T0, maxAttempts: 1 });
    await enqueue("test.record", {}, { runAt: at(1) });
    expect(await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => at(1) })).toEqual({
      ran: 1,
      failed: 1,
    });
    const [unknown] = await jobs();
    expect(unknown).toMatchObject({ status: "failed", last_error: 'no handler for job kind "test.nobody"' });
  });

  it("enqueues a job with a dedupe_key once, whatever the later attempts say", async () => {
    await enqueue("test.record", { note: "original" }, { runAt: T0, dedupeKey: "reminder:42" });
    await enqueue("test.record", { note: "duplicate" }, { runAt: at(-SECOND), dedupeKey: "reminder:42" });
    await database.db.transaction().execute(async (tx) => {
      await insertJob(tx, "test.record", { note: "duplicate in one tx" }, { runAt: T0, dedupeKey: "reminder:42" });
    });
    // Jobs without a key are never merged.
    await enqueue("test.record", { note: "keyless" }, { runAt: T0 });
    await enqueue("test.record", { note: "keyless" }, { runAt: T0 });
    const all = await jobs();
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({ dedupe_key: "reminder:42", payload: { note: "original" } });
    expect(all[0]?.run_at.getTime()).toBe(T0.getTime());

    expect(await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => T0 })).toEqual({
      ran: 3,
      failed: 0,
    });
    // Done, the key still holds: it is not enqueued again.
    await enqueue("test.record", { note: "after done" }, { runAt: T0, dedupeKey: "reminder:42" });
    expect(await jobs()).toHaveLength(3);
  });

  it("stops after `limit` jobs and leaves the rest pending", async () => {
    for (let i = 0; i < 5; i++) await enqueue("test.record", { note: `n${i}` }, { runAt: at(i) });
    expect(
      await runDueJobs(database.db, { "test.record": record }, { workerId: "w", now: () => at(10), limit: 2 }),
    ).toEqual({ ran: 2, failed: 0 });
    expect((await effects()).map((e) => e.note)).toEqual(["n0", "n1"]);
    expect((await jobs()).filter((j) => j.status === "pending")).toHaveLength(3);
  });

  it("runs every job exactly once with several runners in one process", async () => {
    await database.db
      .insertInto("job")
      .values(
        Array.from({ length: 60 }, (_, i) => ({ kind: "test.record", payload: JSON.stringify({ note: `j${i}` }) })),
      )
      .execute();
    const slow: JobWork = {
      transaction: async (tx, payload, job) => {
        await recordIn(tx, payload, job);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    };
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => runDueJobs(database.db, { "test.record": slow }, { workerId: `runner-${n}` })),
    );
    expect(results.reduce((sum, r) => sum + r.ran, 0)).toBe(60);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    const done = await effects();
    expect(done).toHaveLength(60);
    expect(new Set(done.map((e) => e.job_id)).size).toBe(60);
    expect((await jobs()).every((j) => j.status === "done" && j.attempts === 1)).toBe(true);
  });

  /** A job as a holder that died left it: running, its lease ending at `leaseEnds`. */
  const abandoned = async (kind: string, leaseEnds: Date, attempts = 1, maxAttempts = 5) => {
    const row = await database.db
      .insertInto("job")
      .values({
        kind,
        payload: JSON.stringify({ note: "taken over" }),
        run_at: at(-60 * SECOND),
        status: "running",
        attempts,
        max_attempts: maxAttempts,
        locked_by: "dead-worker",
        locked_at: at(-60 * SECOND),
        locked_until: leaseEnds,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  };

  it("claims a leased job in its own short transaction and runs it with the Db, under a lease", async () => {
    await enqueue("test.leased", { note: "outside" }, { runAt: T0 });
    const seen: Array<{ status: string; locked_until: Date | null; locked_by: string | null }> = [];
    const leasedWork: JobWork = {
      leased: async (db, payload, job) => {
        // The claim has committed: the handler reads its own job as running through the outer handle,
        // and writes its effect in a transaction of its own.
        seen.push(
          await db
            .selectFrom("job")
            .select(["status", "locked_until", "locked_by"])
            .where("id", "=", job.id)
            .executeTakeFirstOrThrow(),
        );
        await db.transaction().execute((tx) => recordIn(tx, payload, job));
      },
    };
    expect(await runDueJobs(database.db, { "test.leased": leasedWork }, { workerId: "w1", now: () => T0 })).toEqual({
      ran: 1,
      failed: 0,
    });
    expect(seen).toEqual([{ status: "running", locked_until: at(30 * SECOND), locked_by: "w1" }]);
    expect((await effects()).map((e) => e.note)).toEqual(["outside"]);
    expect((await jobs())[0]).toMatchObject({ status: "done", attempts: 1, locked_until: null });
  });

  it("renews the lease while the handler works, and aborts the handler whose lease another runner took", async () => {
    await enqueue("test.slow", {}, { runAt: T0 });
    let clock = T0.getTime();
    const leases: number[] = [];
    let aborted: unknown;
    const slowWork: JobWork = {
      leased: async (db, _payload, job) => {
        for (let i = 0; i < 40 && !job.signal.aborted; i++) {
          clock += SECOND;
          await new Promise((resolve) => setTimeout(resolve, 10));
          const row = await db.selectFrom("job").select("locked_until").where("id", "=", job.id).executeTakeFirst();
          leases.push(row?.locked_until?.getTime() ?? 0);
          // Half-way, another runner takes the job over (as if this one had stalled past its lease).
          if (i === 20)
            await db.updateTable("job").set({ attempts: 2, locked_by: "w2" }).where("id", "=", job.id).execute();
        }
        aborted = job.signal.reason;
      },
    };
    const result = await runDueJobs(
      database.db,
      { "test.slow": slowWork },
      { workerId: "w1", now: () => new Date(clock), heartbeatMs: 15 },
    );
    // The renewals moved the lease on with the clock.
    expect(Math.max(...leases)).toBeGreaterThan(at(40 * SECOND).getTime());
    expect(String(aborted)).toMatch(/taken over by another runner/);
    // The first holder neither completes nor fails the job the second now holds.
    expect(result).toEqual({ ran: 0, failed: 1 });
    expect((await jobs())[0]).toMatchObject({ status: "running", attempts: 2, locked_by: "w2" });
  });

  it("rolls back a transaction job's effect when its lease was taken over before it committed", async () => {
    await enqueue("test.stalled", { note: "stalled" }, { runAt: T0 });
    const stalled: JobWork = {
      transaction: async (tx, payload, job) => {
        await recordIn(tx, payload, job);
        // Another runner took the job over meanwhile (the test writes what its claim would).
        await tx.updateTable("job").set({ attempts: 2, locked_by: "w2" }).where("id", "=", job.id).execute();
      },
    };
    expect(await runDueJobs(database.db, { "test.stalled": stalled }, { workerId: "w1", now: () => T0 })).toEqual({
      ran: 0,
      failed: 1,
    });
    expect(await effects()).toEqual([]);
    expect((await jobs())[0]).toMatchObject({ status: "running", attempts: 1, locked_by: "w1" });
  });

  it("takes over a job whose holder stopped renewing its lease, once the lease has run out", async () => {
    const id = await abandoned("test.record", at(30 * SECOND));
    const run = (ms: number) =>
      runDueJobs(database.db, { "test.record": record }, { workerId: "w2", now: () => at(ms) });
    expect(await run(30 * SECOND)).toEqual({ ran: 0, failed: 0 });
    expect(await run(30 * SECOND + 1)).toEqual({ ran: 1, failed: 0 });
    expect(await effects()).toEqual([{ job_id: id, note: "taken over" }]);
    expect((await jobs())[0]).toMatchObject({
      status: "done",
      attempts: 2,
      locked_by: "w2",
      last_error: "taken over from dead-worker, whose lease ran out",
    });
  });

  it("gives a job up when its last allowed attempt died under the lease", async () => {
    await abandoned("test.record", at(0), 3, 3);
    expect(await runDueJobs(database.db, { "test.record": record }, { workerId: "w2", now: () => at(SECOND) })).toEqual(
      { ran: 0, failed: 1 },
    );
    expect(await effects()).toEqual([]);
    const [job] = await jobs();
    expect(job).toMatchObject({ status: "failed", attempts: 3, locked_until: null });
    expect(job?.last_error).toMatch(/attempt 3 of 3 stopped: dead-worker held the lease/);
  });

  it.runIf(driver === "postgres")(
    "runs each of 300 jobs exactly once across two worker processes, both doing some",
    async () => {
      const JOBS = 300;
      await sql`create table job_run_log (
        id bigint generated always as identity primary key,
        job_id bigint not null,
        pid integer not null,
        unique (pid, id)
      )`.execute(database.db);
      await database.db
        .insertInto("job")
        .values(
          Array.from({ length: JOBS }, (_, i) => ({
            kind: "test.mark",
            payload: JSON.stringify({ n: i }),
            run_at: new Date(Date.now() - 60_000),
          })),
        )
        .execute();

      const workers = [startWorker(database.url as string), startWorker(database.url as string)];
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin.end("go\n");
      const summaries = await Promise.all(workers.map((w) => w.done));

      const pids = workers.map((w) => w.child.pid as number);
      const log = (
        await sql<{ job_id: number; pid: number }>`select job_id, pid from job_run_log order by id`.execute(database.db)
      ).rows;
      const runsPerJob = new Map<number, number>();
      for (const row of log) runsPerJob.set(row.job_id, (runsPerJob.get(row.job_id) ?? 0) + 1);
      const twice = [...runsPerJob].filter(([, n]) => n > 1);
      expect(twice).toEqual([]);
      expect(log).toHaveLength(JOBS);
      expect(runsPerJob.size).toBe(JOBS);
      expect(summaries.reduce((sum, s) => sum + s.ran, 0)).toBe(JOBS);
      expect(summaries.every((s) => s.failed === 0)).toBe(true);
      for (const pid of pids) {
        const mine = log.filter((row) => row.pid === pid).length;
        expect(mine, `worker ${pid} ran ${mine} of ${JOBS}`).toBeGreaterThan(0);
      }
      expect(new Set(log.map((row) => row.pid))).toEqual(new Set(pids));
      const statuses = await database.db
        .selectFrom("job")
        .select(["status", "attempts"])
        .where("kind", "=", "test.mark")
        .execute();
      expect(statuses.every((j) => j.status === "done" && j.attempts === 1)).toBe(true);
    },
    60_000,
  );
});

interface Worker {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  ready: Promise<void>;
  done: Promise<{ ran: number; failed: number }>;
}

function startWorker(url: string): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/jobs-worker.ts", url], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  let summary: { ran: number; failed: number } | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    if (line === "ready") onReady();
    const done = /^done (\d+) (\d+)$/.exec(line);
    if (done) summary = { ran: Number(done[1]), failed: Number(done[2]) };
  });
  const done = new Promise<{ ran: number; failed: number }>((resolve, reject) => {
    child.on("close", (code, signal) => {
      if (code === 0 && summary) resolve(summary);
      else reject(new Error(`worker ${child.pid} exited with ${code ?? signal}: ${stderr}`));
    });
  });
  done.catch(() => {}); // Awaited by the test; this only keeps an early death from being "unhandled".
  // A worker that dies before it is ready fails `done`; make `ready` fail with it instead of hanging.
  const readyOrDead = Promise.race([ready, done.then(() => undefined)]);
  return { child, ready: readyOrDead, done };
}
