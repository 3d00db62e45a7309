import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { actorOf, authorizeCaller, type Caller } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { type Decision, type DecisionInput, decide, lookupJurisdiction } from "../policy/engine.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { loadDecisionInputs, recordDecision } from "../requests/decisions.repository.js";
import { HOLDABLE, type LockedRequest, transitionLocked } from "../requests/lifecycle.js";
import { conflict } from "../shared/errors.js";
import { lockJurisdictionExclusive } from "./jurisdiction.lock.js";
import { describeStatus, refusalNotLiftable } from "./jurisdictions.queries.js";

/**
 * Pausing and resuming a jurisdiction. A pause moves every request from that jurisdiction that has not
 * yet been delivered `on_hold` in one transaction, and requests arriving later are held on intake
 * (jurisdiction.lock.ts keeps the two from interleaving). Nothing held is fulfilled: fulfilment only
 * starts from `approved`, which a held request is not. Resuming decides each held request again under
 * the policy then in force and records why.
 */

/** A pause, refusal or resumption as asked for: by whom (a person, checked; or an operator) and why. */
export interface JurisdictionChange {
  jurisdiction: string;
  reason: string;
  by: Caller;
  now: Date;
}

interface StatusChange extends Omit<JurisdictionChange, "by"> {
  status: "active" | "paused" | "refused";
  actor: string;
}

export interface StatusChangeResult {
  jurisdiction: string;
  status: StatusChange["status"];
  held: number;
  redecided: number;
  released: Array<{ id: string; status: Status; outcome: Decision["outcome"] }>;
}

/** The requests of a jurisdiction, with a subdivision's requests under its country. */
function ofJurisdiction(code: string) {
  return sql<boolean>`(jurisdiction = ${code} or jurisdiction like ${`${code}-%`})`;
}

async function recordStatus(tx: Tx, change: StatusChange): Promise<void> {
  await tx
    .insertInto("jurisdiction_status")
    .values({
      jurisdiction: change.jurisdiction,
      status: change.status,
      reason: change.reason,
      actor: change.actor,
      changed_at: change.now,
    })
    .execute();
  await appendAudit(
    tx,
    {
      actor: change.actor,
      action: "jurisdiction.status_changed",
      objectType: "jurisdiction",
      objectId: change.jurisdiction,
      payload: { status: change.status, reason: change.reason },
    },
    change.now,
  );
}

async function lockRequestsOf(tx: Tx, code: string, statuses: readonly Status[]): Promise<LockedRequest[]> {
  const rows = await tx
    .selectFrom("request")
    .select(["id", "status", "version", "jurisdiction", "held_from"])
    .where(ofJurisdiction(code))
    .where("status", "in", [...statuses])
    .orderBy("id")
    .forUpdate()
    .execute();
  return rows as LockedRequest[];
}

export async function pauseJurisdiction(db: Db, asked: JurisdictionChange, status: "paused" | "refused" = "paused") {
  authorizeCaller(asked.by, "jurisdiction.change");
  const change = { ...asked, actor: actorOf(asked.by) };
  const attempt = { actor: change.actor, objectType: "jurisdiction", objectId: change.jurisdiction } as const;
  return auditingRefusals(db, { ...attempt, attempted: status === "paused" ? "pause" : "refuse" }, change.now, () =>
    db.transaction().execute(async (tx): Promise<StatusChangeResult> => {
      await lockJurisdictionExclusive(tx, change.jurisdiction);
      const inForce = lookupJurisdiction((await loadPolicyInForce(tx)).compiled, change.jurisdiction);
      // Pausing again would only rewrite when the pause began (its "since"), and pausing a refusal would soften it.
      if (inForce.status === status || (inForce.status === "refused" && status === "paused")) {
        throw conflict(`${change.jurisdiction} is already ${describeStatus(inForce)}; nothing was changed`);
      }
      await recordStatus(tx, { ...change, status });
      const policy = await loadPolicyInForce(tx);
      const requests = await lockRequestsOf(tx, change.jurisdiction, HOLDABLE);
      const docs = await loadDecisionInputs(
        tx,
        requests.map((r) => r.id),
      );
      for (const request of requests) {
        const decision = decide(docs.get(request.id) as DecisionInput, policy.compiled);
        await recordDecision(tx, request.id, decision, "pause", change.actor, change.now, change.reason);
        if (decision.outcome === "hold") {
          await transitionLocked(tx, request, {
            to: "on_hold",
            actor: change.actor,
            reason: `${change.jurisdiction} ${status}: ${change.reason}`,
            now: change.now,
          });
        }
      }
      return {
        jurisdiction: change.jurisdiction,
        status,
        held: requests.length,
        redecided: requests.length,
        released: [],
      };
    }),
  );
}

/** Where a request goes when its hold is lifted: back to intake steps it had not finished, else to review. */
function afterHold(heldFrom: string | null, decision: Decision): Status {
  if (decision.outcome === "hold") return "on_hold";
  if (heldFrom === "received" || heldFrom === "verifying") return heldFrom;
  // It had been reviewed or approved under a decision that no longer stands: a person looks again.
  return "under_review";
}

export async function resumeJurisdiction(db: Db, asked: JurisdictionChange) {
  authorizeCaller(asked.by, "jurisdiction.change");
  const change = { ...asked, actor: actorOf(asked.by) };
  const attempt = { actor: change.actor, objectType: "jurisdiction", objectId: change.jurisdiction } as const;
  return auditingRefusals(db, { ...attempt, attempted: "resume" }, change.now, () =>
    db.transaction().execute(async (tx): Promise<StatusChangeResult> => {
      await lockJurisdictionExclusive(tx, change.jurisdiction);
      const compiled = (await loadPolicyInForce(tx)).compiled;
      // Resuming what is not paused would only add a line to its history that says nothing happened.
      if (lookupJurisdiction(compiled, change.jurisdiction).status === "active") {
        throw conflict(`${change.jurisdiction} is not paused; nothing was changed`);
      }
      const refused = await refusalNotLiftable(tx, compiled, change.jurisdiction);
      if (refused) throw conflict(refused);
      await recordStatus(tx, { ...change, status: "active" });
      const policy = await loadPolicyInForce(tx);
      const held = await lockRequestsOf(tx, change.jurisdiction, ["on_hold"]);
      const docs = await loadDecisionInputs(
        tx,
        held.map((r) => r.id),
      );
      const released: StatusChangeResult["released"] = [];
      for (const request of held) {
        const decision = decide(docs.get(request.id) as DecisionInput, policy.compiled);
        const note = `pause on ${change.jurisdiction} lifted by ${change.actor}: ${change.reason}; decided again under ${policy.compiled.name} ${policy.compiled.version}`;
        await recordDecision(tx, request.id, decision, "resume", change.actor, change.now, note);
        const next = afterHold(request.held_from, decision);
        if (next !== "on_hold") {
          await transitionLocked(tx, request, { to: next, actor: change.actor, reason: note, now: change.now });
          released.push({ id: request.id, status: next, outcome: decision.outcome });
        }
      }
      return {
        jurisdiction: change.jurisdiction,
        status: "active",
        held: held.length - released.length,
        redecided: held.length,
        released,
      };
    }),
  );
}
