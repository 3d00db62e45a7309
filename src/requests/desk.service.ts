import { hash } from "node:crypto";
import { sql } from "kysely";
import { numberToDial } from "../agencies/callback-number.js";
import { appendAudit } from "../audit/audit.js";
import { auditingRefusals, auditRefusal } from "../auth/refusals.js";
import { authorize, may, type Principal } from "../authz/authz.js";
import type { Config } from "../config.js";
import type { Db, Tx } from "../db/database.js";
import { STATUSES, type Status } from "../domain/vocabulary.js";
import { conflict, forbidden, invalidTransition, notFound } from "../shared/errors.js";
import { DAY_MS } from "../shared/time.js";
import { ValidationError } from "../shared/validation.js";
import { currentDecision, redecide } from "./decisions.repository.js";
import { openHoldOf } from "./holds.service.js";
import { lockRequest, transitionLocked } from "./lifecycle.js";
import { type IntakeResult, intakeRequest, prepareDocument } from "./requests.service.js";
import { recordReview, type Verdict } from "./reviews.service.js";

/**
 * The request desk as the API and the pages use it: every function takes the principal acting and
 * authorizes it (authz.ts) against the object before touching it.
 */

export interface Upload {
  name: string;
  mediaType: string;
  content: Buffer;
}

export interface Submission {
  /** The request document exactly as sent (DESIGN §3), kept verbatim. */
  document: string;
  uploads: Upload[];
  /** For intake staff registering a request that came by mail: the agency it came from. */
  agencyId?: string | undefined;
}

/**
 * Submit a request. For an officer, the agency and `agency.verified` come from the account, never from
 * the body; `emergency.verified` starts false whatever the body says (only a recorded call-back sets it).
 * Uploaded documents are hashed here; a document the body lists must match an upload's SHA-256.
 */
export async function submitRequest(
  db: Db,
  principal: Principal,
  submission: Submission,
  config: Pick<Config, "emergency">,
  now: Date,
): Promise<IntakeResult> {
  authorize(principal, "request.submit");
  const agencyId = principal.role === "agency" ? principal.agencyId : submission.agencyId;
  if (!agencyId) throw new ValidationError([{ path: "agencyId", message: "name the agency the request came from" }]);
  const uploads = submission.uploads.map((u) => ({ ...u, sha256: hash("sha256", u.content) }));
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
        actor: "custodian",
        action: "user.flagged",
        objectType: "user",
        objectId: principal.userId,
        payload: { emergencies: Number(n), windowHours: limits.floodWindowHours, limit: limits.floodLimit },
      },
      now,
    );
  }
}

export interface QueueFilter {
  status?: Status[] | undefined;
  jurisdiction?: string | undefined;
  process?: string | undefined;
  agencyId?: string | undefined;
  deadlineBefore?: Date | undefined;
  /** `deadline`: soonest first (the default); `received`: newest arrival first. */
  sort?: "deadline" | "received" | undefined;
  limit: number;
  /** Opaque cursor from the previous page (keyset: deadline or arrival, then id). */
  after?: string | undefined;
}

export interface RequestSummary {
  id: string;
  reference: string;
  agencyId: string;
  agencyName: string;
  jurisdiction: string;
  process: string;
  status: Status;
  receivedAt: string;
  deadlineAt: string | null;
  emergency: boolean;
}

export function encodeCursor(key: string | null, id: string, sort: "deadline" | "received" = "deadline"): string {
  return Buffer.from(JSON.stringify(sort === "deadline" ? [key, id] : [key, id, sort])).toString("base64url");
}

function decodeCursor(cursor: string, sort: "deadline" | "received"): [string, string] {
  try {
    const [key, id, kind] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [
      unknown,
      unknown,
      unknown,
    ];
    if (
      typeof key === "string" &&
      typeof id === "string" &&
      /^[0-9a-f-]{36}$/.test(id) &&
      (kind ?? "deadline") === sort
    ) {
      return [key, id];
    }
  } catch {
    // falls through to the error below
  }
  throw new ValidationError([{ path: "after", message: "is not a cursor this API returned (for this sort order)" }]);
}

/**
 * The queue, soonest deadline first (or newest first), paged by keyset so page 400 costs what page 1
 * does (migration 0005 indexes both orders). An officer sees their own agency's requests only, whatever
 * the filter says.
 */
export async function listRequests(
  db: Db,
  principal: Principal,
  filter: QueueFilter,
): Promise<{ items: RequestSummary[]; next: string | null }> {
  authorize(principal, "request.list");
  const sort = filter.sort ?? "deadline";
  let query = db
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .select([
      "r.id",
      "r.reference",
      "r.agency_id",
      "a.name as agency_name",
      "r.jurisdiction",
      "r.process",
      "r.status",
      "r.received_at",
      "r.deadline_at",
    ]);
  const agencyId = principal.role === "agency" ? principal.agencyId : filter.agencyId;
  if (agencyId) query = query.where("r.agency_id", "=", agencyId);
  if (filter.status?.length) query = query.where("r.status", "in", filter.status);
  if (filter.jurisdiction) {
    const code = filter.jurisdiction;
    query = query.where((eb) => eb.or([eb("r.jurisdiction", "=", code), eb("r.jurisdiction", "like", `${code}-%`)]));
  }
  if (filter.process) query = query.where("r.process", "=", filter.process);
  if (filter.deadlineBefore) query = query.where("r.deadline_at", "<", filter.deadlineBefore);
  if (filter.after) {
    const [key, id] = decodeCursor(filter.after, sort);
    query = query.where(
      sort === "deadline"
        ? // Requests without a deadline sort last, and the cursor can still name them.
          sql<boolean>`(coalesce(r.deadline_at, 'infinity'::timestamptz), r.id) > (${key}::timestamptz, ${id}::uuid)`
        : sql<boolean>`(r.received_at, r.id) < (${key}::timestamptz, ${id}::uuid)`,
    );
  }
  const ordered =
    sort === "deadline"
      ? query.orderBy(sql`coalesce(r.deadline_at, 'infinity'::timestamptz)`).orderBy("r.id")
      : query.orderBy("r.received_at", "desc").orderBy("r.id", "desc");
  const rows = await ordered.limit(filter.limit + 1).execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  const lastKey =
    sort === "deadline" ? (last?.deadline_at?.toISOString() ?? "infinity") : (last?.received_at.toISOString() ?? "");
  return {
    items: page.map((r) => ({
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
    })),
    next: rows.length > filter.limit && last ? encodeCursor(lastKey, last.id, sort) : null,
  };
}

/** Load a request's owner and authorize the principal against it; an officer of another agency gets 404. */
export async function authorizeRequest(
  db: Db | Tx,
  principal: Principal,
  action: Parameters<typeof authorize>[1],
  requestId: string,
): Promise<{ agencyId: string }> {
  authorize(principal, action);
  const row = await db.selectFrom("request").select("agency_id").where("id", "=", requestId).executeTakeFirst();
  if (!row) throw notFound(`request ${requestId}`);
  if (!may(principal, action, { agencyId: row.agency_id }) && !db.isTransaction) {
    // Another agency's request: answered like one that does not exist, and written down as what it is.
    await auditRefusal(
      db as Db,
      {
        actor: principal.email,
        objectType: "request",
        objectId: requestId,
        reason: `${action} of another agency's request`,
        details: { agencyId: principal.agencyId, via: principal.via },
      },
      new Date(),
    );
  }
  authorize(principal, action, { agencyId: row.agency_id }, `request ${requestId}`);
  return { agencyId: row.agency_id };
}

export async function getRequest(db: Db, principal: Principal, requestId: string) {
  await authorizeRequest(db, principal, "request.read", requestId);
  const row = await db
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .selectAll("r")
    .select("a.name as agency_name")
    .where("r.id", "=", requestId)
    .executeTakeFirstOrThrow();
  const targets = await db
    .selectFrom("request_target")
    .select(["type", "value"])
    .where("request_id", "=", requestId)
    .orderBy("position")
    .execute();
  const documents = await db
    .selectFrom("request_document")
    .select(["position", "name", "sha256", "media_type", "size_bytes"])
    .where("request_id", "=", requestId)
    .orderBy("position")
    .execute();
  const decision = await currentDecision(db, requestId);
  const staff = principal.role !== "agency";
  const base = {
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
    categories: row.categories,
    targets,
    documents: documents.map((d) => ({
      position: d.position,
      name: d.name,
      sha256: d.sha256,
      mediaType: d.media_type,
      sizeBytes: d.size_bytes,
      stored: d.size_bytes !== null,
    })),
    originalSha256: row.original_sha256,
    version: row.version,
    /** Held for staff review because the submitting account was suspended (not a jurisdiction pause). */
    staffHold: await openHoldOf(db, principal, requestId),
  };
  if (!staff) {
    // An officer sees where the request stands, not the desk's deliberations.
    return { ...base, decision: null, reviews: [], callbacks: [] };
  }
  const reviews = await db
    .selectFrom("review")
    .select(["reviewer", "verdict", "checklist", "note", "created_at", "decision_id"])
    .where("request_id", "=", requestId)
    .orderBy("created_at")
    .execute();
  const callbacks = await db
    .selectFrom("callback as c")
    .innerJoin("app_user as u", "u.id", "c.made_by")
    .select(["c.called_number", "c.outcome", "c.note", "c.made_at", "u.email"])
    .where("c.subject_type", "=", "request")
    .where("c.subject_id", "=", requestId)
    .orderBy("c.made_at")
    .execute();
  return {
    ...base,
    agencyVerified: row.agency_verified,
    emergency: row.emergency_justification
      ? { justification: row.emergency_justification, verified: row.emergency_verified === true }
      : null,
    decision: decision
      ? {
          id: decision.id,
          sequence: decision.sequence,
          policy: { name: decision.policy_name, version: decision.policy_version },
          outcome: decision.outcome,
          needsReview: decision.needs_review,
          reviewReasons: decision.review_reasons,
          items: decision.items,
          cause: decision.cause,
          decidedAt: decision.decided_at.toISOString(),
        }
      : null,
    reviews: reviews.map((r) => ({
      reviewer: r.reviewer,
      verdict: r.verdict,
      checklist: r.checklist,
      note: r.note,
      decisionId: r.decision_id,
      createdAt: r.created_at.toISOString(),
    })),
    callbacks: callbacks.map((c) => ({
      calledNumber: c.called_number,
      outcome: c.outcome,
      note: c.note,
      madeBy: c.email,
      madeAt: c.made_at.toISOString(),
    })),
  };
}

export async function getDocument(db: Db, principal: Principal, requestId: string, position: number) {
  await authorizeRequest(db, principal, "request.read", requestId);
  const doc = await db
    .selectFrom("request_document")
    .select(["name", "media_type", "content", "sha256"])
    .where("request_id", "=", requestId)
    .where("position", "=", position)
    .executeTakeFirst();
  if (!doc) throw notFound(`document ${position} of request ${requestId}`);
  if (!doc.content || !doc.media_type) throw notFound(`the file of document ${position} (only its SHA-256 was sent)`);
  return { name: doc.name, mediaType: doc.media_type, content: Buffer.from(doc.content), sha256: doc.sha256 };
}

export async function requestTimeline(db: Db, principal: Principal, requestId: string) {
  await authorizeRequest(db, principal, "request.audit", requestId);
  const rows = await db
    .selectFrom("audit_event")
    .select(["id", "occurred_at", "actor", "action", "payload"])
    .where("object_type", "=", "request")
    .where("object_id", "=", requestId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.occurred_at.toISOString(),
    actor: r.actor,
    action: r.action,
    details: r.payload,
  }));
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
 * Intake's and reviewers' step forward: received → verifying → under_review. Moving out of verifying
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
  input: { verdict: Verdict; checklist?: Record<string, unknown> | undefined; note?: string | undefined },
  config: Pick<Config, "fulfilment">,
  now: Date,
) {
  const action = input.verdict === "approve" || input.verdict === "reject" ? "request.approve" : "request.review";
  await authorizeRequest(db, principal, action, requestId);
  return recordReview(db, requestId, {
    reviewer: principal.email,
    reviewerId: principal.userId,
    verdict: input.verdict,
    ...(input.checklist ? { checklist: input.checklist } : {}),
    ...(input.note ? { note: input.note } : {}),
    now,
    notice: { emergencyDelayDays: config.fulfilment.emergencyNoticeDelayDays },
  });
}

export const QUEUE_STATUSES = STATUSES;
