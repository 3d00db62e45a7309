import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { auditRow } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import type { Db, Tx } from "../db/database.js";
import { dsaCategoryOfOffence } from "../domain/dsa.js";
import { isEmergencyOrder, parseRequestDocument, type RequestDocument } from "../domain/request.schema.js";
import type { Status } from "../domain/vocabulary.js";
import { catalogueJobRow, EMERGENCY_PAGE_ATTEMPTS } from "../jobs/jobs.catalogue.js";
import { type Decision, decide } from "../policy/engine.js";
import { type ActivePolicy, cachedPolicy, loadPolicyInForce } from "../policy/policy.store.js";
import { actOnEuPreservation, actsOnPreservation } from "../preservation/eu-preservation.js";
import { placePreservationHold } from "../preservation/preservation.service.js";
import { conflict, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { ADMISSION_CODES } from "./admission.codes.js";
import { answerClock, preservationDays, preservesOnReceipt } from "./clocks.js";
import { decidedEntry, decisionRow } from "./decisions.repository.js";
import { notifyFromDocument } from "./enforcing-state.service.js";

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
  /**
   * The submitter is the authority itself (an officer over the portal or the API), whose answer with the
   * request's number confirms receipt to it (Art. 10(1) DSA); not so for a request intake types in.
   */
  confirmsReceipt?: boolean;
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
  // The document cannot know when it is read; intake can. A form's deadline already past is refused
  // rather than stored as a request that is late the moment it arrives.
  if (doc.legalBasis?.deadline !== undefined && Date.parse(doc.legalBasis.deadline) <= input.now.getTime()) {
    throw new ValidationError([
      { path: "legalBasis.deadline", message: `is in the past (${doc.legalBasis.deadline}); nothing was stored` },
    ]);
  }
  const notifiedAt = doc.legalBasis?.enforcingNotification?.notifiedAt;
  if (notifiedAt !== undefined && Date.parse(notifiedAt) > input.now.getTime()) {
    throw new ValidationError([
      {
        path: "legalBasis.enforcingNotification.notifiedAt",
        message: `is in the future (${notifiedAt}); nothing was stored`,
      },
    ]);
  }
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

export interface IntakeOptions {
  /** The document as `prepareDocument` returned it, when the caller needed it first (and amended its list). */
  document?: RequestDocument;
  /** Uploaded files: stored with the listed document whose SHA-256 each matches. */
  uploads?: ReadonlyArray<{ sha256: string; mediaType: string; blobId: string; sizeBytes: number }>;
  /** Work that must commit with the request (an emergency's flood check); runs in the same transaction. */
  alsoInTransaction?: (tx: Tx, result: IntakeResult) => Promise<void>;
}

// A policy change is rare and admit_request catches it; more than a few in the span of one intake is not
// a race but a fault.
const ATTEMPTS = 5;

/** The policy in force when this process last admitted a request: intake decides under it, unread. */
let lastPolicyKey: string | undefined;

interface Intake {
  doc: RequestDocument;
  input: IntakeInput;
  options: IntakeOptions;
}

/**
 * Store a request, its targets and documents, its first decision and their audit entries, in one
 * statement: when this returns, the request is durably stored (the commit has been acknowledged).
 *
 * Intake is the hot path (one per request, many at once). It does not read before it writes: it decides
 * under the policy it last saw in force, and the writing statement admits the request (`admit_request`,
 * migration 0006: the jurisdiction's lock, the agency, the policy still in force) before anything it
 * wrote can commit; when another policy came into force meanwhile, nothing was written and intake
 * decides again under that one. And requests arriving while another intake's statement is running are
 * written together by the next one (IntakeBatcher): one statement and one commit for all of them.
 */
export async function intakeRequest(db: Db, input: IntakeInput, options: IntakeOptions = {}): Promise<IntakeResult> {
  const intake: Intake = { doc: options.document ?? prepareDocument(input), input, options };
  if (options.alsoInTransaction) {
    // Work of its own in the transaction (an emergency's flood check) is done for one request at a time.
    const [result] = await admit(db, [intake]).catch((error: unknown) => {
      throw admissionError(error, intake);
    });
    return result as IntakeResult;
  }
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = new IntakeBatcher(db);
    batchers.set(db, batcher);
  }
  return batcher.submit(intake);
}

const batchers = new WeakMap<Db, IntakeBatcher>();

/**
 * Group commit for intake. One statement at a time is in flight per database; requests arriving while
 * it runs wait for the next, which writes all of them at once. A lone request is written at once, so
 * this adds no latency without load; under load PostgreSQL parses, plans, runs its statement triggers
 * and flushes WAL once per batch instead of once per request. When a batch fails, its requests are
 * written again one by one, so each gets its own answer (a duplicate reference fails alone).
 */
class IntakeBatcher {
  // Measured (`npm run bench -- http`, 16 clients): one writer 1,666 submissions/s, two 1,320, four
  // 1,227: more writers only make the batches smaller.
  private static readonly WRITERS = 1;
  // The worst request (100 targets, 50 documents) binds ~800 parameters: 32 stay far below PostgreSQL's 65,535.
  private static readonly MAX_BATCH = 32;
  private readonly waiting: Array<{
    intake: Intake;
    resolve: (result: IntakeResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  private writing = 0;

  constructor(private readonly db: Db) {}

  submit(intake: Intake): Promise<IntakeResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ intake, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.writing < IntakeBatcher.WRITERS && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, IntakeBatcher.MAX_BATCH);
      this.writing++;
      void this.write(batch).finally(() => {
        this.writing--;
        this.pump();
      });
    }
  }

  private async write(batch: IntakeBatcher["waiting"]): Promise<void> {
    try {
      const results = await admit(
        this.db,
        batch.map((waiting) => waiting.intake),
      );
      for (const [i, waiting] of batch.entries()) waiting.resolve(results[i] as IntakeResult);
    } catch (error) {
      const [only] = batch;
      if (only && batch.length === 1) {
        only.reject(admissionError(error, only.intake));
        return;
      }
      for (const waiting of batch) {
        await admit(this.db, [waiting.intake]).then(
          ([result]) => waiting.resolve(result as IntakeResult),
          (alone: unknown) => waiting.reject(admissionError(alone, waiting.intake)),
        );
      }
    }
  }
}

/** Decide and write `intakes` in one statement (a transaction when one of them needs more work). */
async function admit(db: Db, intakes: Intake[]): Promise<IntakeResult[]> {
  let policy = (lastPolicyKey !== undefined ? cachedPolicy(lastPolicyKey) : undefined) ?? (await loadPolicyInForce(db));
  for (let attempt = 1; ; attempt++) {
    const planned = intakes.map((intake) => planIntake(intake, policy));
    try {
      const transactional = planned.filter(
        (intake) =>
          intake.result.status === "preserved" ||
          preservesOnReceipt(intake.doc.legalBasis) ||
          intake.options.alsoInTransaction,
      );
      if (transactional.length > 0) {
        await db.transaction().execute(async (tx) => {
          await writeIntakes(tx, planned);
          for (const { result, input, options, doc } of transactional) {
            // An EPOC is preserved at once (Art. 10(1)), whatever its decision, before anyone looks at it;
            // a held (paused) one too: the duty to preserve does not wait for a pause to be lifted.
            if (result.status === "preserved" && doc.legalBasis && actsOnPreservation(doc.legalBasis)) {
              // An Annex V or VI acts on the EPOC-PR it names and then closes: it preserves nothing of its own.
              await actOnEuPreservation(tx, {
                requestId: result.id,
                agencyId: input.agencyId,
                basis: doc.legalBasis,
                actor: input.actor,
                now: input.now,
              });
              result.status = "closed";
            } else if (result.status === "preserved" || preservesOnReceipt(doc.legalBasis)) {
              await placePreservationHold(tx, result.id, input.actor, input.now, preservationDays(doc.legalBasis));
            }
            await notifyFromDocument(tx, {
              requestId: result.id,
              basis: doc.legalBasis,
              actor: input.actor,
              now: input.now,
            });
            await options.alsoInTransaction?.(tx, result);
          }
        });
      } else {
        await writeIntakes(db, planned);
      }
      lastPolicyKey = policy.key;
      return planned.map((intake) => intake.result);
    } catch (error) {
      const changed = policyInForceAfter(error);
      if (changed === undefined || attempt === ATTEMPTS) throw error;
      policy = await loadPolicyInForce(db, changed);
    }
  }
}

interface PlannedIntake extends Intake {
  result: IntakeResult;
  policyKey: string;
}

function planIntake(intake: Intake, policy: ActivePolicy): PlannedIntake {
  const decision = decide(intake.doc, policy.compiled);
  return {
    ...intake,
    result: { id: randomUUID(), status: initialStatus(decision), decision },
    policyKey: policy.key,
  };
}

/** The rows one request adds: the request itself, its targets, documents, first decision, jobs, audit entries. */
function intakeRows(intake: PlannedIntake) {
  const { doc, input, policyKey } = intake;
  const { id, status, decision } = intake.result;
  const now = input.now;
  const receivedAt = new Date(doc.receivedAt);
  const clock = answerClock({ receivedAt: doc.receivedAt, now, process: doc.process, legalBasis: doc.legalBasis });
  const deadline = clock.dueAt;
  const originalSha256 = sha256Hex(input.originalDocument);
  const decisionValues = decisionRow(id, decision, "intake", now, undefined);
  // An officer's submission (portal or API) is answered at once with the request's number: that answer
  // confirms receipt to the authority (Art. 10(1) DSA). A request intake types in from the post has none yet.
  const receiptConfirmedAt = input.confirmsReceipt ? new Date(Math.max(now.getTime(), receivedAt.getTime())) : null;
  return {
    request: {
      id,
      // The request belongs to its agency only once admit_request has admitted it (migration 0006).
      agency_id: sql<string>`admit_request(${input.agencyId}, ${doc.jurisdiction}, ${policyKey}, ${input.ownCountryOnly ?? false})`,
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
      clock_started_at: clock.startedAt,
      accounts_specified: doc.targets.length,
      // Written here so that the decision_in_force trigger finds nothing to update on intake.
      decision_outcome: decision.outcome,
      updated_at: now,
      submitted_by: input.submittedBy ?? null,
      follow_up_due_at: input.followUpDueAt ?? null,
      regime: doc.legalBasis?.regime ?? "us",
      instrument: doc.legalBasis?.instrument ?? null,
      legal_basis: doc.legalBasis ? JSON.stringify(doc.legalBasis) : null,
      illegal_content_category:
        doc.illegalContentCategory ?? dsaCategoryOfOffence(doc.legalBasis?.offence?.category) ?? null,
      receipt_confirmed_at: receiptConfirmedAt,
    },
    targets: doc.targets.map((t, position) => ({
      request_id: id,
      position,
      type: t.type,
      value: t.value,
      observed_at: t.at === undefined ? null : new Date(t.at),
      time_zone: t.timeZone ?? null,
      port: t.port ?? null,
    })),
    documents: doc.documents.map((d, position) => {
      const upload = intake.options.uploads?.find((u) => u.sha256 === d.sha256);
      return {
        request_id: id,
        position,
        name: d.name,
        sha256: d.sha256,
        content: null,
        blob_id: upload?.blobId ?? null,
        media_type: upload?.mediaType ?? null,
        size_bytes: upload?.sizeBytes ?? null,
      };
    }),
    decision: { ...decisionValues, sequence: 1 },
    jobs: [
      ...(status === "received"
        ? [
            catalogueJobRow(
              "request.deadline_reminder",
              { requestId: id },
              {
                runAt: clock.remindAt,
                dedupeKey: `deadline:${id}`,
              },
            ),
          ]
        : []),
      // Any regime's emergency wakes the on-call person now, whatever else the desk is doing.
      ...(isEmergencyOrder(doc)
        ? [
            catalogueJobRow(
              "emergency.page",
              { requestId: id },
              { runAt: now, dedupeKey: `page:${id}`, maxAttempts: EMERGENCY_PAGE_ATTEMPTS },
            ),
          ]
        : []),
      ...(input.followUpDueAt
        ? [
            catalogueJobRow(
              "emergency.follow_up_due",
              { requestId: id },
              { runAt: input.followUpDueAt, dedupeKey: `follow-up:${id}` },
            ),
          ]
        : []),
    ],
    audit: [
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
            ...(doc.legalBasis ? { regime: doc.legalBasis.regime, instrument: doc.legalBasis.instrument } : {}),
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
      ...(receiptConfirmedAt
        ? [
            auditRow(
              {
                actor: input.actor,
                action: "request.receipt_confirmed",
                objectType: "request",
                objectId: id,
                payload: { at: receiptConfirmedAt.toISOString(), means: "intake_answer" },
              },
              now,
            ),
          ]
        : []),
    ],
  };
}

/** One statement; it fails as a whole when admit_request refuses any request, so nothing is half-written. */
async function writeIntakes(db: Db, intakes: PlannedIntake[]): Promise<void> {
  const rows = intakes.map(intakeRows);
  const documents = rows.flatMap((r) => r.documents);
  const jobs = rows.flatMap((r) => r.jobs);
  // Data-modifying CTEs: one statement, one round trip; the foreign keys are checked at its end.
  let write = db
    .with("request_rows", (db) => db.insertInto("request").values(rows.map((r) => r.request)))
    .with("target_rows", (db) => db.insertInto("request_target").values(rows.flatMap((r) => r.targets)))
    .with("decision_rows", (db) => db.insertInto("decision").values(rows.map((r) => r.decision)));
  // The optional CTEs add names nothing later refers to, so the builder's type can stay as it was.
  if (documents.length > 0) {
    write = write.with("document_rows", (db) =>
      db.insertInto("request_document").values(documents),
    ) as unknown as typeof write;
  }
  if (jobs.length > 0) {
    write = write.with("job_rows", (db) => db.insertInto("job").values(jobs)) as unknown as typeof write;
  }
  await write
    .insertInto("audit_event")
    .values(rows.flatMap((r) => r.audit))
    .execute();
}

/** The key of the policy now in force, when admit_request refused because it is not the one decided under. */
function policyInForceAfter(error: unknown): string | null | undefined {
  const { code, detail } = error as { code?: string; detail?: string };
  if (code !== ADMISSION_CODES.policyChanged) return undefined;
  return detail ? detail : null;
}

function admissionError(error: unknown, { doc, input }: Intake): unknown {
  const { code, detail, message } = error as { code?: string; detail?: string; message?: string };
  switch (code) {
    case ADMISSION_CODES.unknownAgency:
      return notFound(`agency ${input.agencyId}`);
    case ADMISSION_CODES.agencyInactive:
      return conflict(`agency ${input.agencyId} is ${detail}; it cannot submit requests`);
    case ADMISSION_CODES.foreignJurisdiction:
      return new ValidationError([
        { path: "jurisdiction", message: `must be the requesting agency's own (${detail}) or one of its subdivisions` },
      ]);
    case ADMISSION_CODES.policyChanged:
      return conflict("the policy in force kept changing while this request was admitted; send it again");
    case "23505":
      // Two submissions of one reference: the unique key decides.
      if (/agency_id_reference/.test(String(message))) {
        return conflict(`reference ${doc.reference} was already submitted by this agency`);
      }
      return error;
    default:
      return error;
  }
}
