import { appendAudit } from "../audit/audit.js";
import { FULFILMENT_DEFAULTS } from "../config.js";
import type { Db } from "../db/database.js";
import { type NoticeSettings, scheduleUserNotices } from "../notices/user-notice.service.js";
import { invalidTransition } from "../shared/errors.js";
import { currentDecision } from "./decisions.repository.js";
import { lockRequest, type Status, transitionLocked } from "./lifecycle.js";

/**
 * Reviews: a reviewer's recommendation, or counsel's approval or rejection, of the decision in force.
 * An approval or rejection moves the request on in the same transaction as the review is recorded.
 */

export type Verdict = "recommend_approve" | "recommend_reject" | "approve" | "reject";

export interface ReviewInput {
  reviewer: string;
  verdict: Verdict;
  /** The standards checklist (legality, necessity and proportionality, due process, human-rights risk). */
  checklist?: Record<string, unknown>;
  note?: string;
  now: Date;
  /** When the affected users may be told of a rejection (config.fulfilment.emergencyNoticeDelayDays). */
  notice?: NoticeSettings;
}

const ANSWERABLE: readonly string[] = ["comply_full", "comply_partial"];

export async function recordReview(db: Db, requestId: string, input: ReviewInput) {
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
    const { id } = await tx
      .insertInto("review")
      .values({
        request_id: requestId,
        decision_id: decision.id,
        reviewer: input.reviewer,
        verdict: input.verdict,
        checklist: JSON.stringify(input.checklist ?? {}),
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
        payload: { reviewId: id, decisionId: decision.id, verdict: input.verdict, checklist: input.checklist ?? {} },
      },
      input.now,
    );
    const to: Status | undefined =
      input.verdict === "approve" ? "approved" : input.verdict === "reject" ? "rejected" : undefined;
    const after = to
      ? await transitionLocked(tx, request, {
          to,
          actor: input.reviewer,
          reason: input.note ?? `${input.verdict} by ${input.reviewer}`,
          now: input.now,
        })
      : request;
    if (to === "rejected") {
      await scheduleUserNotices(tx, {
        requestId,
        kind: "rejected",
        actor: input.reviewer,
        now: input.now,
        settings: input.notice ?? { emergencyDelayDays: FULFILMENT_DEFAULTS.emergencyNoticeDelayDays },
      });
    }
    return { reviewId: id, status: after.status };
  });
}
