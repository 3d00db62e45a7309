import { randomUUID } from "node:crypto";
import { type InsertObject, sql } from "kysely";
import type { AuditEntry } from "../audit/audit.events.js";
import { appendAudit } from "../audit/audit.js";
import type { Tx } from "../db/database.js";
import type { DB } from "../db/schema.js";
import type { Decision } from "../policy/engine.js";

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

export async function currentDecision(tx: Tx, requestId: string) {
  return tx
    .selectFrom("decision")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("sequence", "desc")
    .limit(1)
    .executeTakeFirst();
}
