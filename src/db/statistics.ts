import { sql } from "kysely";
import type { Db } from "./database.js";

/**
 * The planner's statistics on an embedded store. PostgreSQL's autovacuum analyzes a table once a tenth of
 * it has changed; PGlite runs no autovacuum, so a store filled in bulk (the demo's history, an imported
 * ledger) keeps planning as if its tables were empty. Measured on the demo's 57,514 requests: the queue's
 * "open" view walked the whole deadline index (682 ms) until `analyze`, then read the status index
 * (0.5 ms). ANALYZE samples a bounded number of rows, but on PGlite it runs on the event loop (1.4 s for
 * `request` under load), so it runs after bulk loads (`custodian import`, the demo's history) and once a day, never on a request's path.
 */

/** The tables the queue, the request page and the reports plan over. */
const PLANNED_TABLES = ["request", "decision", "review", "request_target", "agency", "app_user", "job"] as const;

export async function refreshPlannerStatistics(db: Db): Promise<void> {
  for (const table of PLANNED_TABLES) await sql`analyze ${sql.table(table)}`.execute(db);
}
