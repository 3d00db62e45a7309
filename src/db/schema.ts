import type { ColumnType, Generated } from "kysely";
import type { Role } from "../domain/vocabulary.js";

/**
 * The tables as Kysely sees them. Written by hand beside the migrations (src/db/migrations) and checked
 * against the live schema by a test, so a migration and this file cannot drift apart silently.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, never, never>;
/** `date` columns are read as `YYYY-MM-DD` strings on both drivers (see database.ts). */
type DateOnly = string;
type Json<T> = ColumnType<T, string, string>;

export interface AgencyTable {
  id: Generated<string>;
  name: string;
  jurisdiction: string;
  phone_on_file: string | null;
  status: Generated<"active" | "suspended">;
  created_at: CreatedAt;
}

export interface AgencyDomainTable {
  agency_id: string;
  domain: string;
  verified_at: Generated<Date>;
  verified_by: string;
}

export interface AppUserTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  role: Role;
  agency_id: string | null;
  status: Generated<"pending" | "active" | "suspended">;
  created_at: CreatedAt;
  password_hash: string | null;
  totp_secret: string | null;
  totp_enrolled_at: Timestamp | null;
  totp_last_step: number | null;
  email_confirmed_at: Timestamp | null;
  activated_at: Timestamp | null;
  activated_by: string | null;
  flagged_at: Timestamp | null;
  flag_reason: string | null;
  updated_at: Generated<Date>;
  /** An officer's: the agency's phone on file when they registered (0009's trigger); what a call-back dials. */
  callback_number: Generated<string | null>;
  /** The admin who proposed this staff account (0013); null when an operator or the demo made it. */
  created_by: string | null;
}

export interface EmailConfirmationTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface UserSessionTable {
  id_hash: string;
  user_id: string;
  csrf_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: Generated<Date>;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  user_agent: string | null;
}

export type TokenScope = "requests:read" | "requests:write";

export interface ApiTokenTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: TokenScope[];
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** A hold for staff review (migration 0010): the submitting account was suspended; released by staff with a note. */
export interface RequestHoldTable {
  id: Generated<string>;
  request_id: string;
  kind: "account_suspended";
  account_id: string;
  reason: string;
  placed_by: string;
  placed_at: Timestamp;
  released_by: string | null;
  released_at: Timestamp | null;
  release_note: string | null;
}

export interface CallbackTable {
  id: Generated<string>;
  subject_type: "user" | "request";
  subject_id: string;
  agency_id: string;
  called_number: string;
  outcome: "confirmed" | "not_confirmed";
  note: string;
  made_by: string;
  made_at: Generated<Date>;
}

/** Counsel's look at a call-back number changed since the subject arrived: which of the two to dial. */
export interface CallbackNumberReviewTable {
  id: Generated<string>;
  subject_type: "user" | "request";
  subject_id: string;
  number_on_record: string | null;
  number_on_file: string | null;
  dial: "on_record" | "on_file";
  note: string;
  reviewed_by: string;
  reviewed_at: Timestamp;
}

export interface AgencyChangeTable {
  id: Generated<string>;
  agency_id: string;
  kind: "add_domain" | "remove_domain" | "set_phone";
  value: string;
  status: Generated<"pending" | "applied" | "rejected">;
  proposed_by: string;
  proposed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  decided_by: string | null;
  decided_at: Timestamp | null;
}

/** A staff account, or making someone an admin, proposed by one admin and decided by a second (0013). */
export interface StaffChangeTable {
  id: Generated<string>;
  kind: "create" | "reactivate";
  email: string;
  display_name: string;
  role: Exclude<Role, "agency">;
  user_id: string | null;
  status: Generated<"pending" | "applied" | "rejected">;
  proposed_by: string;
  proposed_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
}

/** A one-time link with which a new member of staff sets a password and enrols a second factor (0013). */
export interface StaffSetupTable {
  token_hash: string;
  user_id: string;
  sent_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface MailOutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  body: string;
  purpose: string;
  not_before: Generated<Date>;
  status: Generated<"pending" | "sent" | "failed" | "held">;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface PolicyVersionTable {
  id: Generated<string>;
  name: string;
  version: string;
  document: string;
  sha256: string;
  active: Generated<boolean>;
  created_at: CreatedAt;
  activated_at: Timestamp | null;
}

export interface RequestTable {
  id: Generated<string>;
  agency_id: string;
  reference: string;
  received_at: Timestamp;
  jurisdiction: string;
  process: string;
  issued_by: string | null;
  findings: string[];
  categories: string[];
  agency_verified: boolean;
  emergency_justification: string | null;
  emergency_verified: boolean | null;
  date_from: DateOnly | null;
  date_to: DateOnly | null;
  non_disclosure_until: DateOnly | null;
  original_document: string;
  original_sha256: string;
  status: string;
  held_from: string | null;
  deadline_at: Timestamp | null;
  /** Targets named (intake) or the ledger's count (import); what the report sums. */
  accounts_specified: number;
  /** Outcome of the decision in force, kept by the decision_in_force trigger (0002). */
  decision_outcome: string | null;
  /** Where a closed request came from (delivered, rejected, preserved), set by a trigger on closing. */
  closed_from: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  submitted_by: string | null;
  follow_up_due_at: Timestamp | null;
  /** An emergency's: the agency's phone on file when it arrived (0009's trigger); what a call-back dials. */
  callback_number: Generated<string | null>;
  /** docs/regimes.md (0019): `us` for a document without a legal basis. */
  regime: Generated<string>;
  instrument: string | null;
  /** The legal basis as filed (JSON), null for the `us` regime without one. */
  legal_basis: Json<Record<string, unknown>> | null;
  /** The member of staff who took the request (0022), and when; both null while nobody has. */
  assignee_id: Generated<string | null>;
  assigned_at: Generated<Date | null>;
  /** Where the answer clock started (0023): a resumed clock is recomputed from it. Null before 0023. */
  clock_started_at: Generated<Date | null>;
  /** While an Annex III clarification waits for the authority's answer: since when the clock stands still. */
  clock_paused_at: Generated<Date | null>;
  /** The DSA template's category of illegal content (0026, src/domain/dsa.ts); null: not specified. */
  illegal_content_category: Generated<string | null>;
  /** When the authority was told the order was received (Art. 10(1) DSA), null until then. */
  receipt_confirmed_at: Generated<Date | null>;
  /** `given` (delivered) or `not_executed` (rejected), and when: set by 0026's trigger on the first such move. */
  effect: Generated<string | null>;
  effect_at: Generated<Date | null>;
}

/** The correspondence with the authority (0023): never changed, except a clarification marked answered. */
export interface RequestMessageTable {
  id: Generated<string>;
  request_id: string;
  sequence: number;
  direction: "outbound" | "inbound";
  kind: "acknowledgement" | "preservation_acknowledgement" | "annex_iii" | "production_notice" | "clarification_answer";
  form: Json<Record<string, unknown>>;
  sha256: string;
  author: string;
  sent_at: Timestamp;
  in_reply_to: string | null;
  awaits_answer: Generated<boolean>;
  answered_at: Timestamp | null;
}

/** The enforcing authority's notification of an EU production order (0027): one per request, never changed. */
export interface EnforcingNotificationTable {
  request_id: string;
  enforcing_state: string;
  notified_at: Timestamp;
  window_closes_at: Timestamp;
  emergency: boolean;
  recorded_from: "document" | "staff";
  recorded_by: string;
  recorded_at: Timestamp;
}

/** Each answer of the enforcing authority (0027), as staff record it; never changed. */
export interface EnforcingAnswerTable {
  id: Generated<string>;
  request_id: string;
  kind: "no_ground" | "refusal" | "objection" | "conditions";
  grounds: ColumnType<string[], string[] | undefined, never>;
  categories: ColumnType<string[], string[] | undefined, never>;
  conditions: string | null;
  note: string | null;
  answered_at: Timestamp;
  in_time: boolean;
  after_delivery: boolean;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface RequestTargetTable {
  request_id: string;
  position: number;
  type: string;
  value: string;
  /** An ip_address target's moment and the time zone it was read in, and its port if given (0019). */
  observed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  time_zone: Generated<string | null>;
  port: Generated<number | null>;
}

export interface RequestDocumentTable {
  request_id: string;
  position: number;
  name: string;
  sha256: string;
  media_type: string | null;
  size_bytes: number | null;
  /** Documents stored before migration 0012; later ones are in `blob_id`'s chunks. */
  content: Uint8Array | null;
  blob_id: string | null;
}

export interface DocumentBlobTable {
  id: Generated<string>;
  /** Null until every piece is written. */
  sha256: string | null;
  size_bytes: number | null;
  created_at: Generated<Date>;
}

export interface DocumentBlobChunkTable {
  blob_id: string;
  seq: number;
  bytes: Uint8Array;
}

export interface DecisionTable {
  id: Generated<string>;
  request_id: string;
  sequence: number;
  policy_name: string;
  policy_version: string;
  outcome: string;
  needs_review: boolean;
  review_reasons: Json<string[]>;
  /** The jurisdiction was on the deciding policy's human-rights review list (whether or not anything was disclosed). */
  human_rights_review: Generated<boolean>;
  items: Json<unknown[]>;
  cause: "intake" | "resume" | "pause" | "policy_change" | "verification" | "import";
  note: string | null;
  decided_at: Generated<Date>;
}

export interface ReviewTable {
  id: Generated<string>;
  request_id: string;
  decision_id: string;
  reviewer: string;
  verdict: "recommend_approve" | "recommend_reject" | "approve" | "reject";
  checklist: Json<Record<string, unknown>>;
  note: string | null;
  created_at: CreatedAt;
}

export interface JurisdictionStatusTable {
  id: Generated<number>;
  jurisdiction: string;
  status: "active" | "paused" | "refused";
  reason: string;
  actor: string;
  changed_at: Generated<Date>;
}

export interface PreservationHoldTable {
  id: Generated<string>;
  request_id: string;
  expires_at: Timestamp;
  extensions: Generated<number>;
  status: Generated<"active" | "expired" | "released">;
  created_at: CreatedAt;
  /** An EU preservation confirmed on Annex V (0024): kept until production, expiry passes it by. */
  confirmed_at: Generated<Date | null>;
  /** The Annex V request that confirmed it. */
  confirmed_by: Generated<string | null>;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  run_at: Timestamp;
  status: Generated<"pending" | "running" | "done" | "failed">;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_by: string | null;
  locked_at: Timestamp | null;
  /** The lease: a running job whose holder has not renewed it by then is taken over. */
  locked_until: Timestamp | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  xid: ColumnType<string, never, never>;
  occurred_at: Timestamp;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  payload: Json<Record<string, unknown>>;
  /** Computed by the database on insert (trigger audit_event_digest). */
  digest: ColumnType<string, never, never>;
}

export interface AuditChainTable {
  position: number;
  event_id: number;
  hash: string;
  sealed_at: Generated<Date>;
}

export interface AuditCheckpointTable {
  position: number;
  hash: string;
  signed_at: Timestamp;
  key_id: string;
  signature: string;
}

export interface AuditSealStateTable {
  singleton: Generated<boolean>;
  sealed_below: string;
}

/** Kept exact by triggers on `request` (0002); a report sums the 16 shards of each key. */
/** Per quarter (migration 0020): `period` is `2020Q3`; a year or half-year is the sum of its quarters. */
export interface ReportRollupTable {
  period: string;
  country: string;
  process: string;
  shard: number;
  requests: number;
  accounts_specified: number;
  produced: number;
  held: number;
  rejected: number;
  no_data: number;
}

/** A published report (migration 0021): immutable; a correction is the next version, with its note. */
export interface ReportVersionTable {
  period: string;
  version: number;
  published_at: Date;
  published_by: string;
  note: string | null;
  /** The exact ReportRow[] it was published from (banded when served). */
  rows: Json<unknown[]>;
  /** What changed in the published figures since the version before: ReportChange[]. */
  changes: Json<unknown[]>;
  sha256: string;
  /** The period's NoticeRow[] as published (0032); null for a version published before. */
  notices: Json<unknown[]> | null;
  /** A year's DSA report as published, `{ service, cells: DsaCell[] }` (0032); null for other periods. */
  dsa: Json<unknown> | null;
  /** NoticeChange[] and DsaChange[] since the version before (0032). */
  notice_changes: Json<unknown[]>;
  dsa_changes: Json<unknown[]>;
}

export type ProductionStatus = "building" | "ready" | "downloaded" | "purged" | "failed";

export interface ProductionTable {
  id: string;
  request_id: string;
  decision_id: string;
  agency_id: string;
  status: ProductionStatus;
  started_by: string;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  sealed_at: Timestamp | null;
  expires_at: Timestamp | null;
  purge_after: Timestamp | null;
  downloaded_at: Timestamp | null;
  downloaded_by: string | null;
  purged_at: Timestamp | null;
  wrapped_key: Uint8Array | null;
  master_key_id: string;
  chunk_size: number;
  bag_name: string;
  archive_bytes: number | null;
  payload_bytes: number | null;
  data_produced: boolean | null;
  summary: Json<Record<string, unknown>> | null;
  /** Where the archive rests in the archive store (0025); null for one sealed before, in production_chunk. */
  archive_key: string | null;
  /** SHA-256 of the stored archive (0025), checked on every read. */
  archive_sha256: string | null;
}

export interface ProductionChunkTable {
  production_id: string;
  seq: number;
  data: Uint8Array;
}

export interface ProductionTargetTable {
  production_id: string;
  position: number;
  target: string;
  account_ref: string | null;
  result: "data_produced" | "no_data";
  records: number;
}

export interface WarrantCanaryTable {
  day: DateOnly;
  status: "issued" | "withheld";
  decided_at: Timestamp;
  document: Json<Record<string, unknown>> | null;
  signature: string | null;
  key_id: string | null;
  expires_at: Timestamp | null;
  unsupported: string[] | null;
}

/** An emergency's page to the on-call person (migration 0029), and who on the desk acknowledged it. */
export interface EmergencyPageTable {
  request_id: string;
  status: "paging" | "sent" | "failed" | "not_configured" | "not_needed";
  attempts: number;
  last_error: string | null;
  sent_at: Timestamp | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  updated_at: Timestamp;
}

/** What became of the notice owed to a request's users (migration 0028, src/notices/user-notice.service.ts). */
export interface UserNoticeTable {
  request_id: string;
  kind: "delivered" | "rejected";
  /** by_authority (0031): the policy leaves the notice to the issuing authority (docs/policy.md#user-notice). */
  status: "given" | "delayed" | "barred" | "pending" | "not_possible" | "by_authority";
  /**
   * While barred: the last day of the non-disclosure order (or of an EU authority's Art. 13(3) delay); null
   * for a gag or delay with no end.
   */
  barred_until: DateOnly | null;
  accounts_notified: number;
  /** The request's quarter (`2025Q3`), country and process, copied for the rollup: they never change. */
  period: string;
  country: string;
  process: string;
  recorded_at: Timestamp;
  updated_at: Timestamp;
}

/** Kept exact by a trigger on `user_notice` (0028), per quarter like report_rollup; a report sums the shards. */
export interface NoticeRollupTable {
  period: string;
  country: string;
  process: string;
  shard: number;
  given: number;
  delayed: number;
  barred: number;
  pending: number;
  not_possible: number;
  by_authority: number;
}

/**
 * Per year (`*`: every year) and shard, how many statements changed a fact of an order the DSA report of
 * that year reads (0033's triggers on `request`); a year's generation is the sum of its shards and `*`'s.
 */
export interface DsaReportGenerationTable {
  year: string;
  shard: number;
  generation: number;
}

/** A year's DSA report as computed at `generation` (0033): its cells in order, as parallel arrays. */
export interface DsaReportCacheTable {
  year: string;
  generation: number;
  computed_at: Timestamp;
  member_states: (string | null)[];
  categories: (string | null)[];
  orders: number[];
  confirmed: number[];
  median_confirm: (number | null)[];
  answered: number[];
  median_effect: (number | null)[];
}

/** A demand published after its gag lifted (migration 0030): drafted by one person, approved by another. */
export interface DemandPublicationTable {
  request_id: string;
  version: Generated<number>;
  /** What the public sees: ShownFields (src/reports/publication.format.ts). */
  shown: Json<Record<string, unknown>>;
  /** What is withheld and why: Redaction[]. */
  redactions: Json<unknown[]>;
  summary: string | null;
  drafted_by: string;
  drafted_at: Timestamp;
  approved_by: string | null;
  approved_at: Timestamp | null;
}

export interface DB {
  agency: AgencyTable;
  agency_domain: AgencyDomainTable;
  app_user: AppUserTable;
  policy_version: PolicyVersionTable;
  request: RequestTable;
  request_target: RequestTargetTable;
  request_document: RequestDocumentTable;
  document_blob: DocumentBlobTable;
  document_blob_chunk: DocumentBlobChunkTable;
  decision: DecisionTable;
  review: ReviewTable;
  jurisdiction_status: JurisdictionStatusTable;
  preservation_hold: PreservationHoldTable;
  request_message: RequestMessageTable;
  enforcing_notification: EnforcingNotificationTable;
  enforcing_answer: EnforcingAnswerTable;
  job: JobTable;
  audit_event: AuditEventTable;
  audit_chain: AuditChainTable;
  audit_checkpoint: AuditCheckpointTable;
  audit_seal_state: AuditSealStateTable;
  email_confirmation: EmailConfirmationTable;
  user_session: UserSessionTable;
  api_token: ApiTokenTable;
  callback: CallbackTable;
  callback_number_review: CallbackNumberReviewTable;
  agency_change: AgencyChangeTable;
  staff_change: StaffChangeTable;
  staff_setup: StaffSetupTable;
  mail_outbox: MailOutboxTable;
  report_rollup: ReportRollupTable;
  report_version: ReportVersionTable;
  request_hold: RequestHoldTable;
  production: ProductionTable;
  production_chunk: ProductionChunkTable;
  production_target: ProductionTargetTable;
  warrant_canary: WarrantCanaryTable;
  emergency_page: EmergencyPageTable;
  user_notice: UserNoticeTable;
  notice_rollup: NoticeRollupTable;
  demand_publication: DemandPublicationTable;
  dsa_report_generation: DsaReportGenerationTable;
  dsa_report_cache: DsaReportCacheTable;
}
