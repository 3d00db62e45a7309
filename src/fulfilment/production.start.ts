import { randomUUID } from "node:crypto";
import { appendAudit } from "../audit/audit.js";
import type { Tx } from "../db/database.js";
import { targetFromRow } from "../domain/request.schema.js";
import type { EuDataCategory } from "../domain/vocabulary.js";
import type { DecisionItem } from "../policy/engine.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { currentDecision } from "../requests/decisions.repository.js";
import { enforcingGate } from "../requests/enforcing-state.js";
import { readEnforcingState } from "../requests/enforcing-state.service.js";
import { lockRequest, transitionLocked } from "../requests/lifecycle.js";
import { conflict, DomainError, invalidTransition } from "../shared/errors.js";
import type { Keyring } from "../shared/master-key.js";
import { archiveKeyOf } from "./archive.storage.js";
import type { FulfilOptions, Started } from "./fulfilment.types.js";
import { newPackageKey, wrapPackageKey } from "./keyring.js";
import { DEFAULT_CHUNK_SIZE } from "./stream-cipher.js";

/**
 * The two short transactions around a build: `start` opens a production (claiming the request; a dead
 * builder's production is discarded first) and `failProduction` discards one. Neither touches the
 * archive store: a transaction that rolls back cannot take a deleted file back, so the caller deletes
 * a discarded production's archive once the transaction has committed.
 */

// A live build renews its heartbeat every few seconds (fulfilment.service.ts); one whose heartbeat is
// older than this is taken to have died. The job lease (30 s, renewed every 10 s) runs out at least 20 s
// after its holder's death, so a job taken over always finds the dead holder's production stale.
export const STALE_BUILD_MS = 20_000;

/** A production refused because traffic or content data still wait for the enforcing State (Art. 10(2)). */
export class EnforcingWait extends DomainError {
  constructor(
    message: string,
    readonly until: Date,
  ) {
    super("conflict", message);
  }
}

const EU_RULE = /^regimes\.eu_e_evidence\.categories\.(subscriber|identification|traffic|content)$/;

export async function start(tx: Tx, options: FulfilOptions, keyring: Keyring, now: Date): Promise<Started> {
  const locked = await lockRequest(tx, options.requestId);
  let abandoned: string | undefined;
  if (locked.status === "fulfilling") {
    const live = await tx
      .selectFrom("production")
      .select(["id", "status", "heartbeat_at"])
      .where("request_id", "=", locked.id)
      .where("status", "in", ["building", "ready", "downloaded"])
      .executeTakeFirst();
    if (live && (live.status !== "building" || now.getTime() - live.heartbeat_at.getTime() < STALE_BUILD_MS)) {
      throw conflict(`request ${locked.id} is being fulfilled (production ${live.id} is ${live.status})`);
    }
    if (live) {
      await failProduction(tx, live.id, locked.id, options.actor, now, "abandoned: its builder stopped (no heartbeat)");
      abandoned = live.id;
    }
  } else if (locked.status !== "approved") {
    throw invalidTransition(`request ${locked.id} is ${locked.status}; only an approved request can be fulfilled`);
  }
  const decision = await currentDecision(tx, locked.id);
  if (!decision) throw invalidTransition(`request ${locked.id} has no decision`);
  const approval = await tx
    .selectFrom("review")
    .select(["decision_id", "reviewer", "created_at"])
    .where("request_id", "=", locked.id)
    .where("verdict", "=", "approve")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  // Only what was approved leaves: a decision made after the approval (a resumed pause, a new policy)
  // has not been approved, whatever it says; nor has a request moved to `approved` without a review.
  if (!approval) throw invalidTransition(`request ${locked.id} has no recorded approval`);
  if (approval.decision_id !== decision.id) {
    throw invalidTransition(
      `request ${locked.id}: the decision in force (${decision.id}) is not the one approved (${approval.decision_id})`,
    );
  }
  const request = await tx
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .select([
      "r.id",
      "r.reference",
      "r.received_at",
      "r.categories",
      "r.date_from",
      "r.date_to",
      "r.jurisdiction",
      "r.process",
      "r.agency_id",
      "a.name as agency_name",
    ])
    .where("r.id", "=", locked.id)
    .executeTakeFirstOrThrow();
  const targets = await tx
    .selectFrom("request_target")
    .select(["position", "type", "value", "observed_at", "time_zone", "port"])
    .where("request_id", "=", locked.id)
    .orderBy("position")
    .execute();
  const policy = await loadPolicyInForce(tx);
  // The enforcing State's gate, the one place it is applied: nothing of traffic or content leaves while
  // its authority may still refuse (the whole production waits: a request is produced once), and what it
  // refused is left out. Each item is placed in the Regulation's four by the policy in force, else by the
  // rule that decided it.
  const disclosed = (decision.items as DecisionItem[]).filter((item) => item.action === "disclose");
  const gate = enforcingGate(
    await readEnforcingState(tx, locked.id),
    disclosed,
    (item) =>
      policy.compiled.eu?.categoryOf.get(item.category)?.euCategory ??
      (EU_RULE.exec(item.rule)?.[1] as EuDataCategory | undefined),
    now,
  );
  const [first] = gate.waiting;
  if (first) {
    const until = new Date(Math.max(...gate.waiting.map((w) => w.until.getTime())));
    throw new EnforcingWait(
      `request ${locked.id}: no production yet: ${first.reason}; ${gate.waiting.length} item(s) of traffic or content data wait, subscriber and identification data leave with them`,
      until,
    );
  }

  const productionId = randomUUID();
  const packageKey = newPackageKey();
  const bagName = `custodian-production-${productionId}`;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  await tx
    .insertInto("production")
    .values({
      id: productionId,
      request_id: locked.id,
      decision_id: decision.id,
      agency_id: request.agency_id,
      status: "building",
      started_by: options.actor,
      started_at: now,
      heartbeat_at: now,
      wrapped_key: wrapPackageKey(keyring.current, productionId, packageKey),
      master_key_id: keyring.current.id,
      chunk_size: chunkSize,
      bag_name: bagName,
      archive_key: archiveKeyOf(productionId),
    })
    .execute();
  if (locked.status === "approved") {
    await transitionLocked(tx, locked, {
      to: "fulfilling",
      actor: options.actor,
      reason: "fulfilment started",
      now,
      details: { productionId },
    });
  }
  await appendAudit(
    tx,
    {
      actor: options.actor,
      action: "production.started",
      objectType: "production",
      objectId: productionId,
      payload: {
        requestId: locked.id,
        decisionId: decision.id,
        policy: { name: policy.compiled.name, version: policy.compiled.version },
        masterKeyId: keyring.current.id,
      },
    },
    now,
  );
  return {
    productionId,
    archiveKey: archiveKeyOf(productionId),
    abandoned,
    packageKey,
    bagName,
    decisionId: decision.id,
    decisionOutcome: decision.outcome,
    policyLabel: `${decision.policy_name} ${decision.policy_version}`,
    approvedBy: approval.reviewer,
    approvedAt: approval.created_at,
    request: {
      id: request.id,
      reference: request.reference,
      receivedAt: request.received_at,
      categories: request.categories,
      dateFrom: request.date_from,
      dateTo: request.date_to,
      // With an ip_address's moment and port, so each target's key is the one its decision items carry.
      targets: targets.map((t) => ({ position: t.position, ...targetFromRow(t) })),
      agencyName: request.agency_name,
      jurisdiction: request.jurisdiction,
      process: request.process,
    },
    items: decision.items.filter(
      (item) =>
        !gate.refused.some(
          (r) => r.target === (item as DecisionItem).target && r.category === (item as DecisionItem).category,
        ),
    ),
    withheld: gate.refused,
    provider: policy.compiled.name,
    compiled: policy.compiled,
  };
}

export async function failProduction(
  tx: Tx,
  productionId: string,
  requestId: string,
  actor: string,
  now: Date,
  why: string,
) {
  await tx.deleteFrom("production_target").where("production_id", "=", productionId).execute();
  const failed = await tx
    .updateTable("production")
    .set({ status: "failed", wrapped_key: null, heartbeat_at: now })
    .where("id", "=", productionId)
    .where("status", "=", "building")
    .executeTakeFirst();
  // Already discarded by whoever took the work over: it was failed and audited then.
  if (failed.numUpdatedRows === 0n) return;
  await appendAudit(
    tx,
    {
      actor,
      action: "production.failed",
      objectType: "production",
      objectId: productionId,
      payload: { requestId, reason: why.slice(0, 500) },
    },
    now,
  );
}
