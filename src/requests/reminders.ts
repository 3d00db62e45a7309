import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { JobPayload } from "../jobs/jobs.catalogue.js";
import type { TransactionJob } from "../jobs/jobs.js";
import { enqueueMail } from "../mail/outbox.js";

const OPEN: readonly string[] = ["received", "verifying", "under_review", "approved"];

/** A request still open as its answer deadline approaches: the desk is reminded (audited; mailed later). */
export const remindDeadline: TransactionJob<JobPayload<"request.deadline_reminder">> = async (
  tx,
  { requestId },
  job,
) => {
  const request = await tx
    .selectFrom("request")
    .select(["status", "deadline_at", "reference", "clock_paused_at"])
    .where("id", "=", requestId)
    .executeTakeFirst();
  if (!request || !OPEN.includes(request.status)) return;
  // The clock stands still while a clarification waits; its answer schedules the reminder again.
  if (request.clock_paused_at) return;
  await appendAudit(
    tx,
    {
      actor: actorOf(JOB_RUNNER),
      action: "reminder.sent",
      objectType: "request",
      objectId: requestId,
      payload: {
        about: "answer deadline",
        reference: request.reference,
        status: request.status,
        deadline: request.deadline_at?.toISOString() ?? null,
      },
    },
    job.now,
  );
};

/**
 * An emergency disclosure is made without legal process; the process must follow within the configured
 * days. When that time comes the officer who sent it is reminded by mail, and the reminder is audited.
 */
export const remindEmergencyFollowUp: TransactionJob<JobPayload<"emergency.follow_up_due">> = async (
  tx,
  { requestId },
  job,
) => {
  const request = await tx
    .selectFrom("request as r")
    .leftJoin("app_user as u", "u.id", "r.submitted_by")
    .select(["r.reference", "r.status", "r.follow_up_due_at", "u.email"])
    .where("r.id", "=", requestId)
    .executeTakeFirst();
  if (!request || request.status === "withdrawn" || request.status === "rejected") return;
  if (request.email) {
    await enqueueMail(tx, {
      to: request.email,
      subject: `Legal process due for emergency request ${request.reference}`,
      body: [
        `The emergency request ${request.reference} was answered without legal process.`,
        `The follow-up legal process was due by ${request.follow_up_due_at?.toISOString() ?? "now"}.`,
        "Submit it through the portal, citing the same reference.",
      ].join("\n"),
      purpose: "emergency.follow_up_due",
    });
  }
  await appendAudit(
    tx,
    {
      actor: actorOf(JOB_RUNNER),
      action: "reminder.sent",
      objectType: "request",
      objectId: requestId,
      payload: { about: "emergency follow-up legal process", reference: request.reference, to: request.email },
    },
    job.now,
  );
};
