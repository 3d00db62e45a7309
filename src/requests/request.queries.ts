import { sql } from "kysely";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import { targetFromRow } from "../domain/request.schema.js";
import type { Status } from "../domain/vocabulary.js";
import { notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { currentDecision } from "./decisions.repository.js";
import { readBlob } from "./documents.store.js";
import { openHoldOf } from "./holds.service.js";
import { authorizeRequest } from "./request.access.js";
import {
  presentOfficerDetail,
  presentStaffDetail,
  presentSummary,
  presentTimelineEntry,
  type RequestDetail,
  type RequestSummary,
  type TimelineEntry,
} from "./request.presenter.js";

/**
 * Reading requests, as the API and the pages do: the queue, one request, its documents and its
 * timeline. Each function authorizes the principal against the object first; what it returns is a
 * presenter's view (request.presenter.ts), never a row.
 */

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
    items: page.map(presentSummary),
    next: rows.length > filter.limit && last ? encodeCursor(lastKey, last.id, sort) : null,
  };
}

export async function getRequest(db: Db, principal: Principal, requestId: string): Promise<RequestDetail> {
  await authorizeRequest(db, principal, "request.read", requestId);
  const row = await db
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .selectAll("r")
    .select("a.name as agency_name")
    .where("r.id", "=", requestId)
    .executeTakeFirstOrThrow();
  const targets = (
    await db
      .selectFrom("request_target")
      .select(["type", "value", "observed_at", "time_zone", "port"])
      .where("request_id", "=", requestId)
      .orderBy("position")
      .execute()
  ).map(targetFromRow);
  const documents = await db
    .selectFrom("request_document")
    .select(["position", "name", "sha256", "media_type", "size_bytes"])
    .where("request_id", "=", requestId)
    .orderBy("position")
    .execute();
  const rows = { request: row, targets, documents, staffHold: await openHoldOf(db, principal, requestId) };
  if (principal.role === "agency") return presentOfficerDetail(rows);
  const decision = await currentDecision(db, requestId);
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
  const submitter = row.submitted_by
    ? await db.selectFrom("app_user").select("email").where("id", "=", row.submitted_by).executeTakeFirst()
    : undefined;
  // Intake's notes are the reasons of its moves to verifying and to review, as the audit trail keeps them.
  const moves = await db
    .selectFrom("audit_event")
    .select(["actor", "occurred_at", "payload"])
    .where("object_type", "=", "request")
    .where("object_id", "=", requestId)
    .where("action", "=", "request.transitioned")
    .where(sql<string>`payload->>'to'`, "in", ["verifying", "under_review"])
    .orderBy("id")
    .execute();
  const verificationNotes = moves.map((m) => ({
    to: String(m.payload.to),
    note: String(m.payload.reason ?? ""),
    actor: m.actor,
    occurred_at: m.occurred_at,
  }));
  const filed = {
    issued_by: row.issued_by,
    findings: row.findings,
    date_from: row.date_from,
    date_to: row.date_to,
    non_disclosure_until: row.non_disclosure_until,
    submitted_by_email: submitter?.email ?? null,
  };
  return presentStaffDetail(rows, { filed, verificationNotes, decision, reviews, callbacks });
}

export async function getDocument(db: Db, principal: Principal, requestId: string, position: number) {
  await authorizeRequest(db, principal, "request.read", requestId);
  const doc = await db
    .selectFrom("request_document")
    .select(["name", "media_type", "content", "blob_id", "size_bytes", "sha256"])
    .where("request_id", "=", requestId)
    .where("position", "=", position)
    .executeTakeFirst();
  if (!doc) throw notFound(`document ${position} of request ${requestId}`);
  // Documents stored before migration 0012 are one value; later ones are read piece by piece.
  const content = doc.blob_id ? readBlob(db, doc.blob_id) : doc.content ? Buffer.from(doc.content) : undefined;
  if (!content || !doc.media_type || doc.size_bytes === null) {
    throw notFound(`the file of document ${position} (only its SHA-256 was sent)`);
  }
  return { name: doc.name, mediaType: doc.media_type, content, sizeBytes: doc.size_bytes, sha256: doc.sha256 };
}

export async function requestTimeline(db: Db, principal: Principal, requestId: string): Promise<TimelineEntry[]> {
  await authorizeRequest(db, principal, "request.audit", requestId);
  const rows = await db
    .selectFrom("audit_event")
    .select(["id", "occurred_at", "actor", "action", "payload"])
    .where("object_type", "=", "request")
    .where("object_id", "=", requestId)
    .orderBy("id")
    .execute();
  return rows.map(presentTimelineEntry);
}
