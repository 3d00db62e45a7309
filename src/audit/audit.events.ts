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
  | "reminder.sent";

export type AuditObjectType = "request" | "jurisdiction" | "policy" | "agency" | "preservation_hold" | "job";

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  objectType: AuditObjectType;
  objectId: string;
  /** What changed; plain JSON (no Dates, no undefined), digested as written. */
  payload: Record<string, unknown>;
}
