import type { Config } from "../config.js";
import { type NoticeSettings, scheduleUserNotices } from "../notices/user-notice.service.js";
import type { RejectionListener } from "../requests/reviews.service.js";

/**
 * What follows a rejection, wired here, above the slices, so that reviews never import the stages after
 * them: the affected users are told now, or when a non-disclosure order or the emergency delay is over,
 * in the rejecting transaction.
 */
export function rejectionNotices(settings: NoticeSettings): RejectionListener {
  return async (tx, { requestId, actor, now }) => {
    await scheduleUserNotices(tx, { requestId, kind: "rejected", actor, now, settings });
  };
}

/** The listener of a configured process (config.fulfilment.emergencyNoticeDelayDays). */
export function configuredRejectionNotices(config: Pick<Config, "fulfilment">): RejectionListener {
  return rejectionNotices({ emergencyDelayDays: config.fulfilment.emergencyNoticeDelayDays });
}
