import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { auditRow } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import type { Db, Tx } from "../db/database.js";
import { countryOf } from "../domain/jurisdictions.js";
import { jobRow } from "../jobs/jobs.js";
import { sharedLockCall } from "../jurisdictions/jurisdiction.lock.js";
import { type Decision, decide } from "../policy/engine.js";
import { loadPolicyInForce, POLICY_STATE_COLUMNS, type PolicyState } from "../policy/policy.store.js";
import { placePreservationHold } from "../preservation/preservation.service.js";
import { conflict, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { decidedEntry, decisionRow } from "./decisions.repository.js";
import type { Status } from "./lifecycle.js";
import { parseRequestDocument, type RequestDocument } from "./request.schema.js";

const DAY_MS = 86_400_000;

/** How long the desk has to answer, from receipt: emergencies are answered within the day. */
export const ANSWER_WITHIN_DAYS: Record<string, number> = { emergency: 1, preservation: 2 };
const DEFAULT_ANSWER_WITHIN_DAYS = 30;

export interface IntakeInput {
  agencyId: string;
  /** The document exactly as it arrived; kept verbatim with its SHA-256. */
  originalDocument: string;
  actor: string;
  now: Date;
  /** Set from Custodian's own records (a verified officer session), never from the document. */
  agencyVerified: boolean;
  /** Set only by a recorded call-back to the agency's number on file. */
  emergencyVerified?: boolean;
  /** The account that submitted it over the API (an officer, or intake staff for mailed requests). */
  submittedBy?: string;
  /** When the legal process following an emergency disclosure is due. */
  followUpDueAt?: Date;
  /**
   * Refuse a request filed under another country than the agency's own. Set for requests submitted over
   * the API: a US officer cannot file as Hong Kong's police (or as a jurisdiction with a kinder policy);
   * foreign requests arrive through MLAT, from the home agency.
   */
  ownCountryOnly?: boolean;
}

export interface IntakeResult {
  id: string;
  status: Status;
  decision: Decision;
}

/** Parse the document as it arrived and put Custodian's own facts in place of the sender's claims. */
export function prepareDocument(input: IntakeInput): RequestDocument {
  let json: unknown;
  try {
    json = JSON.parse(input.originalDocument);
  } catch (error) {
    throw new ValidationError([{ path: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const doc = parseRequestDocument(json);
  return {
    ...doc,
    agency: { ...doc.agency, verified: input.agencyVerified },
    emergency: doc.emergency ? { ...doc.emergency, verified: input.emergencyVerified ?? false } : doc.emergency,
  };
}

function initialStatus(decision: Decision): Status {
  if (decision.outcome === "hold") return "on_hold";
  if (decision.outcome === "preserve") return "preserved";
  return "received";
}

/**
 * Store a request, its targets and documents, its first decision and their audit entries in one
 * transaction. When this returns, the request is durably stored (the commit has been acknowledged).
 */
export async function intakeRequest(db: Db, input: IntakeInput): Promise<IntakeResult> {
  const doc = prepareDocument(input);
  return db.transaction().execute((tx) => intakeInTransaction(tx, doc, input));
}

export async function intakeInTransaction(tx: Tx, doc: RequestDocument, input: IntakeInput): Promise<IntakeResult> {
  // Intake is the hot path (one per request, many at once): it makes four round trips, BEGIN, this
  // admission query (which also says which policy is in force), one statement that writes everything,
  // COMMIT (plus reading the policy on a cache miss).
  const { rows } = await sql<
    { agency_status: string | null; agency_jurisdiction: string | null; duplicate: string | null } & PolicyState
  >`
    select (select status from agency where id = ${input.agencyId}) as agency_status,
           (select jurisdiction from agency where id = ${input.agencyId}) as agency_jurisdiction,
           (select id from request where agency_id = ${input.agencyId} and reference = ${doc.reference}) as duplicate,
           ${POLICY_STATE_COLUMNS}
      from ${sharedLockCall(doc.jurisdiction)}`.execute(tx);
  const admission = rows[0];
  if (!admission?.agency_status) throw notFound(`agency ${input.agencyId}`);
  if (admission.agency_status !== "active") {
    throw conflict(`agency ${input.agencyId} is ${admission.agency_status}; it cannot submit requests`);
  }
  if (admission.duplicate) throw conflict(`reference ${doc.reference} was already submitted by this agency`);
  const home = admission.agency_jurisdiction;
  if (input.ownCountryOnly && home && countryOf(home) !== countryOf(doc.jurisdiction)) {
    throw new ValidationError([
      { path: "jurisdiction", message: `must be the requesting agency's own (${home}) or one of its subdivisions` },
    ]);
  }

  const policy = await loadPolicyInForce(tx, admission);
  const decision = decide(doc, policy.compiled);
  const status = initialStatus(decision);
  const now = input.now;
  const receivedAt = new Date(doc.receivedAt);
  const answerDays = ANSWER_WITHIN_DAYS[doc.process] ?? DEFAULT_ANSWER_WITHIN_DAYS;
  const deadline = new Date(Math.max(receivedAt.getTime(), now.getTime()) + answerDays * DAY_MS);
  const id = randomUUID();
  const originalSha256 = sha256Hex(input.originalDocument);
  const decisionValues = decisionRow(id, decision, "intake", now, undefined);
  const audit = [
    auditRow(
      {
        actor: input.actor,
        action: "request.received",
        objectType: "request",
        objectId: id,
        payload: {
          agencyId: input.agencyId,
          reference: doc.reference,
          jurisdiction: doc.jurisdiction,
          process: doc.process,
          targets: doc.targets.length,
          categories: doc.categories,
          originalSha256,
          agencyVerified: doc.agency.verified,
          status,
        },
      },
      now,
    ),
    auditRow(decidedEntry(id, decisionValues.id, decision, "intake", input.actor), now),
  ];
  const reminder =
    status === "received"
      ? jobRow(
          "request.deadline_reminder",
          { requestId: id },
          { runAt: new Date(deadline.getTime() - Math.min(3, answerDays / 2) * DAY_MS), dedupeKey: `deadline:${id}` },
        )
      : undefined;

  try {
    // Data-modifying CTEs: one statement, one round trip; the foreign keys are checked at its end.
    let write = tx
      .with("request_row", (db) =>
        db.insertInto("request").values({
          id,
          agency_id: input.agencyId,
          reference: doc.reference,
          received_at: receivedAt,
          jurisdiction: doc.jurisdiction,
          process: doc.process,
          issued_by: doc.issuedBy ?? null,
          findings: doc.findings,
          categories: doc.categories,
          agency_verified: doc.agency.verified,
          emergency_justification: doc.emergency?.justification ?? null,
          emergency_verified: doc.emergency ? doc.emergency.verified : null,
          date_from: doc.dateRange?.from ?? null,
          date_to: doc.dateRange?.to ?? null,
          non_disclosure_until: doc.nonDisclosure?.until ?? null,
          original_document: input.originalDocument,
          original_sha256: originalSha256,
          status,
          held_from: status === "on_hold" ? "received" : null,
          deadline_at: deadline,
          accounts_specified: doc.targets.length,
          // Written here so that the decision_in_force trigger finds nothing to update on intake.
          decision_outcome: decision.outcome,
          updated_at: now,
          submitted_by: input.submittedBy ?? null,
          follow_up_due_at: input.followUpDueAt ?? null,
        }),
      )
      .with("target_rows", (db) =>
        db
          .insertInto("request_target")
          .values(doc.targets.map((t, position) => ({ request_id: id, position, type: t.type, value: t.value }))),
      )
      .with("decision_row", (db) => db.insertInto("decision").values({ ...decisionValues, sequence: 1 }));
    // The optional CTEs add names nothing later refers to, so the builder's type can stay as it was.
    if (doc.documents.length > 0) {
      write = write.with("document_rows", (db) =>
        db
          .insertInto("request_document")
          .values(doc.documents.map((d, position) => ({ request_id: id, position, name: d.name, sha256: d.sha256 }))),
      ) as unknown as typeof write;
    }
    if (reminder) {
      write = write.with("job_row", (db) => db.insertInto("job").values(reminder)) as unknown as typeof write;
    }
    await write.insertInto("audit_event").values(audit).execute();
  } catch (error) {
    // Two submissions of one reference racing past the admission check: the unique key decides.
    if ((error as { code?: string }).code === "23505" && /agency_id_reference/.test(String((error as Error).message))) {
      throw conflict(`reference ${doc.reference} was already submitted by this agency`);
    }
    throw error;
  }

  if (status === "preserved") await placePreservationHold(tx, id, input.actor, now);
  return { id, status, decision };
}
