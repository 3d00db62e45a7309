import { appendAudit } from "../audit/audit.js";
import type { Tx } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { invalidTransition, notFound } from "../shared/errors.js";

/**
 * The request lifecycle, docs/lifecycle.md. Every transition goes through `transition`: it locks the row,
 * checks the move is allowed from the state the row is in now (not the state a caller saw earlier),
 * writes the new state and the audit entry in the caller's transaction. Two reviewers approving at once
 * serialize on the row lock; the second finds the request already approved and is refused.
 */

const NEXT: Record<Status, readonly Status[]> = {
  received: ["verifying", "under_review", "rejected", "on_hold", "preserved", "withdrawn"],
  verifying: ["under_review", "rejected", "on_hold", "preserved", "withdrawn"],
  under_review: ["approved", "rejected", "on_hold", "withdrawn"],
  approved: ["fulfilling", "on_hold", "withdrawn"],
  fulfilling: ["delivered", "on_hold"],
  delivered: ["closed"],
  rejected: ["closed"],
  // Leaving a hold happens only by re-deciding (resume), which picks where the request goes back to.
  on_hold: ["received", "verifying", "under_review", "rejected", "withdrawn"],
  preserved: ["under_review", "closed"],
  withdrawn: [],
  closed: [],
};

/** States a pause catches: everything from arrival until the data has left. */
export const HOLDABLE: readonly Status[] = ["received", "verifying", "under_review", "approved", "fulfilling"];

/**
 * The moves toward disclosure that a hold for staff review (request_hold, placed when the submitting
 * account is suspended) stops. Ending a request, pausing its jurisdiction and the resume that puts a paused
 * request back where it was stay possible: the hold is checked again at every later step.
 */
const HELD_BACK: readonly Status[] = ["verifying", "under_review", "approved", "fulfilling", "delivered"];

export function canTransition(from: Status, to: Status): boolean {
  return NEXT[from].includes(to);
}

export interface LockedRequest {
  id: string;
  status: Status;
  version: number;
  jurisdiction: string;
  held_from: string | null;
}

export async function lockRequest(tx: Tx, requestId: string): Promise<LockedRequest> {
  const row = await tx
    .selectFrom("request")
    .select(["id", "status", "version", "jurisdiction", "held_from"])
    .where("id", "=", requestId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`request ${requestId}`);
  return row as LockedRequest;
}

export interface TransitionInput {
  to: Status;
  actor: string;
  reason: string;
  now: Date;
  /** Refuse unless the row is still at this version (optimistic check for callers that showed a page). */
  expectedVersion?: number;
  /** Extra facts for the audit entry. */
  details?: Record<string, unknown>;
}

export async function transition(tx: Tx, requestId: string, input: TransitionInput): Promise<LockedRequest> {
  const current = await lockRequest(tx, requestId);
  return transitionLocked(tx, current, input);
}

/** For callers that already hold the row lock (bulk pause/resume). */
export async function transitionLocked(tx: Tx, current: LockedRequest, input: TransitionInput): Promise<LockedRequest> {
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
    throw invalidTransition(
      `request ${current.id} changed since you loaded it (version ${input.expectedVersion}, now ${current.version})`,
    );
  }
  if (!canTransition(current.status, input.to)) {
    throw invalidTransition(`request ${current.id} is ${current.status}; it cannot become ${input.to}`);
  }
  if (HELD_BACK.includes(input.to) && current.status !== "on_hold") {
    const hold = await tx
      .selectFrom("request_hold")
      .select("id")
      .where("request_id", "=", current.id)
      .where("released_at", "is", null)
      .executeTakeFirst();
    if (hold) {
      throw invalidTransition(
        `request ${current.id} is held for staff review (the account that submitted it was suspended); staff must release it first`,
      );
    }
  }
  const heldFrom = input.to === "on_hold" ? current.status : null;
  await tx
    .updateTable("request")
    .set({ status: input.to, held_from: heldFrom, version: current.version + 1, updated_at: input.now })
    .where("id", "=", current.id)
    .execute();
  await appendAudit(
    tx,
    {
      actor: input.actor,
      action: "request.transitioned",
      objectType: "request",
      objectId: current.id,
      payload: { from: current.status, to: input.to, reason: input.reason, ...input.details },
    },
    input.now,
  );
  return { ...current, status: input.to, version: current.version + 1, held_from: heldFrom };
}
