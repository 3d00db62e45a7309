import { createInterface } from "node:readline";
import { sql } from "kysely";
import { openDatabase } from "../../src/db/database.js";
import { type JobWork, runDueJobs } from "../../src/jobs/jobs.js";

/**
 * A job worker in its own OS process, for src/jobs/jobs.test.ts:
 *   node --import tsx test/support/jobs-worker.ts <postgres-url> [runners]
 * It connects, prints `ready`, waits for `go` on stdin (so that every worker starts at once), runs
 * `runners` concurrent runDueJobs loops until no job is due, prints `done <ran> <failed>` and exits.
 * Its one handler, "test.mark", records (job id, this pid) in `job_run_log`, a table the test creates
 * with no unique constraint on job_id: a job run twice would show up as two rows.
 */

const url = process.argv[2];
const runners = Number(process.argv[3] ?? 4);
if (!url) {
  console.error("usage: jobs-worker.ts <postgres-url> [runners]");
  process.exit(2);
}

const mark: JobWork = {
  transaction: async (tx, _payload, job) => {
    await sql`insert into job_run_log (job_id, pid) values (${job.id}, ${process.pid})`.execute(tx);
    // A little work inside the job's transaction, so the other runners really contend for the queue.
    await new Promise((resolve) => setTimeout(resolve, 1));
  },
};

const database = await openDatabase({ url });
await sql`select 1`.execute(database.db);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "go") {
      lines.close();
      process.stdin.destroy(); // An open stdin would keep this process alive after its work.
      resolve();
    }
  });
});

const results = await Promise.all(
  Array.from({ length: runners }, (_, i) =>
    runDueJobs(database.db, { "test.mark": mark }, { workerId: `worker-${process.pid}-${i}`, limit: 100_000 }),
  ),
);
const ran = results.reduce((sum, r) => sum + r.ran, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
await database.close();
process.stdout.write(`done ${ran} ${failed}\n`);
