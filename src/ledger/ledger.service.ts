import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import type { Db, Tx } from "../db/database.js";
import { countryOf } from "../domain/jurisdictions.js";
import { type PastRequest, recordPastRequests } from "../requests/history.repository.js";
import { ValidationError } from "../shared/validation.js";
import { type LedgerOutcome, type LedgerRow, parseLedger } from "./ledger.schema.js";

/**
 * `custodian import FILE.csv`: past requests from a ledger, in one transaction (all rows or none),
 * each audited, then counted by the report like any other request.
 *
 * A ledger says what happened, not why: each row gets a decision with cause `import` whose outcome is
 * the ledger's (policy "ledger", version = the file's SHA-256 prefix), with no items. `produced`
 * becomes `comply_partial`, the outcome that claims no more than "some data was produced".
 */

const AS_STORED: Record<
  LedgerOutcome,
  Pick<PastRequest, "status" | "closedFrom"> & { outcome: PastRequest["decision"]["outcome"] }
> = {
  produced: { status: "closed", closedFrom: "delivered", outcome: "comply_partial" },
  rejected: { status: "closed", closedFrom: "rejected", outcome: "reject" },
  no_data: { status: "closed", closedFrom: "rejected", outcome: "no_data" },
  preserved: { status: "closed", closedFrom: "preserved", outcome: "preserve" },
};

export interface ImportResult {
  imported: number;
  agenciesCreated: number;
  sha256: string;
}

export async function importLedger(
  db: Db,
  text: string,
  options: { source: string; actor: string; now: Date },
): Promise<ImportResult> {
  const rows = parseLedger(text, options.source);
  const sha256 = sha256Hex(text);
  return db.transaction().execute(async (tx) => {
    const { ids, created } = await agenciesFor(tx, rows, options);
    await refuseKnownReferences(tx, rows, ids, options.source);
    const version = sha256.slice(0, 16);
    const requests: PastRequest[] = rows.map((row) => {
      const stored = AS_STORED[row.outcome];
      return {
        agencyId: ids.get(agencyKey(row)) as string,
        reference: row.reference,
        receivedAt: row.received_at,
        jurisdiction: row.jurisdiction,
        process: row.process,
        categories: row.categories,
        targets: [],
        accountsSpecified: row.accounts_specified,
        // The ledger row as it arrived, so its digest in the audit entry can be checked against the file.
        originalDocument: JSON.stringify({ source: options.source, line: row.line, row: row.fields }),
        status: stored.status,
        closedFrom: stored.closedFrom ?? null,
        decision: {
          cause: "import",
          policy: { name: "ledger", version },
          outcome: stored.outcome,
          needsReview: false,
          reviewReasons: [],
          items: [],
          note: `${options.source} line ${row.line}: ${row.outcome}`,
          decidedAt: options.now,
        },
      };
    });
    await recordPastRequests(tx, requests, {
      actor: options.actor,
      now: options.now,
      source: `ledger ${options.source}`,
    });
    return { imported: rows.length, agenciesCreated: created, sha256 };
  });
}

const agencyKey = (row: Pick<LedgerRow, "agency" | "jurisdiction">) =>
  `${countryOf(row.jurisdiction)}\u0000${row.agency}`;

/** An agency is known by its name within its country; one the desk has never heard of is registered. */
async function agenciesFor(tx: Tx, rows: readonly LedgerRow[], options: { actor: string; now: Date }) {
  const wanted = new Map<string, { name: string; country: string }>();
  for (const row of rows) wanted.set(agencyKey(row), { name: row.agency, country: countryOf(row.jurisdiction) });
  const names = [...new Set([...wanted.values()].map((a) => a.name))];
  const existing = await tx
    .selectFrom("agency")
    .select(["id", "name", "jurisdiction"])
    .where("name", "in", names)
    .execute();
  const ids = new Map<string, string>();
  for (const agency of existing) ids.set(`${countryOf(agency.jurisdiction)}\u0000${agency.name}`, agency.id);
  let created = 0;
  for (const [key, agency] of wanted) {
    if (ids.has(key)) continue;
    const { id } = await tx
      .insertInto("agency")
      .values({ name: agency.name, jurisdiction: agency.country })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: options.actor,
        action: "agency.created",
        objectType: "agency",
        objectId: id,
        payload: { name: agency.name, jurisdiction: agency.country, via: "ledger import" },
      },
      options.now,
    );
    ids.set(key, id);
    created += 1;
  }
  return { ids, created };
}

async function refuseKnownReferences(tx: Tx, rows: readonly LedgerRow[], ids: Map<string, string>, source: string) {
  const byKey = new Map(rows.map((row) => [`${ids.get(agencyKey(row))}\u0000${row.reference}`, row]));
  // Arrays as two parameters: a ledger can have more rows than a statement can take parameters.
  const { rows: known } = await sql<{ agency_id: string; reference: string }>`
    select agency_id, reference from request
     where agency_id = any(${[...new Set(ids.values())]}::uuid[]) and reference = any(${rows.map((r) => r.reference)}::text[])`.execute(
    tx,
  );
  const problems = known
    .flatMap((k) => byKey.get(`${k.agency_id}\u0000${k.reference}`) ?? [])
    .sort((a, b) => a.line - b.line)
    .map((row) => ({
      path: `line ${row.line}: reference`,
      message: `"${row.reference}" of ${row.agency} is already stored`,
    }));
  if (problems.length > 0) throw new ValidationError(problems.slice(0, 20), source);
}
