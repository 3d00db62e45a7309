import { appendAudit } from "../audit/audit.js";
import { canonicalJson, sha256Hex } from "../audit/canonical.js";
import type { Principal } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import { enqueueJob } from "../jobs/jobs.catalogue.js";
import type { DecisionItem } from "../policy/engine.js";
import { answerClock, type ClockPause, conflictObjectionDeadline } from "../requests/clocks.js";
import { currentDecision } from "../requests/decisions.repository.js";
import { authorizeRequest } from "../requests/request.access.js";
import { conflict, invalidTransition, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import {
  type AnnexIIIReason,
  annexIIIReasonsFromDecision,
  type FormRequest,
  MESSAGE_TITLES,
  type MessageKind,
  mergeReasons,
  type OutboundForm,
} from "./forms.js";

/**
 * The correspondence with the authority behind a request (docs/regimes.md#replies-to-authorities): the
 * desk sends its forms, the requesting agency's officers answer a clarification, and each message is
 * stored and audited in one transaction with what it does to the answer clock.
 */

export type OutboundInput =
  | { kind: "acknowledgement" }
  | { kind: "preservation_acknowledgement" }
  | { kind: "production_notice" }
  | {
      kind: "annex_iii";
      purpose: "inability_to_execute" | "clarification";
      reasons: Array<{ code: AnnexIIIReason; explanation?: string | undefined }>;
      question?: string | undefined;
    };

export interface MessageView {
  id: string;
  sequence: number;
  direction: "outbound" | "inbound";
  kind: MessageKind;
  title: string;
  author: string;
  sentAt: string;
  inReplyTo: string | null;
  awaitsAnswer: boolean;
  answeredAt: string | null;
  sha256: string;
  form: Record<string, unknown>;
}

export interface Correspondence {
  items: MessageView[];
  clock: { deadlineAt: string | null; pausedSince: string | null };
}

/** Answer deadline reminders run for these (requests/reminders.ts). */
const REMINDED: readonly string[] = ["received", "verifying", "under_review", "approved"];

async function lockRequest(tx: Tx, requestId: string) {
  const row = await tx
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .select([
      "r.id",
      "r.reference",
      "r.jurisdiction",
      "r.process",
      "r.regime",
      "r.instrument",
      "r.legal_basis",
      "r.received_at",
      "r.status",
      "r.deadline_at",
      "r.clock_started_at",
      "r.clock_paused_at",
      "a.name as agency_name",
    ])
    .where("r.id", "=", requestId)
    .forUpdate("r")
    .executeTakeFirst();
  if (!row) throw notFound(`request ${requestId}`);
  return row;
}

type LockedRequest = Awaited<ReturnType<typeof lockRequest>>;

function formRequest(row: LockedRequest): FormRequest {
  const basis = row.legal_basis as { issuingAuthority?: FormRequest["issuingAuthority"] } | null;
  return {
    id: row.id,
    reference: row.reference,
    agency: row.agency_name,
    jurisdiction: row.jurisdiction,
    regime: row.regime,
    instrument: row.instrument,
    receivedAt: row.received_at.toISOString(),
    ...(basis?.issuingAuthority ? { issuingAuthority: basis.issuingAuthority } : {}),
  };
}

async function nextSequence(tx: Tx, requestId: string): Promise<number> {
  const last = await tx
    .selectFrom("request_message")
    .select((eb) => eb.fn.max("sequence").as("n"))
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return Number(last?.n ?? 0) + 1;
}

async function buildForm(
  tx: Tx,
  row: LockedRequest,
  input: OutboundInput,
  header: { title: string; provider: string; request: FormRequest; sentAt: string; sentBy: string },
  decisionItems: readonly DecisionItem[],
): Promise<OutboundForm> {
  switch (input.kind) {
    case "acknowledgement":
      return { form: "acknowledgement", ...header, receivedAt: row.received_at.toISOString() };
    case "preservation_acknowledgement": {
      const holds = await tx
        .selectFrom("preservation_hold")
        .select(["id", "status", "expires_at"])
        .where("request_id", "=", row.id)
        .orderBy("created_at")
        .execute();
      if (!holds.some((h) => h.status === "active")) {
        throw invalidTransition(`request ${row.id} has no active preservation hold to acknowledge`);
      }
      return {
        form: "preservation_acknowledgement",
        ...header,
        holds: holds.map((h) => ({ id: h.id, status: h.status, expiresAt: h.expires_at.toISOString() })),
      };
    }
    case "production_notice": {
      const productions = await tx
        .selectFrom("production")
        .select(["id", "sealed_at", "expires_at", "summary"])
        .where("request_id", "=", row.id)
        .where("status", "in", ["ready", "downloaded"])
        .orderBy("started_at")
        .execute();
      if (productions.length === 0) throw invalidTransition(`request ${row.id} has no production to give notice of`);
      return {
        form: "production_notice",
        ...header,
        productions: productions.map((p) => ({
          id: p.id,
          sealedAt: p.sealed_at?.toISOString() ?? null,
          files: ((p.summary as { manifest?: unknown[] } | null)?.manifest ?? []).length,
          downloadUntil: p.expires_at?.toISOString() ?? null,
        })),
      };
    }
    case "annex_iii": {
      if (input.purpose === "clarification" && !input.question) {
        throw new ValidationError([{ path: "question", message: "required for a request for clarification" }]);
      }
      const reasons = mergeReasons(input.reasons, annexIIIReasonsFromDecision(decisionItems));
      if (reasons.length === 0) {
        throw new ValidationError([
          { path: "reasons", message: "name at least one reason (the decision in force gives none of its own)" },
        ]);
      }
      const preserved = await tx
        .selectFrom("preservation_hold")
        .select("id")
        .where("request_id", "=", row.id)
        .where("status", "=", "active")
        .executeTakeFirst();
      const conflict =
        row.regime === "eu_e_evidence" && reasons.some((r) => r.code === "third_country_law")
          ? conflictObjectionDeadline(row.clock_started_at ?? row.received_at)
          : undefined;
      return {
        form: "annex_iii",
        ...header,
        purpose: input.purpose,
        reasons,
        ...(input.question ? { question: input.question } : {}),
        dataPreserved: preserved !== undefined,
        clockPaused: input.purpose === "clarification",
        ...(conflict
          ? {
              objection: {
                article: "Art. 17(1)",
                dueBy: conflict.dueAt.toISOString(),
                inTime: Date.parse(header.sentAt) <= conflict.dueAt.getTime(),
              },
            }
          : {}),
      };
    }
  }
}

/** The desk sends a form to the authority; a clarification stops the answer clock until it is answered. */
export async function sendMessage(
  db: Db,
  principal: Principal,
  requestId: string,
  input: OutboundInput,
  now: Date,
): Promise<MessageView> {
  await authorizeRequest(db, principal, "request.correspond", requestId);
  return db.transaction().execute(async (tx) => {
    const row = await lockRequest(tx, requestId);
    const pauses = input.kind === "annex_iii" && input.purpose === "clarification";
    if (pauses && row.clock_paused_at) {
      throw conflict(`request ${requestId} already waits for the answer to a clarification`);
    }
    const decision = await currentDecision(tx, requestId);
    const header = {
      title: MESSAGE_TITLES[input.kind],
      provider: decision?.policy_name ?? "the provider",
      request: formRequest(row),
      sentAt: now.toISOString(),
      sentBy: principal.email,
    };
    const form = await buildForm(tx, row, input, header, (decision?.items ?? []) as DecisionItem[]);
    const sequence = await nextSequence(tx, requestId);
    const sha256 = sha256Hex(canonicalJson(form));
    const { id } = await tx
      .insertInto("request_message")
      .values({
        request_id: requestId,
        sequence,
        direction: "outbound",
        kind: input.kind,
        form: JSON.stringify(form),
        sha256,
        author: principal.email,
        sent_at: now,
        in_reply_to: null,
        awaits_answer: pauses,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (pauses) await tx.updateTable("request").set({ clock_paused_at: now }).where("id", "=", requestId).execute();
    await appendAudit(
      tx,
      {
        actor: principal.email,
        action: "request.message_sent",
        objectType: "request",
        objectId: requestId,
        payload: { messageId: id, sequence, kind: input.kind, sha256, clockPaused: pauses },
      },
      now,
    );
    return {
      id,
      sequence,
      direction: "outbound",
      kind: input.kind,
      title: MESSAGE_TITLES[input.kind],
      author: principal.email,
      sentAt: now.toISOString(),
      inReplyTo: null,
      awaitsAnswer: pauses,
      answeredAt: null,
      sha256,
      form: form as unknown as Record<string, unknown>,
    };
  });
}

/**
 * An officer of the requesting agency answers a clarification asked on Annex III. The clock resumes: the
 * deadline is recomputed from where it started with every wait on the authority so far (clocks.ts), and
 * the reminder moves with it.
 */
export async function answerClarification(
  db: Db,
  principal: Principal,
  requestId: string,
  questionId: string,
  answer: string,
  now: Date,
): Promise<MessageView> {
  await authorizeRequest(db, principal, "request.reply", requestId);
  return db.transaction().execute(async (tx) => {
    const row = await lockRequest(tx, requestId);
    const question = await tx
      .selectFrom("request_message")
      .select(["id", "sequence", "kind", "awaits_answer", "answered_at"])
      .where("id", "=", questionId)
      .where("request_id", "=", requestId)
      .executeTakeFirst();
    if (!question) throw notFound(`message ${questionId}`);
    if (!question.awaits_answer) throw invalidTransition(`message ${question.sequence} asks nothing to answer`);
    if (question.answered_at) throw invalidTransition(`message ${question.sequence} was already answered`);
    await tx.updateTable("request_message").set({ answered_at: now }).where("id", "=", questionId).execute();
    const sequence = await nextSequence(tx, requestId);
    const form = {
      form: "clarification_answer",
      title: MESSAGE_TITLES.clarification_answer,
      request: formRequest(row),
      inReplyTo: question.sequence,
      answer,
      sentAt: now.toISOString(),
      sentBy: principal.email,
    };
    const sha256 = sha256Hex(canonicalJson(form));
    const { id } = await tx
      .insertInto("request_message")
      .values({
        request_id: requestId,
        sequence,
        direction: "inbound",
        kind: "clarification_answer",
        form: JSON.stringify(form),
        sha256,
        author: principal.email,
        sent_at: now,
        in_reply_to: questionId,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const resumed = await resumeClock(tx, row, now);
    await appendAudit(
      tx,
      {
        actor: principal.email,
        action: "request.message_received",
        objectType: "request",
        objectId: requestId,
        payload: { messageId: id, sequence, inReplyTo: question.sequence, sha256, ...resumed },
      },
      now,
    );
    return {
      id,
      sequence,
      direction: "inbound",
      kind: "clarification_answer",
      title: MESSAGE_TITLES.clarification_answer,
      author: principal.email,
      sentAt: now.toISOString(),
      inReplyTo: questionId,
      awaitsAnswer: false,
      answeredAt: null,
      sha256,
      form,
    };
  });
}

/** Recompute the deadline with every finished wait, clear the pause, and move the pending reminder. */
async function resumeClock(
  tx: Tx,
  row: LockedRequest,
  now: Date,
): Promise<{ pausedAt: string | null; deadlineAt: string | null; clock: string | null }> {
  if (!row.clock_paused_at) return { pausedAt: null, deadlineAt: row.deadline_at?.toISOString() ?? null, clock: null };
  const waits = await tx
    .selectFrom("request_message")
    .select(["sent_at", "answered_at"])
    .where("request_id", "=", row.id)
    .where("awaits_answer", "=", true)
    .where("answered_at", "is not", null)
    .execute();
  const pauses: ClockPause[] = waits.map((w) => ({ from: w.sent_at, to: w.answered_at as Date }));
  const clock = answerClock({
    receivedAt: row.received_at.toISOString(),
    now: row.clock_started_at ?? row.received_at,
    process: row.process as Parameters<typeof answerClock>[0]["process"],
    legalBasis: row.legal_basis as Parameters<typeof answerClock>[0]["legalBasis"],
    pauses,
  });
  await tx
    .updateTable("request")
    .set({ deadline_at: clock.dueAt, clock_paused_at: null })
    .where("id", "=", row.id)
    .execute();
  if (REMINDED.includes(row.status)) {
    const runAt = new Date(Math.max(now.getTime(), clock.remindAt.getTime()));
    const moved = await tx
      .updateTable("job")
      .set({ run_at: runAt })
      .where("kind", "=", "request.deadline_reminder")
      .where("dedupe_key", "like", `deadline:${row.id}%`)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) {
      await enqueueJob(
        tx,
        "request.deadline_reminder",
        { requestId: row.id },
        { runAt, dedupeKey: `deadline:${row.id}:resumed:${now.getTime()}` },
      );
    }
  }
  return {
    pausedAt: row.clock_paused_at.toISOString(),
    deadlineAt: clock.dueAt.toISOString(),
    clock: clock.basis,
  };
}

function view(row: {
  id: string;
  sequence: number;
  direction: "outbound" | "inbound";
  kind: MessageKind;
  author: string;
  sent_at: Date;
  in_reply_to: string | null;
  awaits_answer: boolean;
  answered_at: Date | null;
  sha256: string;
  form: Record<string, unknown>;
}): MessageView {
  return {
    id: row.id,
    sequence: row.sequence,
    direction: row.direction,
    kind: row.kind,
    title: MESSAGE_TITLES[row.kind],
    author: row.author,
    sentAt: row.sent_at.toISOString(),
    inReplyTo: row.in_reply_to,
    awaitsAnswer: row.awaits_answer,
    answeredAt: row.answered_at?.toISOString() ?? null,
    sha256: row.sha256,
    form: row.form,
  };
}

/** A request's correspondence, oldest first, with where its answer clock stands. */
export async function listMessages(db: Db, principal: Principal, requestId: string): Promise<Correspondence> {
  await authorizeRequest(db, principal, "request.read", requestId);
  const rows = await db
    .selectFrom("request_message")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("sequence")
    .execute();
  const request = await db
    .selectFrom("request")
    .select(["deadline_at", "clock_paused_at"])
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  return {
    items: rows.map(view),
    clock: {
      deadlineAt: request.deadline_at?.toISOString() ?? null,
      pausedSince: request.clock_paused_at?.toISOString() ?? null,
    },
  };
}

export async function getMessage(
  db: Db,
  principal: Principal,
  requestId: string,
  messageId: string,
): Promise<MessageView> {
  await authorizeRequest(db, principal, "request.read", requestId);
  const row = await db
    .selectFrom("request_message")
    .selectAll()
    .where("request_id", "=", requestId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!row) throw notFound(`message ${messageId}`);
  return view(row);
}
