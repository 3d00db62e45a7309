import { appendAudit } from "../audit/audit.js";
import type { JobHandler } from "../jobs/jobs.js";

const OPEN: readonly string[] = ["received", "verifying", "under_review", "approved"];

/** A request still open as its answer deadline approaches: the desk is reminded (audited; mailed later). */
export const remindDeadline: JobHandler = async (tx, payload, job) => {
  const requestId = String(payload.requestId);
  const request = await tx
    .selectFrom("request")
    .select(["status", "deadline_at", "reference"])
    .where("id", "=", requestId)
    .executeTakeFirst();
  if (!request || !OPEN.includes(request.status)) return;
  await appendAudit(
    tx,
    {
      actor: "system:jobs",
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
