import type { Config } from "../config.js";
import { purgeProduction } from "../fulfilment/download.service.js";
import { type FulfilmentSettings, fulfilRequestJob } from "../fulfilment/fulfilment.service.js";
import { inTransaction, leased, registerJobs } from "../jobs/jobs.catalogue.js";
import type { JobHandlerTable } from "../jobs/jobs.js";
import { sendDeferredNotice } from "../notices/user-notice.service.js";
import { pageEmergencyJob } from "../paging/emergency-page.service.js";
import { expirePreservationHold, remindPreservationExpiry } from "../preservation/preservation.service.js";
import { remindDeadline, remindEmergencyFollowUp } from "../requests/reminders.js";

/**
 * What runs each kind of job, wired here, above the slices that do the work, so that jobs/ never imports
 * them. The database-only jobs run in the transaction that completes them; fulfilment runs under the
 * lease, outside any transaction. Without fulfilment settings (a master key, the archive store),
 * `request.fulfil` and `production.purge` have no handler and their jobs wait (failing with "no
 * handler") until a process that has one runs them.
 */
export function jobHandlers(
  fulfilment?: FulfilmentSettings,
  paging?: Pick<Config, "pager" | "publicUrl">,
): JobHandlerTable {
  return registerJobs({
    "preservation.expire": inTransaction(expirePreservationHold),
    "preservation.remind": inTransaction(remindPreservationExpiry),
    "request.deadline_reminder": inTransaction(remindDeadline),
    "emergency.follow_up_due": inTransaction(remindEmergencyFollowUp),
    "notice.send": inTransaction(sendDeferredNotice),
    // Without a pager configured the job still runs, and records that nobody was paged, for the desk to say.
    "emergency.page": leased(pageEmergencyJob(paging?.pager, () => paging?.publicUrl ?? "")),
    ...(fulfilment
      ? {
          "request.fulfil": leased(fulfilRequestJob(fulfilment)),
          "production.purge": inTransaction(purgeProduction(fulfilment.archives)),
        }
      : {}),
  });
}

/** The handlers of a configured process. */
export function configuredJobHandlers(config: Config): JobHandlerTable {
  return jobHandlers({ ...config.fulfilment, publicUrl: config.publicUrl }, config);
}
