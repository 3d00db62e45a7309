import type { Config } from "../config.js";
import { purgeProduction } from "../fulfilment/download.service.js";
import { fulfilRequestJob } from "../fulfilment/fulfilment.service.js";
import { sendDeferredNotice } from "../notices/user-notice.service.js";
import { expirePreservationHold, remindPreservationExpiry } from "../preservation/preservation.service.js";
import { remindDeadline, remindEmergencyFollowUp } from "../requests/reminders.js";
import type { JobHandler } from "./jobs.js";

/** Every kind of job the system enqueues that needs no configuration, and what runs it. */
export const JOB_HANDLERS: Record<string, JobHandler> = {
  "preservation.expire": expirePreservationHold,
  "preservation.remind": remindPreservationExpiry,
  "request.deadline_reminder": remindDeadline,
  "production.purge": purgeProduction,
  "notice.send": sendDeferredNotice,
  "emergency.follow_up_due": remindEmergencyFollowUp,
};

/** All handlers, including those that need configuration (fulfilment needs the master key). */
export function jobHandlers(config: Config): Record<string, JobHandler> {
  return {
    ...JOB_HANDLERS,
    "request.fulfil": fulfilRequestJob({ ...config.fulfilment, publicUrl: config.publicUrl }),
  };
}
