import { appendAudit } from "../audit/audit.js";
import type { Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { enforcingStateProblem, type LegalBasis } from "../domain/legal-basis.schema.js";
import {
  ENFORCING_GROUNDS,
  type EnforcingAnswerKind,
  type EnforcingGround,
  NOTIFIED_EU_CATEGORIES,
  type NotifiedEuCategory,
} from "../domain/vocabulary.js";
import { rescheduleFulfilment } from "../jobs/jobs.catalogue.js";
import { conflict } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { enforcingObjectionWindow } from "./clocks.js";
import {
  type EnforcingAnswer,
  type EnforcingState,
  enforcingRelease,
  useBarredAfterDelivery,
  waitEndsAt,
} from "./enforcing-state.js";
import { lockRequest } from "./lifecycle.js";
import { authorizeRequest } from "./request.access.js";

/**
 * The enforcing State of an EU production order, recorded (docs/regimes.md#the-enforcing-state): the
 * notification, from the order at intake or by staff when it is learnt otherwise, and each answer of the
 * enforcing authority, by staff, also after delivery. Each is audited in the transaction that stores it,
 * and moves the request's fulfilment job to when the wait it opens or ends says.
 */

type Reader = Pick<Db, "selectFrom">;

export async function readEnforcingState(db: Reader, requestId: string): Promise<EnforcingState | null> {
  const row = await db
    .selectFrom("enforcing_notification")
    .selectAll()
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  if (!row) return null;
  const answers = await db
    .selectFrom("enforcing_answer")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("recorded_at")
    .orderBy("id")
    .execute();
  return {
    enforcingState: row.enforcing_state,
    notifiedAt: row.notified_at,
    windowClosesAt: row.window_closes_at,
    emergency: row.emergency,
    answers: answers.map(
      (a): EnforcingAnswer => ({
        kind: a.kind,
        grounds: a.grounds,
        categories: a.categories,
        conditions: a.conditions,
        answeredAt: a.answered_at,
        inTime: a.in_time,
        afterDelivery: a.after_delivery,
      }),
    ),
  };
}

/** When a request's fulfilment may run: now, or just after the enforcing authority's window closes. */
export function fulfilmentRunAt(state: EnforcingState | null, now: Date): Date {
  const ends = waitEndsAt(state, now);
  return ends ? new Date(ends.getTime() + 1) : now;
}

async function insertNotification(
  tx: Tx,
  input: {
    requestId: string;
    enforcingState: string;
    notifiedAt: Date;
    emergency: boolean;
    from: "document" | "staff";
    actor: string;
    now: Date;
    note?: string | undefined;
  },
): Promise<void> {
  const window = enforcingObjectionWindow({ notifiedAt: input.notifiedAt, emergency: input.emergency });
  await tx
    .insertInto("enforcing_notification")
    .values({
      request_id: input.requestId,
      enforcing_state: input.enforcingState,
      notified_at: input.notifiedAt,
      window_closes_at: window.closesAt,
      emergency: input.emergency,
      recorded_from: input.from,
      recorded_by: input.actor,
      recorded_at: input.now,
    })
    .execute();
  await appendAudit(
    tx,
    {
      actor: input.actor,
      action: "request.enforcing_notified",
      objectType: "request",
      objectId: input.requestId,
      payload: {
        enforcingState: input.enforcingState,
        notifiedAt: input.notifiedAt.toISOString(),
        windowClosesAt: window.closesAt.toISOString(),
        basis: window.basis,
        emergency: input.emergency,
        from: input.from,
        ...(input.note ? { note: input.note } : {}),
      },
    },
    input.now,
  );
}

/** At intake, in the transaction that stores an EPOC: the notification the order states (Art. 8(1)). */
export async function notifyFromDocument(
  tx: Tx,
  input: { requestId: string; basis: LegalBasis | undefined; actor: string; now: Date },
): Promise<void> {
  const notification = input.basis?.enforcingNotification;
  if (!notification || input.basis?.instrument !== "epoc") return;
  await insertNotification(tx, {
    requestId: input.requestId,
    enforcingState: notification.enforcingState,
    notifiedAt: new Date(notification.notifiedAt),
    emergency: input.basis.emergency,
    from: "document",
    actor: input.actor,
    now: input.now,
  });
}

/** A moment the authority acted cannot lie ahead of the moment it is recorded. */
function notAfterNow(path: string, at: Date, now: Date): void {
  if (at.getTime() > now.getTime()) {
    throw new ValidationError([{ path, message: `is in the future (${at.toISOString()}); nothing was stored` }]);
  }
}

async function lockedEpoc(tx: Tx, requestId: string) {
  await lockRequest(tx, requestId);
  const row = await tx
    .selectFrom("request")
    .select(["regime", "instrument", "legal_basis", "status", "received_at"])
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  if (row.regime !== "eu_e_evidence" || row.instrument !== "epoc") {
    throw conflict(`request ${requestId} is not an EU production order (EPOC): it has no enforcing State`);
  }
  return { ...row, basis: row.legal_basis as LegalBasis | null };
}

export interface NotificationInput {
  enforcingState: string;
  notifiedAt: Date;
  note?: string | undefined;
}

/** Staff record a notification the order did not state (it came with the order by post, or later). */
export async function recordEnforcingNotification(
  db: Db,
  principal: Principal,
  requestId: string,
  input: NotificationInput,
  now: Date,
): Promise<EnforcingView> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "enforcing_notification",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "request.enforcing_state", requestId);
      const request = await lockedEpoc(tx, requestId);
      const problem = enforcingStateProblem(input.enforcingState, request.basis?.issuingState);
      if (problem) throw new ValidationError([{ path: "enforcingState", message: problem }]);
      notAfterNow("notifiedAt", input.notifiedAt, now);
      if (request.basis?.offenceAndPersonInIssuingState) {
        throw conflict(
          `request ${requestId}: the order states Art. 8(2) (offence and person in the issuing State), so no enforcing State is notified`,
        );
      }
      const existing = await readEnforcingState(tx, requestId);
      if (existing) {
        throw conflict(
          `request ${requestId}: the enforcing authority of ${existing.enforcingState} was already recorded as notified at ${existing.notifiedAt.toISOString()}; a notification is not changed`,
        );
      }
      await insertNotification(tx, {
        requestId,
        enforcingState: input.enforcingState,
        notifiedAt: input.notifiedAt,
        emergency: request.basis?.emergency ?? false,
        from: "staff",
        actor: principal.email,
        now,
        note: input.note,
      });
      const state = await readEnforcingState(tx, requestId);
      await rescheduleFulfilment(tx, requestId, fulfilmentRunAt(state, now));
      return viewOf(tx, requestId, now);
    }),
  );
}

export interface AnswerInput {
  kind: EnforcingAnswerKind;
  grounds?: readonly EnforcingGround[] | undefined;
  categories?: readonly NotifiedEuCategory[] | undefined;
  conditions?: string | undefined;
  answeredAt: Date;
  note?: string | undefined;
}

/**
 * Staff record what the enforcing authority answered. A refusal or objection names its Art. 12(1) grounds
 * and the categories it concerns (both traffic and content unless it says which); conditions say what
 * they are. Before delivery a refusal keeps those categories out of the production; after it, the record
 * says the data may not be used. Any answer ends the wait; a late one is recorded as such, and honoured.
 */
export async function recordEnforcingAnswer(
  db: Db,
  principal: Principal,
  requestId: string,
  input: AnswerInput,
  now: Date,
): Promise<EnforcingView> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "enforcing_answer",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "request.enforcing_state", requestId);
      await lockedEpoc(tx, requestId);
      const state = await readEnforcingState(tx, requestId);
      if (!state) {
        throw conflict(
          `request ${requestId}: no enforcing State is recorded as notified of this order; record the notification first`,
        );
      }
      const problems = answerProblems(input, state, now);
      if (problems.length > 0) throw new ValidationError(problems);
      const barring = input.kind === "refusal" || input.kind === "objection";
      const categories = barring ? [...(input.categories ?? NOTIFIED_EU_CATEGORIES)] : [];
      const grounds = barring ? [...(input.grounds ?? [])] : [];
      const delivered = await tx
        .selectFrom("production")
        .select("id")
        .where("request_id", "=", requestId)
        .where("status", "in", ["ready", "downloaded", "purged"])
        .executeTakeFirst();
      const inTime = input.answeredAt.getTime() <= state.windowClosesAt.getTime();
      await tx
        .insertInto("enforcing_answer")
        .values({
          request_id: requestId,
          kind: input.kind,
          grounds,
          categories,
          conditions: input.kind === "conditions" ? (input.conditions ?? null) : null,
          note: input.note ?? null,
          answered_at: input.answeredAt,
          in_time: inTime,
          after_delivery: delivered !== undefined,
          recorded_by: principal.email,
          recorded_at: now,
        })
        .execute();
      await appendAudit(
        tx,
        {
          actor: principal.email,
          action: "request.enforcing_answered",
          objectType: "request",
          objectId: requestId,
          payload: {
            kind: input.kind,
            grounds: grounds.map((g) => ({ ground: g, article: ENFORCING_GROUNDS[g] })),
            categories,
            ...(input.kind === "conditions" ? { conditions: input.conditions ?? "" } : {}),
            answeredAt: input.answeredAt.toISOString(),
            inTime,
            afterDelivery: delivered !== undefined,
            ...(input.note ? { note: input.note } : {}),
          },
        },
        now,
      );
      await rescheduleFulfilment(tx, requestId, fulfilmentRunAt(await readEnforcingState(tx, requestId), now));
      return viewOf(tx, requestId, now);
    }),
  );
}

function answerProblems(
  input: AnswerInput,
  state: EnforcingState,
  now: Date,
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const barring = input.kind === "refusal" || input.kind === "objection";
  if (barring && (input.grounds ?? []).length === 0) {
    problems.push({ path: "grounds", message: `a ${input.kind} names at least one ground of Art. 12(1)` });
  }
  if (!barring && input.grounds !== undefined && input.grounds.length > 0) {
    problems.push({ path: "grounds", message: `only a refusal or an objection names grounds (this is ${input.kind})` });
  }
  if (!barring && input.categories !== undefined) {
    problems.push({
      path: "categories",
      message: `only a refusal or an objection names the categories it bars (this is ${input.kind})`,
    });
  }
  if (input.kind === "conditions" && !input.conditions) {
    problems.push({ path: "conditions", message: "conditions on the use of the data say what they are" });
  }
  if (input.kind !== "conditions" && input.conditions !== undefined) {
    problems.push({
      path: "conditions",
      message: `only a conditions answer carries conditions (this is ${input.kind})`,
    });
  }
  if (input.answeredAt.getTime() < state.notifiedAt.getTime()) {
    problems.push({
      path: "answeredAt",
      message: `is before the enforcing authority was notified (${state.notifiedAt.toISOString()})`,
    });
  } else if (input.answeredAt.getTime() > now.getTime()) {
    problems.push({ path: "answeredAt", message: `is in the future (${input.answeredAt.toISOString()})` });
  }
  return problems;
}

export interface EnforcingView {
  /** The order states Art. 8(2): no enforcing State is notified. */
  notificationNotRequired: boolean;
  notification: {
    enforcingState: string;
    notifiedAt: string;
    windowClosesAt: string;
    emergency: boolean;
  } | null;
  answers: Array<{
    kind: EnforcingAnswerKind;
    grounds: Array<{ ground: string; article: string }>;
    categories: string[];
    conditions: string | null;
    answeredAt: string;
    inTime: boolean;
    afterDelivery: boolean;
  }>;
  /** For traffic and content data now: `release`, `wait` (until) or `refused` (why). */
  release: Array<{
    category: NotifiedEuCategory;
    status: "release" | "wait" | "refused";
    until: string | null;
    reason: string | null;
  }>;
  /** Categories barred by an answer recorded after they were delivered: the data may not be used. */
  useBarred: string[];
}

export async function viewOf(db: Reader, requestId: string, now: Date): Promise<EnforcingView> {
  const row = await db
    .selectFrom("request")
    .select("legal_basis")
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  const basis = row.legal_basis as LegalBasis | null;
  const state = await readEnforcingState(db, requestId);
  return {
    notificationNotRequired: basis?.offenceAndPersonInIssuingState === true,
    notification: state
      ? {
          enforcingState: state.enforcingState,
          notifiedAt: state.notifiedAt.toISOString(),
          windowClosesAt: state.windowClosesAt.toISOString(),
          emergency: state.emergency,
        }
      : null,
    answers: (state?.answers ?? []).map((a) => ({
      kind: a.kind,
      grounds: a.grounds.map((g) => ({ ground: g, article: ENFORCING_GROUNDS[g as EnforcingGround] ?? "" })),
      categories: [...a.categories],
      conditions: a.conditions,
      answeredAt: a.answeredAt.toISOString(),
      inTime: a.inTime,
      afterDelivery: a.afterDelivery,
    })),
    release: NOTIFIED_EU_CATEGORIES.map((category) => {
      const verdict = enforcingRelease(state, category, now);
      if (verdict.release) return { category, status: "release" as const, until: null, reason: null };
      return verdict.waitUntil
        ? { category, status: "wait" as const, until: verdict.waitUntil.toISOString(), reason: verdict.reason }
        : { category, status: "refused" as const, until: null, reason: verdict.reason };
    }),
    useBarred: useBarredAfterDelivery(state),
  };
}

/** Read for the API and the desk: the request must be one the principal may read. */
export async function readEnforcingView(
  db: Db,
  principal: Principal,
  requestId: string,
  now: Date,
): Promise<EnforcingView> {
  await authorizeRequest(db, principal, "request.read", requestId);
  return viewOf(db, requestId, now);
}
