import { sql } from "kysely";
import type { Tx } from "../db/database.js";
import { countryOf } from "../domain/jurisdictions.js";

/**
 * Intake and a pause of the same country must not interleave: an intake that read "HK active" and
 * commits after the pause moved every HK request on hold would leave one request unheld. Intake takes
 * the country's lock shared (intakes run side by side); pause and resume take it exclusively.
 */
const NAMESPACE = 0x6a75_7269; // "juri"

/** The shared lock as an expression, for a caller that reads what it needs in the same round trip. */
export function sharedLockCall(jurisdiction: string) {
  return sql`pg_advisory_xact_lock_shared(${NAMESPACE}, hashtext(${countryOf(jurisdiction)}))`;
}

export async function lockJurisdictionShared(tx: Tx, jurisdiction: string): Promise<void> {
  await sql`select ${sharedLockCall(jurisdiction)}`.execute(tx);
}

export async function lockJurisdictionExclusive(tx: Tx, jurisdiction: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${NAMESPACE}, hashtext(${countryOf(jurisdiction)}))`.execute(tx);
}
