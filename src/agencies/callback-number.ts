import { appendAudit } from "../audit/audit.js";
import { authorize, type Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { invalidTransition, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";

/**
 * Which number a call-back dials. Not the agency's phone on file when someone gets round to calling, but
 * the one on file when the emergency arrived or the officer registered (taken by the row's own insert,
 * migration 0009): a number put on file in between could be the attacker's, and the call-back exists to
 * reach someone the attacker does not control. When the two differ the subject shows the number as changed
 * and no call-back is made until counsel has looked at the change and said, with reasons, which of the two
 * numbers to dial; that look is for the exact number counsel saw, so a number changed again needs another.
 */

export type CallbackSubject = { type: "request" | "user"; id: string };

export interface CallbackNumber {
  agencyId: string;
  /** The agency's phone on file when the subject arrived. */
  numberOnRecord: string | null;
  /** The agency's phone on file now. */
  numberOnFile: string | null;
  changed: boolean;
  /** Counsel's look at the change, when there is one for the number on file now. */
  review: { dial: "on_record" | "on_file"; note: string; reviewedBy: string; reviewedAt: string } | null;
  /** The number a call-back dials now, or null when none may be made (`refusal` says why). */
  dial: string | null;
  refusal: string | null;
}

export async function callbackNumberOf(db: Db | Tx, subject: CallbackSubject): Promise<CallbackNumber> {
  const row =
    subject.type === "request"
      ? await db
          .selectFrom("request as s")
          .innerJoin("agency as a", "a.id", "s.agency_id")
          .select(["s.agency_id", "s.callback_number", "a.phone_on_file", "s.process"])
          .where("s.id", "=", subject.id)
          .executeTakeFirst()
      : await db
          .selectFrom("app_user as s")
          .innerJoin("agency as a", "a.id", "s.agency_id")
          .select(["a.id as agency_id", "s.callback_number", "a.phone_on_file", "s.role as process"])
          .where("s.id", "=", subject.id)
          .where("s.role", "=", "agency")
          .executeTakeFirst();
  if (!row) throw notFound(subject.type === "request" ? `request ${subject.id}` : `officer ${subject.id}`);
  // Only emergencies are called back; other requests are verified by their legal process.
  if (row.process !== "emergency" && row.process !== "agency") {
    throw invalidTransition(`request ${subject.id} is not an emergency; nothing is called back`);
  }
  const onRecord = row.callback_number;
  const onFile = row.phone_on_file;
  const changed = onRecord !== onFile;
  const review = changed
    ? await db
        .selectFrom("callback_number_review as r")
        .innerJoin("app_user as u", "u.id", "r.reviewed_by")
        .select(["r.dial", "r.note", "r.reviewed_at", "u.email"])
        .where("r.subject_type", "=", subject.type)
        .where("r.subject_id", "=", subject.id)
        .where((eb) =>
          eb.and([
            onRecord === null ? eb("r.number_on_record", "is", null) : eb("r.number_on_record", "=", onRecord),
            onFile === null ? eb("r.number_on_file", "is", null) : eb("r.number_on_file", "=", onFile),
          ]),
        )
        .orderBy("r.reviewed_at", "desc")
        .limit(1)
        .executeTakeFirst()
    : undefined;
  const base = {
    agencyId: row.agency_id,
    numberOnRecord: onRecord,
    numberOnFile: onFile,
    changed,
    review: review
      ? { dial: review.dial, note: review.note, reviewedBy: review.email, reviewedAt: review.reviewed_at.toISOString() }
      : null,
  };
  const when = subject.type === "request" ? "the request arrived" : "the officer registered";
  if (!changed && !onRecord) {
    return { ...base, dial: null, refusal: `the agency had no phone on file when ${when}; nothing can verify it` };
  }
  if (!changed) return { ...base, dial: onRecord, refusal: null };
  if (!review) {
    return {
      ...base,
      dial: null,
      refusal:
        `the agency's phone on file changed after ${when} (${onRecord ?? "none"} then, ${onFile ?? "none"} now); ` +
        "counsel must review the change and choose the number before a call-back",
    };
  }
  return { ...base, dial: review.dial === "on_record" ? onRecord : onFile, refusal: null };
}

/** The number a call-back made now must dial, or a refusal (409) saying why there is none. */
export async function numberToDial(tx: Tx, subject: CallbackSubject): Promise<{ agencyId: string; number: string }> {
  const state = await callbackNumberOf(tx, subject);
  if (!state.dial) throw invalidTransition(state.refusal ?? "no number to call");
  return { agencyId: state.agencyId, number: state.dial };
}

/**
 * Counsel's look at a changed number: which of the two numbers the call-back dials (the one on record, or
 * the new one, when counsel has satisfied themselves that the change was the agency's), and why.
 */
export async function reviewCallbackNumber(
  db: Db,
  counsel: Principal,
  subject: CallbackSubject,
  input: { dial: "on_record" | "on_file"; note: string },
  now: Date,
): Promise<CallbackNumber> {
  authorize(counsel, "callback.review_number");
  const attempt = { actor: counsel.email, objectType: subject.type, objectId: subject.id, attempted: "number review" };
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      // The subject's row is locked, so a call-back being recorded waits for this look or sees it.
      if (subject.type === "request") {
        await tx.selectFrom("request").select("id").where("id", "=", subject.id).forUpdate().executeTakeFirst();
      } else {
        await tx.selectFrom("app_user").select("id").where("id", "=", subject.id).forUpdate().executeTakeFirst();
      }
      const state = await callbackNumberOf(tx, subject);
      if (!state.changed) {
        throw invalidTransition("the agency's phone on file has not changed since; there is nothing to review");
      }
      const chosen = input.dial === "on_record" ? state.numberOnRecord : state.numberOnFile;
      if (!chosen) {
        throw new ValidationError([
          {
            path: "dial",
            message: `there is no number ${input.dial === "on_record" ? "on record" : "on file"} to dial`,
          },
        ]);
      }
      const { id } = await tx
        .insertInto("callback_number_review")
        .values({
          subject_type: subject.type,
          subject_id: subject.id,
          number_on_record: state.numberOnRecord,
          number_on_file: state.numberOnFile,
          dial: input.dial,
          note: input.note,
          reviewed_by: counsel.userId,
          reviewed_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor: counsel.email,
          action: "callback.number_reviewed",
          objectType: subject.type,
          objectId: subject.id,
          payload: {
            reviewId: id,
            numberOnRecord: state.numberOnRecord,
            numberOnFile: state.numberOnFile,
            dial: chosen,
            note: input.note,
          },
        },
        now,
      );
      return callbackNumberOf(tx, subject);
    }),
  );
}
