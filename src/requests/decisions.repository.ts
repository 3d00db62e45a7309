import { randomUUID } from "node:crypto";
import { type InsertObject, sql } from "kysely";
import type { AuditEntry } from "../audit/audit.events.js";
import { appendAudit } from "../audit/audit.js";
import type { Db, Tx } from "../db/database.js";
import type { DB } from "../db/schema.js";
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import { type RequestDocument, targetFromRow } from "../domain/request.schema.js";
import { type Decision, type DecisionInput, decide } from "../policy/engine.js";
import { loadPolicyInForce } from "../policy/policy.store.js";

export type DecisionCause = "intake" | "resume" | "pause" | "policy_change" | "verification" | "import";

export function decisionRow(
  requestId: string,
  decision: Decision,
  cause: DecisionCause,
  now: Date,
  note: string | undefined,
  id: string = randomUUID(),
): InsertObject<DB, "decision"> & { id: string } {
  return {
    id,
    request_id: requestId,
    sequence: sql<number>`(select coalesce(max(sequence), 0) + 1 from decision where request_id = ${requestId})`,
    policy_name: decision.policy.name,
    policy_version: decision.policy.version,
    outcome: decision.outcome,
    needs_review: decision.needsReview,
    review_reasons: JSON.stringify(decision.reviewReasons),
    human_rights_review: decision.humanRightsReview,
    items: JSON.stringify(decision.items),
    cause,
    note: note ?? null,
    decided_at: now,
  };
}

export function decidedEntry(
  requestId: string,
  decisionId: string,
  decision: Decision,
  cause: DecisionCause,
  actor: string,
  note?: string,
): AuditEntry {
  return {
    actor,
    action: "request.decided",
    objectType: "request",
    objectId: requestId,
    payload: {
      decisionId,
      cause,
      policy: decision.policy,
      outcome: decision.outcome,
      needsReview: decision.needsReview,
      ...(note ? { note } : {}),
    },
  };
}

/** Store a decision as the newest for its request (older ones are kept) and audit it. */
export async function recordDecision(
  tx: Tx,
  requestId: string,
  decision: Decision,
  cause: DecisionCause,
  actor: string,
  now: Date,
  note?: string,
): Promise<string> {
  const row = decisionRow(requestId, decision, cause, now, note);
  await tx.insertInto("decision").values(row).execute();
  await appendAudit(tx, decidedEntry(requestId, row.id, decision, cause, actor, note), now);
  return row.id;
}

export async function currentDecision(db: Db | Tx, requestId: string) {
  return db
    .selectFrom("decision")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("sequence", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Rebuild the engine's view of a stored request (the document as Custodian holds it, verified flags included). */
export async function loadDecisionInputs(tx: Tx, ids: string[]): Promise<Map<string, DecisionInput>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom("request").selectAll().where("id", "in", ids).execute();
  const targets = await tx
    .selectFrom("request_target")
    .selectAll()
    .where("request_id", "in", ids)
    .orderBy("request_id")
    .orderBy("position")
    .execute();
  const byRequest = new Map<string, RequestDocument["targets"]>();
  for (const t of targets) {
    const list = byRequest.get(t.request_id) ?? [];
    list.push(targetFromRow(t));
    byRequest.set(t.request_id, list);
  }
  const out = new Map<string, DecisionInput>();
  for (const r of rows) {
    out.set(r.id, {
      receivedAt: r.received_at.toISOString(),
      jurisdiction: r.jurisdiction,
      agency: { verified: r.agency_verified },
      process: r.process as RequestDocument["process"],
      findings: r.findings,
      emergency: r.emergency_verified === null ? null : { verified: r.emergency_verified },
      targets: byRequest.get(r.id) ?? [],
      categories: r.categories as RequestDocument["categories"],
      dateRange: r.date_from && r.date_to ? { from: r.date_from, to: r.date_to } : null,
      legalBasis: (r.legal_basis as LegalBasis | null) ?? null,
    });
  }
  return out;
}

/** Decide a stored request again under the policy in force (after a verification, say) and record it. */
export async function redecide(
  tx: Tx,
  requestId: string,
  cause: DecisionCause,
  actor: string,
  now: Date,
  note?: string,
): Promise<{ decisionId: string; decision: Decision }> {
  const input = (await loadDecisionInputs(tx, [requestId])).get(requestId);
  if (!input) throw new Error(`request ${requestId} vanished inside its own transaction`);
  const policy = await loadPolicyInForce(tx);
  const decision = decide(input, policy.compiled);
  const decisionId = await recordDecision(tx, requestId, decision, cause, actor, now, note);
  return { decisionId, decision };
}
