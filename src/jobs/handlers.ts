import { expirePreservationHold, remindPreservationExpiry } from "../preservation/preservation.service.js";
import { remindDeadline, remindEmergencyFollowUp } from "../requests/reminders.js";
import type { JobHandler } from "./jobs.js";

/** Every kind of job the system enqueues, and what runs it. */
export const JOB_HANDLERS: Record<string, JobHandler> = {
  "preservation.expire": expirePreservationHold,
  "preservation.remind": remindPreservationExpiry,
  "request.deadline_reminder": remindDeadline,
  "emergency.follow_up_due": remindEmergencyFollowUp,
};
