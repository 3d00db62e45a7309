/**
 * The catalogue of audit events: every state change Custodian makes is one of these, written by the
 * same transaction that makes the change. `action` is `<object>.<verb>`.
 */
export type AuditAction =
  /** An agency's request was stored, with its original document's SHA-256. */
  | "request.received"
  /**
   * A request handled before it was recorded here (a ledger import, or the demo's history) was stored
   * at once with its final status and the decision in force, instead of step by step.
   */
  | "request.recorded"
  /** The engine decided (or re-decided) a request under a named policy version. */
  | "request.decided"
  /** A request moved from one lifecycle state to another. */
  | "request.transitioned"
  /** A reviewer or counsel recorded a review, a recommendation, an approval or a rejection. */
  | "request.reviewed"
  /**
   * A request was held for staff review because the account that submitted it was suspended (written in
   * the suspension's transaction), or a member of staff released that hold with a note.
   */
  | "request.hold_placed"
  | "request.hold_released"
  /** A jurisdiction was paused, refused or resumed by a person. */
  | "jurisdiction.status_changed"
  /** A policy version was stored and made the active one. */
  | "policy.activated"
  /** An agency was registered. */
  | "agency.created"
  /** A preservation hold was placed, extended, expired or released. */
  | "preservation.created"
  | "preservation.extended"
  | "preservation.expired"
  /** A reminder fell due (deadline, expiry ahead). */
  | "reminder.sent"
  /** Fulfilment began: a production was opened for the approved decision (its key made and wrapped). */
  | "production.started"
  /**
   * The day's warrant canary was signed and published, or withheld because a statement it would carry no
   * longer holds (which ones, in the payload; never published).
   */
  | "canary.issued"
  | "canary.withheld"
  /** A production's archive was stored encrypted and the request delivered; payload counts and targets' results. */
  | "production.sealed"
  /** A production could not be built; what was stored of it was deleted. */
  | "production.failed"
  /** The requesting agency's officer downloaded a production (once). */
  | "production.downloaded"
  /** A download was refused, and why (wrong agency, no second factor, expired, already downloaded …). */
  | "production.download_refused"
  /** A production was purged after its retention: archive deleted, key erased. */
  | "production.purged"
  /** A production's key was re-wrapped under a new master key (the archive itself untouched). */
  | "production.key_rewrapped"
  /** Staff decrypted a stored production to check it (`custodian package open`). */
  | "production.opened"
  /** A notice to an affected account's owner was deferred (non-disclosure order, emergency) as a job. */
  | "notice.scheduled"
  /** A notice to an affected account's owner was put in the outbox, or could not be (no address known). */
  | "notice.queued"
  /** Accounts: created by an admin, registered by an officer, confirmed, enrolled, activated, suspended. */
  | "user.created"
  | "user.registered"
  | "user.email_confirmed"
  | "user.totp_enrolled"
  | "user.activated"
  | "user.suspended"
  /**
   * Staff accounts (0013): a new member of staff was sent a one-time setup link (again: the earlier one is
   * revoked), opened it (the second-factor secret was made and shown to them), and chose a password and
   * enrolled the factor with it.
   */
  | "user.setup_link_sent"
  | "user.setup_opened"
  | "user.setup_completed"
  /** A suspended member of staff brought back by two admins: pending again, credentials cleared, a new setup link. */
  | "user.reinstated"
  /** Two-admin changes to staff: an account proposed by one admin, applied or rejected by a second. */
  | "user.change_proposed"
  | "user.change_applied"
  | "user.change_rejected"
  /** An account sent more emergencies than the window allows: its requests get a second-level review. */
  | "user.flagged"
  /** Sign-in: a session opened, refused (with why), or closed. */
  | "session.created"
  | "session.refused"
  | "session.revoked"
  | "token.created"
  | "token.revoked"
  /** A call-back to the agency's number on file was recorded (for an officer or an emergency). */
  | "callback.recorded"
  /** Counsel looked at a call-back number changed since the subject arrived and chose which to dial. */
  | "callback.number_reviewed"
  /** Two-admin changes to an agency's domains or phone. */
  | "agency.change_proposed"
  | "agency.change_applied"
  | "agency.change_rejected"
  /** Something was attempted and refused (a lookalike domain, another agency's object, a replay…). */
  | "security.refused";

export type AuditObjectType =
  | "request"
  | "jurisdiction"
  | "policy"
  | "agency"
  | "preservation_hold"
  | "job"
  | "production"
  | "user"
  | "session"
  | "token"
  | "agency_change"
  | "staff_change"
  | "route"
  /** The warrant canary of a day (object id: the day, YYYY-MM-DD). */
  | "canary";

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  objectType: AuditObjectType;
  objectId: string;
  /** What changed; plain JSON (no Dates, no undefined), digested as written. */
  payload: Record<string, unknown>;
}
