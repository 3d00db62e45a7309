import { createHash } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import type { Db, Tx } from "../db/database.js";
import { countryOf } from "../domain/jurisdictions.js";
import { insertPastRequests, type PastRequest } from "../requests/history.repository.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import { type LedgerOutcome, type LedgerRow, readLedger } from "./ledger.schema.js";

/**
 * `custodian import FILE.csv`: past requests from a ledger, in one transaction (all rows or none),
 * each audited, then counted by the report like any other request.
 *
 * A ledger says what happened, not why: each row gets a decision with cause `import` whose outcome is
 * the ledger's (policy "ledger", version = the file's SHA-256 prefix), with no items. `produced`
 * becomes `comply_partial`, the outcome that claims no more than "some data was produced".
 *
 * At scale (a million rows) the file is streamed, never held: each checked row goes into a temporary
 * table in batches (one statement per few thousand rows), the checks that need every row (a reference
 * twice in the file, or already stored) are one query each there, and the requests are written from it
 * set-based, in chunks. Memory stays flat; the transaction holds it all, so a refusal leaves nothing.
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

/** Rows sent to the staging table per statement, and requests written per statement from it. */
const STAGE_BATCH = 5000;
const WRITE_CHUNK = 25_000;

export async function importLedger(
  db: Db,
  input: string | Readable,
  options: { source: string; actor: string; now: Date },
): Promise<ImportResult> {
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const stream = (typeof input === "string" ? Readable.from([Buffer.from(input)]) : input).pipe(hashing);
  return db.transaction().execute(async (tx) => {
    await sql`
      create temporary table ledger_row (
        seq integer not null, line integer not null, reference text not null, received_at timestamptz not null,
        jurisdiction text not null, country text not null, agency text not null, process text not null,
        categories text[] not null, accounts integer not null, ledger_outcome text not null, status text not null,
        closed_from text, outcome text not null, document text not null, sha256 text not null
      ) on commit drop`.execute(tx);
    let count = 0;
    let batch: unknown[] = [];
    for await (const row of readLedger(stream, options.source)) {
      count += 1;
      batch.push(stagedRow(row, count, options.source));
      if (batch.length >= STAGE_BATCH) {
        await stage(tx, batch);
        batch = [];
      }
    }
    await stage(tx, batch);
    // Each chunk below reads its rows by `seq`, in order: without an index every chunk scanned and sorted
    // the whole staging table (40 scans of a million rows, and a sort that spilled to disk, per import).
    // A temporary table is never analyzed by autovacuum: the checks' joins plan on its real size.
    await sql`create index ledger_row_seq on ledger_row (seq)`.execute(tx);
    await sql`analyze ledger_row`.execute(tx);
    const sha256 = hash.digest("hex");
    await refuseDuplicates(tx, options.source);
    const created = await agenciesFor(tx, options);
    await refuseKnownReferences(tx, options.source);
    const version = sha256.slice(0, 16);
    const context = { actor: options.actor, now: options.now, source: `ledger ${options.source}` };
    for (let after = 0; after < count; after += WRITE_CHUNK) {
      await insertPastRequests(
        tx,
        sql`
          select gen_random_uuid() as id, gen_random_uuid() as decision_id, a.id as agency_id, s.reference,
                 s.received_at, s.jurisdiction, s.process, s.categories, '[]'::jsonb as targets, s.accounts,
                 s.document, s.sha256, s.status, null::text as held_from, s.closed_from, 'import' as cause,
                 'ledger' as policy_name, ${version}::text as policy_version, s.outcome, false as needs_review,
                 '[]'::jsonb as review_reasons, false as human_rights_review, '[]'::jsonb as items,
                 ${options.source}::text || ' line ' || s.line || ': ' || s.ledger_outcome as note,
                 ${options.now}::timestamptz as decided_at,
                 jsonb_build_object('source', ${context.source}::text, 'agencyId', a.id, 'reference', s.reference,
                   'jurisdiction', s.jurisdiction, 'process', s.process,
                   'receivedAt', to_char(s.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   'accountsSpecified', s.accounts, 'originalSha256', s.sha256, 'status', s.status,
                   'outcome', s.outcome, 'policy', jsonb_build_object('name', 'ledger', 'version', ${version}::text))
                 || case when s.closed_from is null then '{}'::jsonb
                         else jsonb_build_object('closedFrom', s.closed_from) end as payload
            from ledger_row s join ledger_agency a on a.country = s.country and a.agency = s.agency
           where s.seq > ${after} and s.seq <= ${after + WRITE_CHUNK}
           order by s.seq`,
        context,
      );
    }
    return { imported: count, agenciesCreated: created, sha256 };
  });
}

function stagedRow(row: LedgerRow, seq: number, source: string) {
  const stored = AS_STORED[row.outcome];
  // The ledger row as it arrived, so its digest in the audit entry can be checked against the file.
  const document = JSON.stringify({ source, line: row.line, row: row.fields });
  return {
    seq,
    line: row.line,
    reference: row.reference,
    received_at: row.received_at.toISOString(),
    jurisdiction: row.jurisdiction,
    country: countryOf(row.jurisdiction),
    agency: row.agency,
    process: row.process,
    categories: row.categories,
    accounts: row.accounts_specified,
    ledger_outcome: row.outcome,
    status: stored.status,
    closed_from: stored.closedFrom ?? null,
    outcome: stored.outcome,
    document,
    sha256: sha256Hex(document),
  };
}

async function stage(tx: Tx, rows: unknown[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into ledger_row
    select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(
      seq integer, line integer, reference text, received_at timestamptz, jurisdiction text, country text,
      agency text, process text, categories text[], accounts integer, ledger_outcome text, status text,
      closed_from text, outcome text, document text, sha256 text)`.execute(tx);
}

/** A reference twice in the file (for one agency): the later lines are named, with the first. */
async function refuseDuplicates(tx: Tx, source: string): Promise<void> {
  const { rows } = await sql<{ line: number; reference: string; agency: string; first: number }>`
    select line, reference, agency, first from (
      select line, reference, agency, min(line) over (partition by agency, reference) as first from ledger_row
    ) d where line <> first order by line limit 20`.execute(tx);
  const problems: Problem[] = rows.map((r) => ({
    path: `line ${r.line}: reference`,
    message: `"${r.reference}" of ${r.agency} is already on line ${r.first}`,
  }));
  if (problems.length > 0) throw new ValidationError(problems, source);
}

/** An agency is known by its name within its country; one the desk has never heard of is registered. */
async function agenciesFor(tx: Tx, options: { actor: string; now: Date }): Promise<number> {
  await sql`
    create temporary table ledger_agency on commit drop as
    select w.country, w.agency,
           (select a.id from agency a where a.name = w.agency and split_part(a.jurisdiction, '-', 1) = w.country
             order by a.created_at limit 1) as id
      from (select distinct country, agency from ledger_row) w`.execute(tx);
  const { rows: unknown } = await sql<{ country: string; agency: string }>`
    select country, agency from ledger_agency where id is null order by country, agency`.execute(tx);
  for (const agency of unknown) {
    const { id } = await tx
      .insertInto("agency")
      .values({ name: agency.agency, jurisdiction: agency.country })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: options.actor,
        action: "agency.created",
        objectType: "agency",
        objectId: id,
        payload: { name: agency.agency, jurisdiction: agency.country, via: "ledger import" },
      },
      options.now,
    );
    await sql`update ledger_agency set id = ${id} where country = ${agency.country} and agency = ${agency.agency}`.execute(
      tx,
    );
  }
  return unknown.length;
}

async function refuseKnownReferences(tx: Tx, source: string): Promise<void> {
  const { rows } = await sql<{ line: number; reference: string; agency: string }>`
    select s.line, s.reference, s.agency
      from ledger_row s
      join ledger_agency a on a.country = s.country and a.agency = s.agency
      join request r on r.agency_id = a.id and r.reference = s.reference
     order by s.line limit 20`.execute(tx);
  const problems: Problem[] = rows.map((r) => ({
    path: `line ${r.line}: reference`,
    message: `"${r.reference}" of ${r.agency} is already stored`,
  }));
  if (problems.length > 0) throw new ValidationError(problems, source);
}
