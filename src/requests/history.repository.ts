import { randomUUID } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import { sha256Hex } from "../audit/canonical.js";
import type { Tx } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import type { Decision } from "../policy/engine.js";
import type { DecisionCause } from "./decisions.repository.js";

/**
 * Past requests written in bulk: a ledger import, or the demo's history. Each gets the rows intake
 * writes (request, targets, decision) and one `request.recorded` audit entry with its final status,
 * decision and document digest, in the caller's transaction; the report rollup follows through the
 * triggers like any other change. Set-based (one statement per batch of rows) because a history is
 * hundreds of thousands of requests and the embedded database must load it in seconds.
 */

export interface PastRequest {
  agencyId: string;
  reference: string;
  receivedAt: Date;
  jurisdiction: string;
  process: string;
  categories: readonly string[];
  /** The accounts named, when known (the demo); a ledger gives only their number. */
  targets: ReadonlyArray<{ type: string; value: string }>;
  accountsSpecified: number;
  originalDocument: string;
  status: Status;
  heldFrom?: "received" | null;
  closedFrom?: "delivered" | "rejected" | "preserved" | null;
  decision: {
    cause: DecisionCause;
    policy: Decision["policy"];
    outcome: Decision["outcome"];
    needsReview: boolean;
    reviewReasons: readonly string[];
    humanRightsReview?: boolean;
    items: readonly unknown[];
    note?: string | null;
    decidedAt: Date;
  };
}

export interface RecordContext {
  actor: string;
  now: Date;
  /** Where the requests come from, for the audit entries: `ledger examples/ledger.csv`, `demo history`. */
  source: string;
}

const BATCH = 2000;

export async function recordPastRequests(tx: Tx, requests: readonly PastRequest[], context: RecordContext) {
  for (let start = 0; start < requests.length; start += BATCH) {
    await recordBatch(tx, requests.slice(start, start + BATCH), context);
  }
}

async function recordBatch(tx: Tx, batch: readonly PastRequest[], context: RecordContext): Promise<void> {
  const rows = batch.map((r) => {
    const id = randomUUID();
    const sha256 = sha256Hex(r.originalDocument);
    return {
      id,
      decision_id: randomUUID(),
      agency_id: r.agencyId,
      reference: r.reference,
      received_at: r.receivedAt.toISOString(),
      jurisdiction: r.jurisdiction,
      process: r.process,
      categories: r.categories,
      targets: r.targets,
      accounts: r.accountsSpecified,
      document: r.originalDocument,
      sha256,
      status: r.status,
      held_from: r.heldFrom ?? null,
      closed_from: r.closedFrom ?? null,
      cause: r.decision.cause,
      policy_name: r.decision.policy.name,
      policy_version: r.decision.policy.version,
      outcome: r.decision.outcome,
      needs_review: r.decision.needsReview,
      review_reasons: r.decision.reviewReasons,
      human_rights_review: r.decision.humanRightsReview ?? false,
      items: r.decision.items,
      note: r.decision.note ?? null,
      decided_at: r.decision.decidedAt.toISOString(),
      payload: {
        source: context.source,
        agencyId: r.agencyId,
        reference: r.reference,
        jurisdiction: r.jurisdiction,
        process: r.process,
        receivedAt: r.receivedAt.toISOString(),
        accountsSpecified: r.accountsSpecified,
        originalSha256: sha256,
        status: r.status,
        ...(r.closedFrom ? { closedFrom: r.closedFrom } : {}),
        outcome: r.decision.outcome,
        policy: r.decision.policy,
      },
    };
  });
  // jsonb_to_recordset turns the batch into rows server-side: one parameter, one round trip.
  await insertPastRequests(
    tx,
    sql`select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${PAST_REQUEST_COLUMNS})`,
    context,
  );
}

/** The columns a source of past requests gives `insertPastRequests`, in this order, with these types. */
export const PAST_REQUEST_COLUMNS = sql.raw(`id uuid, decision_id uuid, agency_id uuid, reference text,
  received_at timestamptz, jurisdiction text, process text, categories text[], targets jsonb, accounts integer,
  document text, sha256 text, status text, held_from text, closed_from text, cause text, policy_name text,
  policy_version text, outcome text, needs_review boolean, review_reasons jsonb, human_rights_review boolean,
  items jsonb, note text,
  decided_at timestamptz, payload jsonb`);

/**
 * Write past requests from `source`, a query yielding PAST_REQUEST_COLUMNS (a batch sent as JSON, or a
 * ledger's rows staged in a table): the request, its targets, its decision and its `request.recorded` entry.
 */
export async function insertPastRequests(tx: Tx, source: RawBuilder<unknown>, context: RecordContext): Promise<void> {
  await sql`
    with src as materialized (${source}),
    request_rows as (
      insert into request (id, agency_id, reference, received_at, jurisdiction, process, categories, agency_verified,
          original_document, original_sha256, status, held_from, closed_from, accounts_specified, decision_outcome,
          updated_at)
      select id, agency_id, reference, received_at, jurisdiction, process, categories, true, document, sha256, status,
             held_from, closed_from, accounts, outcome, decided_at
        from src
    ),
    target_rows as (
      insert into request_target (request_id, position, type, value)
      select src.id, (t.position - 1)::smallint, t.target->>'type', t.target->>'value'
        from src, jsonb_array_elements(src.targets) with ordinality as t(target, position)
    ),
    decision_rows as (
      insert into decision (id, request_id, sequence, policy_name, policy_version, outcome, needs_review,
          review_reasons, human_rights_review, items, cause, note, decided_at)
      select decision_id, id, 1, policy_name, policy_version, outcome, needs_review, review_reasons,
             human_rights_review, items, cause, note, decided_at
        from src
    )
    insert into audit_event (occurred_at, actor, action, object_type, object_id, payload)
    select ${context.now}, ${context.actor}, 'request.recorded', 'request', id::text,
           payload || jsonb_build_object('decisionId', decision_id)
      from src`.execute(tx);
}
