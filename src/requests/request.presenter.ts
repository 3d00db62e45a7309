import type { Selectable } from "kysely";
import { z } from "zod";
import type { DecisionTable } from "../db/schema.js";
import { type LegalBasis, legalBasisSchema } from "../domain/legal-basis.schema.js";
import { CATEGORIES, REGIMES, type Regime, STATUSES, type Status, TARGET_TYPES } from "../domain/vocabulary.js";
import { ACTIONS, type DecisionItem, OUTCOMES, type Outcome, REFUSAL_GROUNDS } from "../policy/engine.js";
import { NOTICE_GIVERS } from "../policy/policy.schema.js";
import type { UserNoticeRule } from "../policy/user-notice.js";
import type { HoldView } from "./holds.service.js";

/**
 * What a request looks like outside the store: one zod schema per view, the type the pages and the
 * API both use, and the one function that turns rows into it. The API declares these schemas as its
 * responses, so the OpenAPI document and the typed client say exactly what is sent. Strict objects:
 * a field a presenter adds without declaring it fails the response (a 500 in the tests), instead of
 * being silently dropped from the wire.
 */

const instant = z.iso.datetime({ offset: true });

export const requestSummarySchema = z.strictObject({
  id: z.uuid(),
  reference: z.string(),
  agencyId: z.uuid(),
  agencyName: z.string(),
  jurisdiction: z.string(),
  process: z.string(),
  status: z.enum(STATUSES),
  receivedAt: instant,
  deadlineAt: instant.nullable(),
  emergency: z.boolean(),
  /** Who on the desk has taken it (staff only; null when nobody has). */
  assignee: z.string().nullable().optional(),
});
export type RequestSummary = z.infer<typeof requestSummarySchema>;

export const requestPageSchema = z.strictObject({
  items: z.array(requestSummarySchema),
  /** The cursor of the next page, or null on the last. */
  next: z.string().nullable(),
  /** The cursor of the page before (pass it as `before`), or null on the first. */
  previous: z.string().nullable().optional(),
});

export interface SummaryRow {
  id: string;
  reference: string;
  agency_id: string;
  agency_name: string;
  jurisdiction: string;
  process: string;
  status: string;
  received_at: Date;
  deadline_at: Date | null;
}

export function presentSummary(r: SummaryRow): RequestSummary {
  return {
    id: r.id,
    reference: r.reference,
    agencyId: r.agency_id,
    agencyName: r.agency_name,
    jurisdiction: r.jurisdiction,
    process: r.process,
    status: r.status as Status,
    receivedAt: r.received_at.toISOString(),
    deadlineAt: r.deadline_at?.toISOString() ?? null,
    emergency: r.process === "emergency",
  };
}

const holdSchema = z.strictObject({
  kind: z.literal("account_suspended"),
  since: instant,
  reason: z.string().optional(),
  placedBy: z.string().optional(),
  account: z.strictObject({ id: z.uuid(), email: z.string() }).optional(),
});

const documentSchema = z.strictObject({
  position: z.number().int(),
  name: z.string(),
  sha256: z.string(),
  mediaType: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  /** False when only the document's SHA-256 was sent, not the file. */
  stored: z.boolean(),
});

const decisionSchema = z.strictObject({
  id: z.uuid(),
  sequence: z.number().int(),
  policy: z.strictObject({ name: z.string(), version: z.string() }),
  outcome: z.enum(OUTCOMES),
  needsReview: z.boolean(),
  reviewReasons: z.array(z.string()),
  /** The jurisdiction was on the deciding policy's human-rights review list. */
  humanRightsReview: z.boolean(),
  items: z.array(
    z.strictObject({
      target: z.string(),
      category: z.enum(CATEGORIES),
      action: z.enum(ACTIONS),
      /** The policy path (or request field) that decided the item. */
      rule: z.string(),
      reason: z.string(),
      /** An item the order was not entitled to: answered on the regime's form (docs/regimes.md#refusals). */
      refusal: z
        .strictObject({ form: z.literal("annex_iii"), ground: z.enum(REFUSAL_GROUNDS), article: z.string() })
        .optional(),
    }),
  ),
  cause: z.enum(["intake", "resume", "pause", "policy_change", "verification", "import"]),
  decidedAt: instant,
});

const reviewSchema = z.strictObject({
  reviewer: z.string(),
  verdict: z.enum(["recommend_approve", "recommend_reject", "approve", "reject"]),
  checklist: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  decisionId: z.uuid(),
  createdAt: instant,
});

const callbackSchema = z.strictObject({
  calledNumber: z.string(),
  outcome: z.string(),
  note: z.string(),
  madeBy: z.string(),
  madeAt: instant,
});

const detailBase = {
  id: z.uuid(),
  reference: z.string(),
  agencyId: z.uuid(),
  agencyName: z.string(),
  jurisdiction: z.string(),
  process: z.string(),
  status: z.enum(STATUSES),
  receivedAt: instant,
  deadlineAt: instant.nullable(),
  followUpDueAt: instant.nullable(),
  categories: z.array(z.enum(CATEGORIES)),
  targets: z.array(
    z.strictObject({
      type: z.enum(TARGET_TYPES),
      value: z.string(),
      /** An ip_address's: when it was seen, the zone it was read in, its port if given. */
      at: instant.optional(),
      timeZone: z.string().optional(),
      port: z.number().int().optional(),
    }),
  ),
  documents: z.array(documentSchema),
  /** docs/regimes.md: `us` unless the request names another legal basis. */
  regime: z.enum(REGIMES),
  instrument: z.string().nullable(),
  originalSha256: z.string(),
  version: z.number().int(),
  /** Held for staff review because the submitting account was suspended (not a jurisdiction pause). */
  staffHold: holdSchema.nullable(),
};

/** What an officer sees: where the request stands, not the desk's deliberations. */
export const requestDetailOfficerSchema = z.strictObject({
  view: z.literal("officer"),
  ...detailBase,
  decision: z.null(),
  reviews: z.array(reviewSchema).max(0),
  callbacks: z.array(callbackSchema).max(0),
});
export type RequestDetailOfficer = z.infer<typeof requestDetailOfficerSchema>;

const calendarDate = z.iso.date();

/** What intake wrote when it moved the request on to verifying or to review: what it checked. */
const verificationNoteSchema = z.strictObject({
  to: z.string(),
  note: z.string(),
  by: z.string(),
  at: instant,
});

/**
 * What the desk sees: the request as filed (everything the standards checklist asks about), intake's
 * verification notes, the decision in force, the reviews and the call-backs too.
 */
export const requestDetailStaffSchema = z.strictObject({
  view: z.literal("staff"),
  ...detailBase,
  /** The court or authority that issued the legal process, as filed. */
  issuedBy: z.string().nullable(),
  findings: z.array(z.string()),
  /** The period the data is asked for, inclusive. */
  dateRange: z.strictObject({ from: calendarDate, to: calendarDate }).nullable(),
  /** The non-disclosure order's end: the user may not be told before it. */
  nonDisclosureUntil: calendarDate.nullable(),
  /** The officer's account that submitted it; null when intake registered it from the mail. */
  submittedBy: z.string().nullable(),
  verificationNotes: z.array(verificationNoteSchema),
  agencyVerified: z.boolean(),
  emergency: z.strictObject({ justification: z.string(), verified: z.boolean() }).nullable(),
  /** The legal basis as filed (docs/regimes.md), null for a request without one. */
  legalBasis: legalBasisSchema.nullable(),
  /**
   * Who tells the user under the request's regime, by the policy in force (docs/policy.md#user-notice),
   * with the line it comes from; null while no policy is in force.
   */
  userNotice: z
    .strictObject({
      by: z.enum(NOTICE_GIVERS),
      afterDays: z.number().int(),
      rule: z.string(),
      reason: z.string(),
    })
    .nullable(),
  decision: decisionSchema.nullable(),
  reviews: z.array(reviewSchema),
  callbacks: z.array(callbackSchema),
});
export type RequestDetailStaff = z.infer<typeof requestDetailStaffSchema>;

export const requestDetailSchema = z.discriminatedUnion("view", [requestDetailOfficerSchema, requestDetailStaffSchema]);
export type RequestDetail = z.infer<typeof requestDetailSchema>;

export interface DetailRows {
  request: {
    id: string;
    reference: string;
    agency_id: string;
    agency_name: string;
    jurisdiction: string;
    process: string;
    status: string;
    received_at: Date;
    deadline_at: Date | null;
    follow_up_due_at: Date | null;
    categories: string[];
    original_sha256: string;
    version: number;
    agency_verified: boolean;
    emergency_justification: string | null;
    emergency_verified: boolean | null;
    regime: string;
    instrument: string | null;
    legal_basis: unknown;
  };
  targets: Array<{ type: string; value: string; at?: string; timeZone?: string; port?: number }>;
  documents: Array<{
    position: number;
    name: string;
    sha256: string;
    media_type: string | null;
    size_bytes: number | null;
  }>;
  staffHold: HoldView | null;
}

export interface DeskRows {
  filed: {
    issued_by: string | null;
    findings: string[];
    date_from: string | null;
    date_to: string | null;
    non_disclosure_until: string | null;
    submitted_by_email: string | null;
  };
  verificationNotes: Array<{ to: string; note: string; actor: string; occurred_at: Date }>;
  decision: Selectable<DecisionTable> | undefined;
  reviews: Array<{
    reviewer: string;
    verdict: RequestDetailStaff["reviews"][number]["verdict"];
    checklist: Record<string, unknown>;
    note: string | null;
    created_at: Date;
    decision_id: string;
  }>;
  callbacks: Array<{ called_number: string; outcome: string; note: string; made_at: Date; email: string }>;
  userNotice: UserNoticeRule | null;
}

function presentBase(rows: DetailRows) {
  const row = rows.request;
  return {
    id: row.id,
    reference: row.reference,
    agencyId: row.agency_id,
    agencyName: row.agency_name,
    jurisdiction: row.jurisdiction,
    process: row.process,
    status: row.status as Status,
    receivedAt: row.received_at.toISOString(),
    deadlineAt: row.deadline_at?.toISOString() ?? null,
    followUpDueAt: row.follow_up_due_at?.toISOString() ?? null,
    categories: row.categories as RequestDetail["categories"],
    targets: rows.targets as RequestDetail["targets"],
    regime: row.regime as Regime,
    instrument: row.instrument,
    documents: rows.documents.map((d) => ({
      position: d.position,
      name: d.name,
      sha256: d.sha256,
      mediaType: d.media_type,
      sizeBytes: d.size_bytes,
      stored: d.size_bytes !== null,
    })),
    originalSha256: row.original_sha256,
    version: row.version,
    staffHold: rows.staffHold,
  };
}

export function presentOfficerDetail(rows: DetailRows): RequestDetailOfficer {
  return { view: "officer", ...presentBase(rows), decision: null, reviews: [], callbacks: [] };
}

export function presentStaffDetail(rows: DetailRows, desk: DeskRows): RequestDetailStaff {
  const row = rows.request;
  const decision = desk.decision;
  return {
    view: "staff",
    ...presentBase(rows),
    issuedBy: desk.filed.issued_by,
    findings: desk.filed.findings,
    dateRange:
      desk.filed.date_from && desk.filed.date_to ? { from: desk.filed.date_from, to: desk.filed.date_to } : null,
    nonDisclosureUntil: desk.filed.non_disclosure_until,
    submittedBy: desk.filed.submitted_by_email,
    verificationNotes: desk.verificationNotes.map((v) => ({
      to: v.to,
      note: v.note,
      by: v.actor,
      at: v.occurred_at.toISOString(),
    })),
    agencyVerified: row.agency_verified,
    emergency: row.emergency_justification
      ? { justification: row.emergency_justification, verified: row.emergency_verified === true }
      : null,
    legalBasis: (row.legal_basis as LegalBasis | null) ?? null,
    userNotice: desk.userNotice,
    decision: decision
      ? {
          id: decision.id,
          sequence: decision.sequence,
          policy: { name: decision.policy_name, version: decision.policy_version },
          outcome: decision.outcome as Outcome,
          needsReview: decision.needs_review,
          reviewReasons: decision.review_reasons,
          humanRightsReview: decision.human_rights_review,
          items: decision.items as DecisionItem[],
          cause: decision.cause,
          decidedAt: decision.decided_at.toISOString(),
        }
      : null,
    reviews: desk.reviews.map((r) => ({
      reviewer: r.reviewer,
      verdict: r.verdict,
      checklist: r.checklist,
      note: r.note,
      decisionId: r.decision_id,
      createdAt: r.created_at.toISOString(),
    })),
    callbacks: desk.callbacks.map((c) => ({
      calledNumber: c.called_number,
      outcome: c.outcome,
      note: c.note,
      madeBy: c.email,
      madeAt: c.made_at.toISOString(),
    })),
  };
}

export const timelineSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      id: z.number().int(),
      at: instant,
      actor: z.string(),
      action: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type TimelineEntry = z.infer<typeof timelineSchema>["items"][number];

export function presentTimelineEntry(r: {
  id: number;
  occurred_at: Date;
  actor: string;
  action: string;
  payload: Record<string, unknown>;
}): TimelineEntry {
  return { id: r.id, at: r.occurred_at.toISOString(), actor: r.actor, action: r.action, details: r.payload };
}
