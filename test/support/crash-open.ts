import { openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";

/**
 * Opens a database in a process of its own and keeps it open until killed, for src/db/database.test.ts:
 *   node --import tsx test/support/crash-open.ts <data-dir | postgres-url> [agency-name]
 * Opened, it migrates and (given a name) commits one agency, so the test can see that a commit made
 * before a SIGKILL survives it, then prints `ready <pid>`. Refused, it prints `refused <code> <message>`.
 * Either way it then waits to be killed: the test decides when it ends.
 */
const [target, agencyName] = process.argv.slice(2);
if (!target) {
  console.error("usage: crash-open.ts <data-dir | postgres-url> [agency-name]");
  process.exit(2);
}
try {
  const database = await openDatabase(target.startsWith("postgres") ? { url: target } : { dataDir: target });
  await migrateToLatest(database.db);
  if (agencyName) await database.db.insertInto("agency").values({ name: agencyName, jurisdiction: "US" }).execute();
  process.stdout.write(`ready ${process.pid}\n`);
} catch (error) {
  const { code, message } = error as { code?: string; message: string };
  process.stdout.write(`refused ${code ?? "unknown"} ${message.replace(/\n/g, " ")}\n`);
}
setInterval(() => {}, 60_000);
