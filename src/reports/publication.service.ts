import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import type { Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { noticeDueAt } from "../notices/user-notice.service.js";
import { lockRequest } from "../requests/lifecycle.js";
import { authorizeRequest } from "../requests/request.access.js";
import { conflict, forbidden, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import {
  type DraftRedaction,
  PUBLISHABLE_FIELDS,
  type PublishableField,
  type PublishedDemand,
  type Redaction,
  type ShownFields,
  TARGETS_WITHHELD,
} from "./publication.format.js";
import { reportClass } from "./report.definitions.js";

/**
 * A demand published after its gag lifted (issue 17, item 6; docs/publications.md). Staff draft what the
 * public will see of one request (every publishable field but those they redact, each with its reason;
 * the accounts named are always withheld) and counsel, a different person, approves the draft by its
 * version. Only a request that has been answered and whose non-disclosure order has lifted (or that never
 * had one) may be drafted or approved: an order still in force, or a national-security request that
 * records no end to its gag, is refused, at drafting and again at approval. Every step and every refusal
 * is audited.
 */

export interface DraftInput {
  redactions: readonly DraftRedaction[];
  summary?: string | undefined;
}

export interface Publication extends PublishedDemand {
  version: number;
  draftedBy: string;
  draftedAt: string;
  approvedBy: string | null;
}

// Answered, one way or another: a demand still being handled is not published.
export const ANSWERED: readonly string[] = ["delivered", "rejected", "closed", "withdrawn"];

/** Why a request may not be published now, or null: not answered yet, or a gag still in force. */
async function unpublishable(tx: Tx, requestId: string, now: Date): Promise<string | null> {
  const request = await tx
    .selectFrom("request")
    .select(["status", "process", "non_disclosure_until"])
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  if (!ANSWERED.includes(request.status))
    return `request ${requestId} is ${request.status}: a demand is published only once it has been answered`;
  // The same wait as the user notice's, without an emergency's delay: a gag in force bars both.
  const gag = noticeDueAt(request, now, { emergencyDelayDays: 0 });
  if (gag.because === "national_security")
    return `request ${requestId} is national-security process with no recorded end to its gag: it may not be published`;
  if (gag.because !== null)
    return `request ${requestId} is under a non-disclosure order until ${request.non_disclosure_until}: it may be published from ${gag.dueAt?.toISOString().slice(0, 10)}`;
  return null;
}

/** The request's publishable fields as they are now, less those redacted, and the redactions with targets first. */
async function publicationShown(
  tx: Tx,
  requestId: string,
  redacted: readonly DraftRedaction[],
): Promise<{ shown: ShownFields; redactions: Redaction[] }> {
  const { rows } = await sql<{
    agency: string;
    reference: string;
    jurisdiction: string;
    process: string;
    instrument: string | null;
    issued_by: string | null;
    received_at: Date;
    categories: string[];
    date_from: string | null;
    date_to: string | null;
    non_disclosure_until: string | null;
    status: string;
    closed_from: string | null;
    decision_outcome: string | null;
  }>`
    select a.name as agency, r.reference, r.jurisdiction, r.process, r.instrument, r.issued_by, r.received_at,
           r.categories, r.date_from, r.date_to, r.non_disclosure_until, r.status, r.closed_from, r.decision_outcome
      from request r join agency a on a.id = r.agency_id
     where r.id = ${requestId}`.execute(tx);
  const r = rows[0];
  if (!r) throw new Error(`request ${requestId} vanished under its lock`);
  const all: Required<ShownFields> = {
    agency: r.agency,
    reference: r.reference,
    jurisdiction: r.jurisdiction.split("-")[0] as string,
    process: r.process,
    instrument: r.instrument,
    issuedBy: r.issued_by,
    receivedAt: r.received_at.toISOString().slice(0, 10),
    categories: r.categories,
    dateRange: r.date_from || r.date_to ? { from: r.date_from, to: r.date_to } : null,
    nonDisclosureUntil: r.non_disclosure_until,
    outcome: reportClass(r.status, r.closed_from, r.decision_outcome),
  };
  const hidden = new Set(redacted.map((x) => x.field));
  const shown: ShownFields = {};
  for (const field of PUBLISHABLE_FIELDS) if (!hidden.has(field)) Object.assign(shown, { [field]: all[field] });
  return { shown, redactions: [TARGETS_WITHHELD, ...redacted.map((x) => ({ field: x.field, reason: x.reason }))] };
}

function checkRedactions(redactions: readonly DraftRedaction[]): void {
  const seen = new Set<PublishableField>();
  const problems = redactions.flatMap((r, i) => {
    if (!seen.has(r.field)) {
      seen.add(r.field);
      return [];
    }
    return [{ path: `redactions[${i}].field`, message: `"${r.field}" is redacted twice` }];
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

export async function draftPublication(
  db: Db,
  principal: Principal,
  requestId: string,
  input: DraftInput,
  now: Date,
): Promise<Publication> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "publication.draft",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "publication.draft", requestId);
      checkRedactions(input.redactions);
      await lockRequest(tx, requestId);
      const why = await unpublishable(tx, requestId, now);
      if (why) throw conflict(why);
      const existing = await tx
        .selectFrom("demand_publication")
        .select(["version", "approved_at"])
        .where("request_id", "=", requestId)
        .executeTakeFirst();
      if (existing?.approved_at)
        throw conflict(
          `request ${requestId}'s publication was approved on ${existing.approved_at.toISOString()}; it is not redrafted`,
        );
      const { shown, redactions } = await publicationShown(tx, requestId, input.redactions);
      const version = (existing?.version ?? 0) + 1;
      const row = {
        request_id: requestId,
        version,
        shown: JSON.stringify(shown),
        redactions: JSON.stringify(redactions),
        summary: input.summary ?? null,
        drafted_by: principal.userId,
        drafted_at: now,
      };
      await tx
        .insertInto("demand_publication")
        .values(row)
        .onConflict((oc) => oc.column("request_id").doUpdateSet(row))
        .execute();
      await appendAudit(
        tx,
        {
          actor: principal.email,
          action: "publication.drafted",
          objectType: "request",
          objectId: requestId,
          payload: { version, shown: Object.keys(shown), redacted: redactions.map((r) => r.field) },
        },
        now,
      );
      return readPublicationIn(tx, requestId);
    }),
  );
}

export async function approvePublication(
  db: Db,
  principal: Principal,
  requestId: string,
  input: { version: number },
  now: Date,
): Promise<Publication> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "publication.approve",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "publication.approve", requestId);
      await lockRequest(tx, requestId);
      const draft = await tx
        .selectFrom("demand_publication")
        .select(["version", "drafted_by", "approved_at"])
        .where("request_id", "=", requestId)
        .executeTakeFirst();
      if (!draft) throw conflict(`request ${requestId} has no drafted publication to approve`);
      if (draft.approved_at) throw conflict(`request ${requestId}'s publication is already approved`);
      if (draft.drafted_by === principal.userId)
        throw forbidden("the person who drafted a publication may not approve it: another member of counsel must");
      if (draft.version !== input.version) {
        throw new ValidationError([
          {
            path: "version",
            message: `the draft is at version ${draft.version}, not ${input.version}: read it again before approving`,
          },
        ]);
      }
      const why = await unpublishable(tx, requestId, now);
      if (why) throw conflict(why);
      await tx
        .updateTable("demand_publication")
        .set({ approved_by: principal.userId, approved_at: now })
        .where("request_id", "=", requestId)
        .execute();
      await appendAudit(
        tx,
        {
          actor: principal.email,
          action: "publication.approved",
          objectType: "request",
          objectId: requestId,
          payload: { version: draft.version },
        },
        now,
      );
      return readPublicationIn(tx, requestId);
    }),
  );
}

/**
 * What the desk's request page shows of a request's publication, for staff who may draft: whether it may be
 * published now (null, or why not, in the words a refusal would use) and its publication, drafted or
 * approved, if any. Nothing is written.
 */
export async function publicationStanding(
  db: Db,
  principal: Principal,
  requestId: string,
  now: Date,
): Promise<{ blocked: string | null; publication: Publication | null }> {
  await authorizeRequest(db, principal, "publication.draft", requestId);
  return db.transaction().execute(async (tx) => {
    const exists = await tx
      .selectFrom("demand_publication")
      .select("request_id")
      .where("request_id", "=", requestId)
      .executeTakeFirst();
    return {
      blocked: await unpublishable(tx, requestId, now),
      publication: exists ? await readPublicationIn(tx, requestId) : null,
    };
  });
}

/**
 * What the public would see if this draft were saved and approved, computed as draftPublication computes it
 * (the same checks, refused the same way) without storing anything: the desk's preview before saving.
 */
export async function previewPublication(
  db: Db,
  principal: Principal,
  requestId: string,
  input: DraftInput,
  now: Date,
): Promise<PublishedDemand> {
  return db.transaction().execute(async (tx) => {
    await authorizeRequest(tx, principal, "publication.draft", requestId);
    checkRedactions(input.redactions);
    const why = await unpublishable(tx, requestId, now);
    if (why) throw conflict(why);
    const { shown, redactions } = await publicationShown(tx, requestId, input.redactions);
    return { requestId, shown, redactions, summary: input.summary ?? null, approvedAt: null };
  });
}

/** A request's publication as staff see it, drafted or approved. */
export async function readPublication(db: Db, principal: Principal, requestId: string): Promise<Publication> {
  await authorizeRequest(db, principal, "publication.draft", requestId);
  return db.transaction().execute((tx) => readPublicationIn(tx, requestId));
}

async function readPublicationIn(tx: Tx, requestId: string): Promise<Publication> {
  const row = await tx
    .selectFrom("demand_publication as p")
    .innerJoin("app_user as d", "d.id", "p.drafted_by")
    .leftJoin("app_user as a", "a.id", "p.approved_by")
    .select([
      "p.request_id",
      "p.version",
      "p.shown",
      "p.redactions",
      "p.summary",
      "p.drafted_at",
      "p.approved_at",
      "d.email as drafted_by",
      "a.email as approved_by",
    ])
    .where("p.request_id", "=", requestId)
    .executeTakeFirst();
  if (!row) throw notFound(`publication of request ${requestId}`);
  return {
    requestId: row.request_id,
    version: row.version,
    shown: row.shown as PublishedDemand["shown"],
    redactions: row.redactions as Redaction[],
    summary: row.summary,
    draftedBy: row.drafted_by,
    draftedAt: row.drafted_at.toISOString(),
    approvedBy: row.approved_by,
    approvedAt: row.approved_at?.toISOString() ?? null,
  };
}

/** Every approved publication, newest first: what the public page and the Lumen export show. */
export async function listPublished(db: Db | Tx, limit = 1000): Promise<PublishedDemand[]> {
  const rows = await db
    .selectFrom("demand_publication")
    .select(["request_id", "shown", "redactions", "summary", "approved_at"])
    .where("approved_at", "is not", null)
    .orderBy("approved_at", "desc")
    .orderBy("request_id")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    requestId: row.request_id,
    shown: row.shown as PublishedDemand["shown"],
    redactions: row.redactions as Redaction[],
    summary: row.summary,
    approvedAt: row.approved_at?.toISOString() ?? null,
  }));
}
