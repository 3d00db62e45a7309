import { numberToDial } from "../agencies/callback-number.js";
import { appendAudit } from "../audit/audit.js";
import { actorOf, authorize, type Operator, type Principal } from "../authz/authz.js";
import { auditingRefusals, auditRefusal } from "../authz/refusals.js";
import type { Config } from "../config.js";
import type { Db, Tx } from "../db/database.js";
import { conflict, forbidden, invalidTransition } from "../shared/errors.js";
import { DAY_MS } from "../shared/time.js";
import { ValidationError } from "../shared/validation.js";
import { redecide } from "./decisions.repository.js";
import { discardUnlinkedBlobs, type StoredUpload } from "./documents.store.js";
import { lockRequest, transitionLocked } from "./lifecycle.js";
import { authorizeRequest } from "./request.access.js";
import { type IntakeResult, intakeRequest, prepareDocument } from "./requests.service.js";
import { type RejectionListener, recordReview, type Verdict } from "./reviews.service.js";

/**
 * What the API and the pages do to a request: submit, withdraw, advance, record a call-back, review.
 * Every function takes the principal acting and authorizes it (authz.ts) against the object before
 * touching it; each change is one transaction with its audit entries.
 */

export interface Submission {
  /** The request document exactly as sent (docs/request.md), kept verbatim. */
  document: string;
  /** Files already stored (documents.store.ts); those the request does not take are discarded here. */
  uploads: StoredUpload[];
  /** For intake staff registering a request that came by mail: the agency it came from. */
  agencyId?: string | undefined;
}

/**
 * Submit a request. For an officer, the agency and `agency.verified` come from the account, never from
 * the body; `emergency.verified` starts false whatever the body says (only a recorded call-back sets it).
 * A document the body lists must match an upload's SHA-256.
 */
export async function submitRequest(
  db: Db,
  principal: Principal,
  submission: Submission,
  config: Pick<Config, "emergency">,
  now: Date,
): Promise<IntakeResult> {
  try {
    return await admitSubmission(db, principal, submission, config, now);
  } finally {
    // A refused submission's files, and a file sent twice, are not kept.
    await discardUnlinkedBlobs(
      db,
      submission.uploads.map((u) => u.blobId),
    );
  }
}

async function admitSubmission(
  db: Db,
  principal: Principal,
  submission: Submission,
  config: Pick<Config, "emergency">,
  now: Date,
): Promise<IntakeResult> {
  authorize(principal, "request.submit");
  const agencyId = principal.role === "agency" ? principal.agencyId : submission.agencyId;
  if (!agencyId) throw new ValidationError([{ path: "agencyId", message: "name the agency the request came from" }]);
  const uploads = submission.uploads;
  // An officer's session is the verification; a request registered from the mail is verified later.
  const doc = prepareDocument({
    agencyId,
    originalDocument: submission.document,
    actor: principal.email,
    now,
    agencyVerified: principal.role === "agency",
  });
  const problems = doc.documents.flatMap((listed, i) =>
    uploads.length > 0 && !uploads.some((u) => u.sha256 === listed.sha256)
      ? [{ path: `documents[${i}].sha256`, message: "matches none of the uploaded files" }]
      : [],
  );
  if (problems.length > 0) throw new ValidationError(problems);
  if (doc.process === "emergency" && principal.role !== "agency") {
    throw forbidden("emergency requests come only from an active officer's own account");
  }
  const listed = new Set(doc.documents.map((d) => d.sha256));
  const documents = [
    ...doc.documents,
    ...uploads.filter((u) => !listed.has(u.sha256)).map((u) => ({ name: u.name, sha256: u.sha256 })),
  ];

  // The same document sent again by someone else is a replay (a stolen PDF re-used), not a new request.
  if (documents.length > 0) {
    const replayed = await db
      .selectFrom("request_document as d")
      .innerJoin("request as r", "r.id", "d.request_id")
      .select(["r.id", "r.submitted_by"])
      .where(
        "d.sha256",
        "in",
        documents.map((d) => d.sha256),
      )
      .where("r.submitted_by", "is not", null)
      .where("r.submitted_by", "!=", principal.userId)
      .limit(1)
      .executeTakeFirst();
    if (replayed) {
      await auditRefusal(
        db,
        {
          actor: principal.email,
          objectType: "request",
          objectId: replayed.id,
          reason: "replayed document: already submitted by another account",
          details: { sha256: documents.map((d) => d.sha256) },
        },
        now,
      );
      throw conflict("this document was already submitted by another account; a document is submitted once");
    }
  }

  const followUp =
    doc.process === "emergency" ? new Date(now.getTime() + config.emergency.followUpDays * DAY_MS) : undefined;
  return intakeRequest(
    db,
    {
      agencyId,
      originalDocument: submission.document,
      actor: principal.email,
      now,
      agencyVerified: principal.role === "agency",
      submittedBy: principal.userId,
      // The authority's own officer gets the request's number in the answer: that confirms its receipt.
      confirmsReceipt: principal.role === "agency",
      ownCountryOnly: true,
      ...(followUp ? { followUpDueAt: followUp } : {}),
    },
    {
      document: { ...doc, documents },
      uploads,
      ...(followUp ? { alsoInTransaction: (tx) => flagEmergencyFlood(tx, principal, config.emergency, now) } : {}),
    },
  );
}

/** More emergencies from one account than the window allows flags it: its requests need a second counsel. */
/** Intake's own safeguard, flagging an account that sends a flood of emergencies. */
const INTAKE_SAFEGUARD: Operator = { operator: "system:intake" };

async function flagEmergencyFlood(tx: Tx, principal: Principal, limits: Config["emergency"], now: Date): Promise<void> {
  const since = new Date(now.getTime() - limits.floodWindowHours * 3_600_000);
  const { n } = await tx
    .selectFrom("request")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("submitted_by", "=", principal.userId)
    .where("process", "=", "emergency")
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  if (Number(n) <= limits.floodLimit) return;
  const flagged = await tx
    .updateTable("app_user")
    .set({
      flagged_at: now,
      flag_reason: `${n} emergency requests within ${limits.floodWindowHours} h (limit ${limits.floodLimit})`,
    })
    .where("id", "=", principal.userId)
    .where("flagged_at", "is", null)
    .executeTakeFirst();
  if (flagged.numUpdatedRows > 0n) {
    await appendAudit(
      tx,
      {
        actor: actorOf(INTAKE_SAFEGUARD),
        action: "user.flagged",
        objectType: "user",
        objectId: principal.userId,
        payload: { emergencies: Number(n), windowHours: limits.floodWindowHours, limit: limits.floodLimit },
      },
      now,
    );
  }
}

export async function withdrawRequest(db: Db, principal: Principal, requestId: string, reason: string, now: Date) {
  // Checked once outside the transaction too, so a refusal is audited (a request's agency never changes).
  await authorizeRequest(db, principal, "request.withdraw", requestId);
  return db.transaction().execute(async (tx) => {
    await authorizeRequest(tx, principal, "request.withdraw", requestId);
    const locked = await lockRequest(tx, requestId);
    const after = await transitionLocked(tx, locked, { to: "withdrawn", actor: principal.email, reason, now });
    return { status: after.status };
  });
}

/**
 * Intake's step forward: received → verifying → under_review. Moving out of verifying
 * records that the requester was verified (for a request registered from the mail) and decides again.
 */
export async function advanceRequest(
  db: Db,
  principal: Principal,
  requestId: string,
  input: { to: "verifying" | "under_review"; note: string; expectedVersion?: number | undefined },
  now: Date,
) {
  return db.transaction().execute(async (tx) => {
    await authorizeRequest(tx, principal, "request.advance", requestId);
    const locked = await lockRequest(tx, requestId);
    // A held request leaves the hold only when its jurisdiction resumes and it is decided again.
    if (locked.status === "on_hold") {
      throw invalidTransition(
        `request ${requestId} is on hold (its jurisdiction is paused); it is not moved on by hand`,
      );
    }
    const row = await tx
      .selectFrom("request")
      .select("agency_verified")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    const after = await transitionLocked(tx, locked, {
      to: input.to,
      actor: principal.email,
      reason: input.note,
      now,
      ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}),
    });
    if (input.to === "under_review" && !row.agency_verified) {
      await tx.updateTable("request").set({ agency_verified: true }).where("id", "=", requestId).execute();
      await redecide(tx, requestId, "verification", principal.email, now, `requester verified: ${input.note}`);
    }
    return { status: after.status };
  });
}

/**
 * An emergency is verified only by a call-back to the agency's number on file when it arrived (never one
 * printed in the request, nor one put on file since without counsel's look: callback-number.ts). Confirmed, it is decided again with `emergency.verified`; the approver must be someone else.
 */
export async function recordEmergencyCallback(
  db: Db,
  principal: Principal,
  requestId: string,
  input: { confirmed: boolean; note: string },
  now: Date,
) {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "callback",
  } as const;
  return auditingRefusals(db, attempt, now, () => callbackInTransaction(db, principal, requestId, input, now));
}

async function callbackInTransaction(
  db: Db,
  principal: Principal,
  requestId: string,
  input: { confirmed: boolean; note: string },
  now: Date,
) {
  return db.transaction().execute(async (tx) => {
    await authorizeRequest(tx, principal, "request.callback", requestId);
    const locked = await lockRequest(tx, requestId);
    const row = await tx
      .selectFrom("request")
      .select(["process"])
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    if (row.process !== "emergency") throw invalidTransition(`request ${requestId} is not an emergency`);
    if (!["received", "verifying", "under_review"].includes(locked.status)) {
      throw invalidTransition(`request ${requestId} is ${locked.status}; a call-back is recorded before the decision`);
    }
    const dialled = await numberToDial(tx, { type: "request", id: requestId });
    const { id: callbackId } = await tx
      .insertInto("callback")
      .values({
        subject_type: "request",
        subject_id: requestId,
        agency_id: dialled.agencyId,
        called_number: dialled.number,
        outcome: input.confirmed ? "confirmed" : "not_confirmed",
        note: input.note,
        made_by: principal.userId,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: principal.email,
        action: "callback.recorded",
        objectType: "request",
        objectId: requestId,
        payload: { callbackId, calledNumber: dialled.number, confirmed: input.confirmed },
      },
      now,
    );
    if (!input.confirmed) return { status: locked.status, outcome: undefined, calledNumber: dialled.number };
    await tx.updateTable("request").set({ emergency_verified: true }).where("id", "=", requestId).execute();
    const { decision } = await redecide(
      tx,
      requestId,
      "verification",
      principal.email,
      now,
      "emergency call-back confirmed",
    );
    const after =
      locked.status === "under_review"
        ? locked
        : await transitionLocked(tx, locked, {
            to: "under_review",
            actor: principal.email,
            reason: "emergency verified by call-back",
            now,
          });
    return { status: after.status, outcome: decision.outcome, calledNumber: dialled.number };
  });
}

export async function reviewRequest(
  db: Db,
  principal: Principal,
  requestId: string,
  input: { verdict: Verdict; checklist?: unknown; note?: string | undefined },
  onRejected: RejectionListener,
  now: Date,
) {
  const action = input.verdict === "approve" || input.verdict === "reject" ? "request.approve" : "request.review";
  await authorizeRequest(db, principal, action, requestId);
  return recordReview(db, requestId, {
    reviewer: principal.email,
    reviewerId: principal.userId,
    verdict: input.verdict,
    ...(input.checklist !== undefined ? { checklist: input.checklist } : {}),
    ...(input.note ? { note: input.note } : {}),
    now,
    onRejected,
  });
}

/**
 * A review refused at the edge (no verdict, a note too long), before it reached recordReview: written on the
 * request like any refused review, once the caller is known to be one who may review it. The caller answers it.
 */
export async function auditRefusedReviewInput(
  db: Db,
  principal: Principal,
  requestId: string,
  error: Error,
  now: Date,
): Promise<void> {
  await authorizeRequest(db, principal, "request.review", requestId);
  await auditRefusal(
    db,
    {
      actor: principal.email,
      objectType: "request",
      objectId: requestId,
      reason: error.message,
      details: { attempted: "review" },
    },
    now,
  );
}
