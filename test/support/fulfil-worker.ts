import { openDatabase } from "../../src/db/database.js";
import { DirectoryArchiveStore } from "../../src/fulfilment/archive-dir.storage.js";
import { fulfilRequestJob } from "../../src/fulfilment/fulfilment.service.js";
import { leased, registerJobs } from "../../src/jobs/jobs.catalogue.js";
import { runDueJobs } from "../../src/jobs/jobs.js";
import { bulkSource } from "./bulk-source.js";
import { testKeyring } from "./fulfilment.js";

/**
 * A job runner in its own OS process, for the crash test of fulfilment (fulfilment.crash.test.ts):
 *   node --import tsx test/support/fulfil-worker.ts <postgres-url> <records> <archive-directory>
 * It runs the due `request.fulfil` jobs from the bulk source; their progress goes to stderr, where the
 * test watches for packaging to be under way before it kills this process with SIGKILL.
 */

const [url, records, archiveDir] = process.argv.slice(2);
if (!url || !records || !archiveDir) {
  console.error("usage: fulfil-worker.ts <postgres-url> <records> <archive-directory>");
  process.exit(2);
}
const settings = {
  keyring: testKeyring(),
  retentionDays: 30,
  downloadLinkDays: 14,
  emergencyNoticeDelayDays: 30,
  publicUrl: "https://custodian.example",
  archives: new DirectoryArchiveStore(archiveDir),
};
const database = await openDatabase({ url });
const handlers = registerJobs({
  "request.fulfil": leased(fulfilRequestJob(settings, () => bulkSource(Number(records)))),
});
const result = await runDueJobs(database.db, handlers, {
  workerId: `fulfil-worker:${process.pid}`,
  kinds: ["request.fulfil"],
});
await database.close();
process.stdout.write(`done ${result.ran} ${result.failed}\n`);
