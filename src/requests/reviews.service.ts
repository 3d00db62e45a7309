import { appendAudit } from "../audit/audit.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { enqueueFulfilment } from "../jobs/jobs.catalogue.js";
import { invalidTransition } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { currentDecision } from "./decisions.repository.js";
import { fulfilmentRunAt, readEnforcingState } from "./enforcing-state.service.js";
import { lockRequest, transitionLocked } from "./lifecycle.js";
import { type Checklist, checklistProblems, highestRisk, parseChecklist } from "./review.rules.js";

/**
 * Reviews: a reviewer's recommendation, or counsel's approval or rejection, of the decision in force.
 * An approval or rejection moves the request on in the same transaction as the review is recorded.
 * Reviews never call the stages after them: an approval queues the `request.fulfil` job by its kind, and
 * a rejection is announced to the listener the caller passes (wired above, in server/review-outcomes.ts,
 * where it tells the affected users), inside the review's transaction.
 */

/** A review that rejected a request, as its listener hears it: in the review's transaction, before commit. */
export interface Rejection {
  requestId: string;
  actor: string;
  now: Date;
}

export type RejectionListener = (tx: Tx, rejection: Rejection) => Promise<void>;

export type Verdict = "recommend_approve" | "recommend_reject" | "approve" | "reject";

export interface ReviewInput {
  reviewer: string;
  /** The reviewer's account, when known: an emergency's approver must not be who made its call-back. */
  reviewerId?: string;
  verdict: Verdict;
  /**
   * The standards checklist as sent (review.rules.ts): checked here, inside the audited attempt, so a
   * checklist refused for its shape is written on the request like one refused for what it leaves out.
   */
  checklist?: unknown;
  note?: string;
  now: Date;
  /**
   * What follows a rejection (telling the affected users, after the configured emergency delay). Required:
   * a default here once stood in for the configured delay on every rejection.
   */
  onRejected: RejectionListener;
}

const ANSWERABLE: readonly string[] = ["comply_full", "comply_partial"];

/**
 * A review a safeguard refuses (same person, no call-back, held, checklist malformed or incomplete) is
 * audited on the request; nothing of it is recorded.
 */
export async function recordReview(db: Db, requestId: string, input: ReviewInput) {
  const attempt = {
    actor: input.reviewer,
    objectType: "request",
    objectId: requestId,
    attempted: input.verdict,
  } as const;
  return auditingRefusals(db, attempt, input.now, () =>
    reviewInTransaction(
      db,
      requestId,
      input,
      input.checklist === undefined ? undefined : parseChecklist(input.checklist),
    ),
  );
}

async function reviewInTransaction(db: Db, requestId: string, input: ReviewInput, checklist: Checklist | undefined) {
  return db.transaction().execute(async (tx) => {
    const request = await lockRequest(tx, requestId);
    if (request.status !== "under_review") {
      throw invalidTransition(`request ${requestId} is ${request.status}; only a request under review can be reviewed`);
    }
    const decision = await currentDecision(tx, requestId);
    if (!decision) throw invalidTransition(`request ${requestId} has no decision to review`);
    if (input.verdict === "approve" && !ANSWERABLE.includes(decision.outcome)) {
      throw invalidTransition(
        `request ${requestId}: the decision in force is ${decision.outcome}; there is nothing to approve for disclosure`,
      );
    }
    const earlier = await tx.selectFrom("review").select("checklist").where("decision_id", "=", decision.id).execute();
    const problems = checklistProblems(
      input.verdict,
      checklist,
      highestRisk(earlier.map((r) => (r.checklist as Record<string, unknown>).humanRightsRisk)),
    );
    if (problems.length > 0) throw new ValidationError(problems);
    const approval = input.verdict === "approve" ? await approvalRules(tx, requestId, decision, input) : undefined;
    const { id } = await tx
      .insertInto("review")
      .values({
        request_id: requestId,
        decision_id: decision.id,
        reviewer: input.reviewer,
        verdict: input.verdict,
        checklist: JSON.stringify(checklist ?? {}),
        note: input.note ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: input.reviewer,
        action: "request.reviewed",
        objectType: "request",
        objectId: requestId,
        payload: { reviewId: id, decisionId: decision.id, verdict: input.verdict, checklist: checklist ?? {} },
      },
      input.now,
    );
    const to: Status | undefined =
      input.verdict === "approve"
        ? // This approval counts with the distinct earlier ones (approvalRules refused a second by the same person).
          approval && approval.earlierApprovers + 1 >= approval.needed
          ? "approved"
          : undefined
        : input.verdict === "reject"
          ? "rejected"
          : undefined;
    const after = to
      ? await transitionLocked(tx, request, {
          to,
          actor: input.reviewer,
          reason: input.note ?? `${input.verdict} by ${input.reviewer}`,
          now: input.now,
        })
      : request;
    // Approved: the fulfilment job is queued by the same transaction, so an approval is never forgotten
    // and never acted on if it rolls back.
    // An EU order waiting for its enforcing State is fulfilled once the wait ends (an answer moves it).
    if (to === "approved") {
      const runAt = fulfilmentRunAt(await readEnforcingState(tx, requestId), input.now);
      await enqueueFulfilment(tx, requestId, input.reviewer, input.now, runAt);
    }
    if (to === "rejected") await input.onRejected(tx, { requestId, actor: input.reviewer, now: input.now });
    return { reviewId: id, status: after.status };
  });
}

/**
 * The approvals a disclosure needs. Where the decision needs review (content, emergencies, human-rights
 * jurisdictions) a reviewer's recommendation and counsel's approval come from two different people; an
 * emergency is not approved by whoever made its call-back; and requests from an account flagged for a
 * flood of emergencies need a second counsel's approval. Returns how many distinct approvals it takes
 * and how many distinct people approved this decision before.
 */
async function approvalRules(
  tx: Tx,
  requestId: string,
  decision: { id: string; needs_review: boolean },
  input: ReviewInput,
): Promise<{ needed: number; earlierApprovers: number }> {
  const reviews = await tx
    .selectFrom("review")
    .select(["reviewer", "verdict"])
    .where("decision_id", "=", decision.id)
    .execute();
  if (reviews.some((r) => r.reviewer === input.reviewer && r.verdict === "approve")) {
    throw invalidTransition(
      `${input.reviewer} has already approved this decision; a second approval must come from someone else`,
    );
  }
  if (
    decision.needs_review &&
    !reviews.some((r) => r.verdict === "recommend_approve" && r.reviewer !== input.reviewer)
  ) {
    throw invalidTransition(
      "this decision needs two people: a reviewer's recommendation to approve, then counsel's approval by someone else",
    );
  }
  const request = await tx
    .selectFrom("request as r")
    .leftJoin("app_user as u", "u.id", "r.submitted_by")
    .select(["r.process", "u.flagged_at"])
    .where("r.id", "=", requestId)
    .executeTakeFirstOrThrow();
  if (request.process === "emergency") {
    const callbacks = await tx
      .selectFrom("callback")
      .select("made_by")
      .where("subject_type", "=", "request")
      .where("subject_id", "=", requestId)
      .where("outcome", "=", "confirmed")
      .execute();
    if (callbacks.length === 0) throw invalidTransition("an emergency is approved only after a recorded call-back");
    if (input.reviewerId && callbacks.some((c) => c.made_by === input.reviewerId)) {
      throw invalidTransition("whoever made the emergency call-back cannot also approve the disclosure");
    }
  }
  const earlierApprovers = new Set(reviews.filter((r) => r.verdict === "approve").map((r) => r.reviewer)).size;
  return { needed: request.flagged_at ? 2 : 1, earlierApprovers };
}
