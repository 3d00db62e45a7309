import { sql } from "kysely";
import type { Tx } from "../db/database.js";
import { countryOf } from "../domain/jurisdictions.js";

/**
 * Intake and a pause of the same country must not interleave: an intake that read "HK active" and
 * commits after the pause moved every HK request on hold would leave one request unheld. Intake takes
 * the country's lock shared inside `admit_request` (migration 0006, which explains why there), so
 * intakes run side by side; pause and resume take it exclusively here.
 */
export async function lockJurisdictionExclusive(tx: Tx, jurisdiction: string): Promise<void> {
  await sql`select lock_jurisdiction_exclusive(${countryOf(jurisdiction)})`.execute(tx);
}
