import { type RawBuilder, sql } from "kysely";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import { targetFromRow } from "../domain/request.schema.js";
import type { Regime, Status } from "../domain/vocabulary.js";
import { policyInForceOrNone } from "../policy/policy.store.js";
import { userNoticeRule } from "../policy/user-notice.js";
import { forbidden, notFound } from "../shared/errors.js";
import { isUuid } from "../shared/ids.js";
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
  /** Opaque cursor of the first row shown: the page before it. */
  before?: string | undefined;
  /** What a desk view adds to the statuses (staff only). */
  work?: QueueWork | undefined;
}

export function encodeCursor(key: string | null, id: string, sort: "deadline" | "received" = "deadline"): string {
  return Buffer.from(JSON.stringify(sort === "deadline" ? [key, id] : [key, id, sort])).toString("base64url");
}

function decodeCursor(cursor: string, sort: "deadline" | "received", field = "after"): [string, string] {
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
  throw new ValidationError([{ path: field, message: "is not a cursor this API returned (for this sort order)" }]);
}

/**
 * The work a queue view holds, beyond its statuses: the reviews still to recommend (the decision in
 * force needs two people and has no recommendation yet), the approvals waiting for counsel (recommended,
 * or a decision that needs no recommendation), or what one person has taken.
 */
export type QueueWork = { kind: "recommendation" } | { kind: "approval" } | { kind: "assignee"; userId: string };

function workCondition(work: QueueWork) {
  if (work.kind === "assignee") return sql<boolean>`r.assignee_id = ${work.userId}::uuid`;
  const recommended = sql<boolean>`exists (
      select 1 from review v where v.decision_id = cd.id and v.verdict in ('recommend_approve', 'recommend_reject'))`;
  const inForce = sql`(select d.id, d.needs_review from decision d where d.request_id = r.id order by d.sequence desc limit 1)`;
  return work.kind === "recommendation"
    ? sql<boolean>`exists (select 1 from ${inForce} cd where cd.needs_review and not ${recommended})`
    : sql<boolean>`exists (select 1 from ${inForce} cd where not cd.needs_review or ${recommended})`;
}

/** The filter's conditions on `request as r`, shared by the queue's page and its views' counts. */
function filterConditions(filter: Pick<QueueFilter, "jurisdiction" | "process" | "deadlineBefore">) {
  const conditions: RawBuilder<boolean>[] = [];
  const code = filter.jurisdiction;
  // A country's code takes in its subdivisions (US: US-CA, US-NY …).
  if (code) conditions.push(sql<boolean>`(r.jurisdiction = ${code} or r.jurisdiction like ${`${code}-%`})`);
  if (filter.process) conditions.push(sql<boolean>`r.process = ${filter.process}`);
  if (filter.deadlineBefore) conditions.push(sql<boolean>`r.deadline_at < ${filter.deadlineBefore}`);
  return conditions;
}

/**
 * The queue, soonest deadline first (or newest first), paged by keyset so page 400 costs what page 1
 * does (migration 0005 indexes both orders), forwards (`after`) and back (`before`). An officer sees their
 * own agency's requests only, whatever the filter says; staff also see who has taken each.
 */
export async function listRequests(
  db: Db,
  principal: Principal,
  filter: QueueFilter,
): Promise<{ items: RequestSummary[]; next: string | null; previous?: string | null }> {
  authorize(principal, "request.list");
  const sort = filter.sort ?? "deadline";
  let query = db
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .leftJoin("app_user as u", "u.id", "r.assignee_id")
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
      "u.email as assignee_email",
      // The cursor's key to the microsecond, as the database holds it: a Date keeps milliseconds only, and a
      // key rounded down would bring the page's last row back at the top of the next page.
      sql<string>`case when ${sql.ref(sort === "deadline" ? "r.deadline_at" : "r.received_at")} is null
        then 'infinity'
        else to_char(${sql.ref(sort === "deadline" ? "r.deadline_at" : "r.received_at")} at time zone 'UTC',
                     'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') end`.as("cursor_key"),
    ]);
  const agencyId = principal.role === "agency" ? principal.agencyId : filter.agencyId;
  if (agencyId) query = query.where("r.agency_id", "=", agencyId);
  if (filter.status?.length) query = query.where("r.status", "in", filter.status);
  if (filter.work && principal.role !== "agency") query = query.where(workCondition(filter.work));
  for (const condition of filterConditions(filter)) query = query.where(condition);
  // Going back, the same order reversed from the first row shown, then read the right way round.
  const back = !filter.after && filter.before !== undefined;
  const cursor = filter.after ?? filter.before;
  if (cursor) {
    const [key, id] = decodeCursor(cursor, sort, back ? "before" : "after");
    const forward = sort === "deadline" ? !back : back;
    const tuple =
      sort === "deadline"
        ? // Requests without a deadline sort last, and the cursor can still name them.
          sql`(coalesce(r.deadline_at, 'infinity'::timestamptz), r.id)`
        : sql`(r.received_at, r.id)`;
    const bound = sql`(${key}::timestamptz, ${id}::uuid)`;
    query = query.where(forward ? sql<boolean>`${tuple} > ${bound}` : sql<boolean>`${tuple} < ${bound}`);
  }
  const ascending = (sort === "deadline") !== back;
  const ordered =
    sort === "deadline"
      ? query
          .orderBy(sql`coalesce(r.deadline_at, 'infinity'::timestamptz)`, ascending ? "asc" : "desc")
          .orderBy("r.id", ascending ? "asc" : "desc")
      : query.orderBy("r.received_at", ascending ? "asc" : "desc").orderBy("r.id", ascending ? "asc" : "desc");
  const rows = await ordered.limit(filter.limit + 1).execute();
  const more = rows.length > filter.limit;
  const page = rows.slice(0, filter.limit);
  if (back) page.reverse();
  const keyOf = (row: (typeof rows)[number]) => row.cursor_key;
  const first = page.at(0);
  const last = page.at(-1);
  const staff = principal.role !== "agency";
  return {
    items: page.map((row) => (staff ? { ...presentSummary(row), assignee: row.assignee_email } : presentSummary(row))),
    next: (back ? cursor !== undefined : more) && last ? encodeCursor(keyOf(last), last.id, sort) : null,
    previous: (back ? more : cursor !== undefined) && first ? encodeCursor(keyOf(first), first.id, sort) : null,
  };
}

/** How many requests each view holds under the same filter (jurisdiction, process, deadline), for its tab. */
export async function countQueueViews<V extends string>(
  db: Db,
  principal: Principal,
  views: Record<V, { status?: Status[] | undefined; work?: QueueWork | undefined }>,
  filter: Pick<QueueFilter, "jurisdiction" | "process" | "deadlineBefore">,
): Promise<Record<V, number>> {
  authorize(principal, "request.list");
  if (principal.role === "agency") throw forbidden("the queue's views are the desk's");
  const entries = Object.entries(views) as [V, { status?: Status[]; work?: QueueWork }][];
  const counts = entries.map(([name, view]) => {
    const conditions = [sql<boolean>`true`];
    if (view.status?.length) conditions.push(sql<boolean>`r.status in (${sql.join(view.status)})`);
    if (view.work) conditions.push(workCondition(view.work));
    return sql`count(*) filter (where ${sql.join(conditions, sql` and `)})::int as ${sql.ref(name)}`;
  });
  const where = [sql<boolean>`true`, ...filterConditions(filter)];
  const { rows } = await sql<Record<V, number>>`
    select ${sql.join(counts)} from request r where ${sql.join(where, sql` and `)}`.execute(db);
  const row = rows[0] as Record<V, number>;
  return Object.fromEntries(entries.map(([name]) => [name, Number(row[name])])) as Record<V, number>;
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
  const userNotice = await policyInForceOrNone(db).then((policy) =>
    policy ? userNoticeRule(policy.compiled.document, row.regime as Regime) : null,
  );
  return presentStaffDetail(rows, { filed, verificationNotes, decision, reviews, callbacks, userNotice });
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

/**
 * What the ids in audit entries name, for a page that shows the entries to a person: each request's
 * reference and each agency's name, in one read each (ids that are neither are simply absent).
 */
export async function namesOfIds(
  db: Db,
  principal: Principal,
  ids: readonly string[],
): Promise<{ requests: Map<string, string>; agencies: Map<string, string> }> {
  authorize(principal, "request.audit");
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))].filter(isUuid);
  if (unique.length === 0) return { requests: new Map(), agencies: new Map() };
  const [requests, agencies] = await Promise.all([
    db.selectFrom("request").select(["id", "reference"]).where("id", "in", unique).execute(),
    db.selectFrom("agency").select(["id", "name"]).where("id", "in", unique).execute(),
  ]);
  return {
    requests: new Map(requests.map((r) => [r.id, r.reference])),
    agencies: new Map(agencies.map((a) => [a.id, a.name])),
  };
}
