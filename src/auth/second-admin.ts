import type { Principal } from "../authz/authz.js";
import type { Tx } from "../db/database.js";
import { invalidTransition } from "../shared/errors.js";

/**
 * Who counts as the second admin of a two-admin change (an agency's domains or phone, a staff account).
 * Not the proposer, and not anyone the proposer could have brought in for the purpose: the approver's
 * account must have been active before the proposal was made, and must not have been proposed or approved
 * by the proposer. Otherwise one admin proposes, makes (or has made) a fresh admin whose secrets they hold,
 * and approves as that admin: one person, two accounts, and the rule defeated.
 *
 * Read inside the deciding transaction, after the proposal's row is locked.
 */
export interface Proposal {
  proposedBy: string;
  proposedAt: Date;
}

export async function checkSecondAdmin(tx: Tx, approver: Principal, proposal: Proposal, what: string): Promise<void> {
  if (approver.userId === proposal.proposedBy) {
    throw invalidTransition(`${what} needs a second admin: you proposed it`);
  }
  const account = await tx
    .selectFrom("app_user")
    .select(["role", "status", "activated_at", "created_by"])
    .where("id", "=", approver.userId)
    .executeTakeFirst();
  if (account?.role !== "admin" || account.status !== "active") {
    throw invalidTransition(`${what} needs a second admin whose account is an active admin's`);
  }
  if (!account.activated_at || account.activated_at.getTime() >= proposal.proposedAt.getTime()) {
    throw invalidTransition(
      `${what} needs a second admin who was already an active admin when it was proposed; your account became active after`,
    );
  }
  if (account.created_by === proposal.proposedBy) {
    throw invalidTransition(
      `${what} needs a second admin the proposer did not bring in: the proposer proposed your account`,
    );
  }
  const vetted = await tx
    .selectFrom("staff_change")
    .select("id")
    .where("user_id", "=", approver.userId)
    .where("status", "=", "applied")
    .where((eb) => eb.or([eb("proposed_by", "=", proposal.proposedBy), eb("decided_by", "=", proposal.proposedBy)]))
    .executeTakeFirst();
  if (vetted) {
    throw invalidTransition(
      `${what} needs a second admin the proposer did not bring in: the proposer proposed or approved your account`,
    );
  }
}
