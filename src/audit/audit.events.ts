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
  /** A member of staff took a request to work on it, or let it go (theirs, or one left by someone else). */
  | "request.assigned"
  | "request.released"
  | "request.hold_placed"
  /**
   * The correspondence (docs/regimes.md#replies-to-authorities): the desk sent the authority a form (an
   * Annex III clarification also stops the answer clock), or the agency answered a clarification (the clock
   * resumes: payload the pause and the moved deadline).
   */
  | "request.message_sent"
  | "request.message_received"
  | "request.hold_released"
  /**
   * An emergency's page to the on-call person: sent (the service accepted it), an attempt that failed
   * (retried until the last), and the member of staff who acknowledged it.
   */
  | "emergency.paged"
  | "emergency.page_failed"
  | "emergency.page_acknowledged"
  /**
   * The DSA's facts on an order (docs/reports.md#the-dsa-report): the authority was told of its receipt (by
   * the answer to an officer's submission, or as staff recorded for one that came by post), and the category
   * of illegal content it concerns was recorded or corrected by staff.
   */
  | "request.receipt_confirmed"
  | "request.category_recorded"
  /**
   * The enforcing State of an EU production order (docs/regimes.md#the-enforcing-state): its authority was
   * notified (as the order states, or staff recorded), and it answered (no ground, a refusal or objection on
   * Art. 12(1) grounds, conditions on use), also after delivery.
   */
  | "request.enforcing_notified"
  | "request.enforcing_answered"
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
  /** An EU preservation confirmed on Annex V: kept until production (payload the confirming request). */
  | "preservation.confirmed"
  /** An EPOC-PR kept until production on Annex V was released: the EPOC naming it was delivered. */
  | "preservation.released"
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
  /**
   * A period's transparency report was published as a numbered version (a correction: the next version,
   * with its note); payload the version, the SHA-256 of its CSV, the note and how many figures changed.
   */
  | "report.published"
  /** A demand's publication was drafted or redrafted: which fields are shown, which withheld (docs/publications.md). */
  | "publication.drafted"
  /** Counsel approved a demand's drafted publication: it is public from now on. */
  | "publication.approved"
  /** A production's archive was stored encrypted and the request delivered; payload counts and targets' results. */
  | "production.sealed"
  /** A production could not be built; what was stored of it was deleted. */
  | "production.failed"
  /** A production was refused before it began: its traffic or content data wait for the enforcing State. */
  | "production.refused"
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
  /** A production's stored archive was found missing or altered in the archive store (payload: which, where, how). */
  | "production.archive_damaged"
  /** A notice to an affected account's owner was deferred (non-disclosure order, emergency) as a job. */
  | "notice.scheduled"
  /** A notice to an affected account's owner was put in the outbox, or could not be (no address known). */
  | "notice.queued"
  /** No owner of any account a request named could be told: none was found, or none had an address. */
  | "notice.not_possible"
  /** The policy leaves telling the user to the issuing authority under the request's regime: nothing is sent. */
  | "notice.left_to_authority"
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
  | "canary"
  /** A period's transparency report (object id: the period, `2025`, `2025H2`, `2025Q3`). */
  | "report";

/** Plain JSON as a payload holds it: no Dates (ISO strings instead), nothing undefined that matters. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };
type Policy = { name: string; version: string };

/** Why something was refused, with what the refused attempt carried (its agency, its route, `attempted` …). */
export interface RefusalPayload {
  reason: string;
  [detail: string]: unknown;
}

/** A reminder names what it is about; the rest depends on that. */
type ReminderPayload =
  | { about: "answer deadline"; reference: string; status: string; deadline: string | null }
  | { about: "emergency follow-up legal process"; reference: string; to: string | null }
  | { about: "preservation expiry"; requestId: string; expiresAt: string; renewable: boolean };

/**
 * What each event's payload holds. Readers (the timeline, an investigator's query, the backup) can rely on
 * these fields; a new action needs its line here, or `AuditEntry` below does not compile.
 */
export interface AuditPayloads {
  "request.received": {
    agencyId: string;
    reference: string;
    jurisdiction: string;
    process: string;
    targets: number;
    categories: string[];
    originalSha256: string;
    agencyVerified: boolean;
    status: string;
    /** An order under a regime other than the default `us`: its regime and instrument (docs/regimes.md). */
    regime?: string;
    instrument?: string | null;
  };
  "request.recorded": {
    source: string;
    agencyId: string;
    reference: string;
    jurisdiction: string;
    process: string;
    receivedAt: string;
    accountsSpecified: number;
    originalSha256: string;
    status: string;
    closedFrom?: string;
    outcome: string;
    policy: Policy;
    decisionId?: string;
  };
  "request.decided": {
    decisionId: string;
    cause: string;
    policy: Policy;
    outcome: string;
    needsReview: boolean;
    note?: string;
  };
  /** From and to, why, and what the move carried (documents' digests, the production it began …). */
  "request.transitioned": { from: string; to: string; reason?: string | undefined; [detail: string]: unknown };
  "request.reviewed": { reviewId: string; decisionId: string; verdict: string; checklist: Record<string, unknown> };
  "request.hold_placed": { kind: "account_suspended"; account: string; reason: string };
  "request.hold_released": { holdId: string; kind: "account_suspended"; note: string };
  "request.assigned": Record<string, never>;
  "request.message_sent": { messageId: string; sequence: number; kind: string; sha256: string; clockPaused: boolean };
  "request.message_received": {
    messageId: string;
    sequence: number;
    inReplyTo: number;
    sha256: string;
    pausedAt: string | null;
    deadlineAt: string | null;
    clock: string | null;
  };
  /** `from`: whose it was, when someone let go of a colleague's. */
  "request.released": { from?: string };
  "emergency.paged": { attempt: number; answered: number };
  /** `final`: no attempt follows (the last one failed, or no pager is configured). */
  "emergency.page_failed": { attempt: number; error: string; final: boolean };
  "emergency.page_acknowledged": { paged: boolean };
  /** `at`: when the authority was told; `means`: the answer at intake, or recorded by staff with a note. */
  "request.receipt_confirmed": { at: string; means: "intake_answer" | "recorded"; note?: string };
  "request.category_recorded": { category: string; from: string | null };
  "request.enforcing_notified": {
    enforcingState: string;
    notifiedAt: string;
    windowClosesAt: string;
    basis: string;
    emergency: boolean;
    from: "document" | "staff";
    note?: string;
  };
  "request.enforcing_answered": {
    kind: string;
    grounds: Array<{ ground: string; article: string }>;
    categories: string[];
    conditions?: string;
    answeredAt: string;
    inTime: boolean;
    afterDelivery: boolean;
    note?: string;
  };
  "jurisdiction.status_changed": { status: string; reason: string };
  "policy.activated": { name: string; version: string; sha256: string };
  "agency.created": { name: string; jurisdiction: string; via?: string; [field: string]: Json | undefined };
  "preservation.created": { requestId: string; expiresAt: string };
  /** `by`: the Annex VI request that extended it, when one did. */
  "preservation.extended": { requestId: string; expiresAt: string; extensions: number; by?: string };
  "preservation.confirmed": { requestId: string; confirmedBy: string };
  "preservation.released": { requestId: string; deliveredFor: string };
  "preservation.expired": { requestId: string; expiredAt: string };
  "reminder.sent": ReminderPayload;
  "production.started": { requestId: string; decisionId: string; policy: Policy; masterKeyId: string };
  "canary.issued": { expiresAt: string; statements: string[]; keyId: string };
  "canary.withheld": { unsupported: string[] };
  "report.published": {
    version: number;
    sha256: string;
    note: string | null;
    rows: number;
    changes: number;
    /** From migration 0032: the user-notice rows frozen and their changed figures. */
    noticeRows?: number;
    noticeChanges?: number;
    /** A year's DSA orders in total as frozen (null for other periods), and its changed cells. */
    dsaOrders?: number | null;
    dsaChanges?: number;
  };
  "publication.drafted": { version: number; shown: string[]; redacted: string[] };
  "publication.approved": { version: number };
  "production.sealed": {
    requestId: string;
    decisionId: string;
    archiveBytes: number;
    archiveSha256: string;
    payloadBytes: number;
    dataProduced: boolean;
    targets: Array<{ target: string; result: string; records: number }>;
    records: Record<string, number>;
    notProduced: unknown;
    manifest: Array<{ path: string; sha256: string }>;
    expiresAt: string;
    purgeAfter: string;
  };
  "production.failed": { requestId: string; reason: string };
  "production.refused": RefusalPayload;
  "production.downloaded": { agencyId: string | null; bytes: number | string | bigint | null };
  "production.download_refused": RefusalPayload;
  "production.purged": { requestId: string; was: string; chunksDeleted: number; archiveDeleted: string | null };
  "production.archive_damaged": { archiveKey: string; store: string; problem: "missing" | "altered"; detail: string };
  "production.key_rewrapped": { from: string; to: string };
  "production.opened": { file: string; out: string | null | undefined };
  "notice.scheduled": {
    kind: string;
    /** Null: barred with no end known (a national-security request that records none); no job waits. */
    dueAt: string | null;
    /**
     * What waits: a gag (dated; national security's, open-ended), an EU authority's Art. 13(3) delay, an
     * emergency's delay, or the days the policy waits after the answer (userNotice.<regime>.afterDays).
     */
    because: "non_disclosure_order" | "national_security" | "authority_delay" | "emergency" | "policy_delay";
    nonDisclosureUntil: string | null;
    /** An EU authority's Art. 13(3) delay of informing the user, when that is what waits. */
    authorityDelayUntil?: string | null;
  };
  "notice.left_to_authority": { kind: string; regime: string; rule: string; reason: string; policy: Policy };
  "notice.not_possible": { kind: string; accounts: number; found: number };
  "notice.queued":
    | { kind: string; account: string; mailed: true; mailId: number }
    | { kind: string; account: string; mailed: false; why: string };
  "user.created": { email: string; role: string; staffChangeId?: string };
  "user.registered": { agencyId: string; domain: string };
  "user.email_confirmed": Record<string, never>;
  "user.totp_enrolled": Record<string, never>;
  "user.activated": { callbackId: string };
  "user.suspended": { reason: string };
  "user.setup_link_sent": { expiresAt: string; revokedEarlier: number };
  "user.setup_opened": Record<string, never>;
  "user.setup_completed": Record<string, never>;
  "user.reinstated": { staffChangeId: string; proposedBy: string | null };
  "user.change_proposed": { kind: "create" | "reactivate"; email: string; role: string; userId?: string };
  "user.change_applied": StaffChangeDecided;
  "user.change_rejected": StaffChangeDecided;
  "user.flagged": { emergencies: number; windowHours: number; limit: number };
  "session.created": { expiresAt: string };
  "session.refused": RefusalPayload;
  "session.revoked": Record<string, never>;
  "token.created": { name: string; scopes: string[]; expiresAt: string };
  "token.revoked": Record<string, never>;
  "callback.recorded": { callbackId: string; calledNumber: string; confirmed: boolean };
  "callback.number_reviewed": {
    reviewId: string;
    numberOnRecord: string | null;
    numberOnFile: string | null;
    dial: string;
    note: string;
  };
  "agency.change_proposed": { agencyId: string; kind: string; value: string };
  "agency.change_applied": AgencyChangeDecided;
  "agency.change_rejected": AgencyChangeDecided;
  "security.refused": RefusalPayload;
}

interface StaffChangeDecided {
  kind: "create" | "reactivate";
  email: string;
  role: string;
  proposedBy: string | null;
  userId: string | null;
}

interface AgencyChangeDecided {
  agencyId: string;
  kind: string;
  value: string;
  proposedBy: string | null;
}

/** The actions whose payload is a refusal (`auditRefusal` writes them). */
export type RefusalAction =
  | "security.refused"
  | "session.refused"
  | "production.download_refused"
  | "production.refused";

/**
 * One entry, its payload typed by its action. (An action added to `AuditAction` without its line in
 * `AuditPayloads` fails here: "cannot be used to index type 'AuditPayloads'".)
 */
export type AuditEntry = {
  [A in AuditAction]: {
    actor: string;
    action: A;
    objectType: AuditObjectType;
    objectId: string;
    /** What changed; plain JSON (no Dates, no undefined), digested as written. */
    payload: AuditPayloads[A];
  };
}[AuditAction];
