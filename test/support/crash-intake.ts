import { createHash } from "node:crypto";
import { openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { intakeRequest } from "../../src/requests/requests.service.js";
import { activateExamplePolicy } from "./fixtures.js";

/**
 * The process test/crash.test.ts kills with SIGKILL at random moments:
 *   node --import tsx test/support/crash-intake.ts <data-dir | postgres-url> <prefix> <first-counter> [concurrency]
 * It opens the database as the application does (migrating it, activating the example policy and
 * seeding an agency when there are none), warms up (one intake of each shape, rolled back: the first
 * intakes of a fresh process are many times slower than the rest), prints `ready`, then intakes requests as fast as it can,
 * `concurrency` at a time. Only once intakeRequest has resolved (the commit was acknowledged) does it
 * print `ack <reference> <sha256 of the original document>`: every such line is a promise that the
 * request is stored, whatever happens to this process next.
 */

const CRASH_AGENCY = "Crash Test Agency";

const [target, prefix, first, concurrencyArg] = process.argv.slice(2);
if (!target || !prefix || first === undefined) {
  console.error("usage: crash-intake.ts <data-dir | postgres-url> <prefix> <first-counter> [concurrency]");
  process.exit(2);
}
const concurrency = Number(concurrencyArg ?? 1);

/** A mix of documents that takes every intake path: decided, held (HK), preserved (hold and jobs). */
function documentFor(reference: string, n: number): string {
  const shapes = [
    { jurisdiction: "US", process: "court_order", categories: ["subscriber.phone", "records.ip_logs"] },
    { jurisdiction: "GB", process: "search_warrant", categories: ["content.messages", "content.posts"] },
    { jurisdiction: "HK", process: "court_order", categories: ["subscriber.name"] },
    { jurisdiction: "US", process: "preservation", categories: ["records.ip_logs", "content.posts"] },
    { jurisdiction: "DE", process: "subpoena", categories: ["subscriber.email", "subscriber.created_at"] },
  ];
  const shape = shapes[n % shapes.length] as (typeof shapes)[number];
  const targets = Array.from({ length: 1 + (n % 3) }, (_, i) =>
    i === 0
      ? { type: "phone", value: `+1555${String(n % 10_000_000).padStart(7, "0")}` }
      : { type: "account_id", value: `acct-${n}-${i}` },
  );
  return JSON.stringify({
    reference,
    receivedAt: "2020-07-12T09:30:00Z",
    agency: { name: CRASH_AGENCY, email: "officer@crash.example.gov" },
    targets,
    ...shape,
  });
}

const database = await openDatabase(target.startsWith("postgres") ? { url: target } : { dataDir: target });
await migrateToLatest(database.db);
const active = await database.db
  .selectFrom("policy_version")
  .select("id")
  .where("active", "=", true)
  .executeTakeFirst();
if (!active) await activateExamplePolicy(database.db);
let agency = await database.db.selectFrom("agency").select("id").where("name", "=", CRASH_AGENCY).executeTakeFirst();
if (!agency) {
  agency = await database.db
    .insertInto("agency")
    .values({ name: CRASH_AGENCY, jurisdiction: "US", phone_on_file: "+15550000000" })
    .returning("id")
    .executeTakeFirstOrThrow();
}
const agencyId = agency.id;

const WARM_UP = new Error("warm-up: roll back");
for (let n = 0; n < 5; n++) {
  const input = {
    agencyId,
    originalDocument: documentFor(`${prefix}-warm-up-${n}`, n),
    actor: "intake@crash",
    now: new Date(),
    agencyVerified: true,
  };
  await intakeRequest(database.db, input, {
    alsoInTransaction: async () => {
      throw WARM_UP;
    },
  }).catch((error: unknown) => {
    if (error !== WARM_UP) throw error;
  });
}
process.stdout.write("ready\n");

let counter = Number(first);
async function intakeForever(): Promise<never> {
  for (;;) {
    const n = counter++;
    const reference = `${prefix}-${n}`;
    const originalDocument = documentFor(reference, n);
    await intakeRequest(database.db, {
      agencyId,
      originalDocument,
      actor: "intake@crash",
      now: new Date(),
      agencyVerified: true,
    });
    // Written to a pipe, which Node writes synchronously on Linux: the line is out before the next intake.
    process.stdout.write(`ack ${reference} ${createHash("sha256").update(originalDocument).digest("hex")}\n`);
  }
}

await Promise.all(Array.from({ length: concurrency }, intakeForever)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
