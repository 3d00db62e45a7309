/**
 * What a page says after a form did its work (post, then redirect, then this). Only these fixed texts
 * can be shown: the query parameter picks one, it never carries words onto the page.
 */
const NOTICES: Record<string, string> = {
  submitted: "Request submitted. Its SHA-256 and documents are recorded; what happens next is below.",
  "submitted-emergency":
    "Emergency request submitted. We call your agency's number on file now to confirm it; nothing is disclosed before that call.",
  withdrawn: "Request withdrawn.",
  reviewed: "Review recorded. Counsel decides next: the request is now in counsel's approvals.",
  approved:
    "Disclosure approved. Custodian now collects and packages the data; the officer is told when the production can be downloaded.",
  "approval-recorded": "Approval recorded. Another counsel's approval is still needed before anything is disclosed.",
  "request-rejected": "Request rejected. Nothing is disclosed; the officer sees the rejection on the request.",
  verifying: "Marked as being verified. Record the check again when it is complete to send it for legal review.",
  advanced: "Verified and sent for legal review. A reviewer or counsel picks it up from their queue next.",
  answered: "Answer sent. The time to answer the order runs again from now.",
  taken: "Request taken: it shows as yours in the queue until you let it go.",
  "let-go": "Request let go: anyone on the desk can take it.",
  callback: "Call-back recorded. The request was decided again with the call's result; the next step is shown below.",
  "enforcing-notified":
    "Notification of the enforcing State recorded. Traffic and content data wait until its window closes or it answers.",
  "enforcing-answered": "The enforcing authority's answer recorded. What may leave is shown under Enforcing State.",
  "publication-drafted":
    "Publication drafted. Nothing is public until counsel, someone other than the drafter, approves it.",
  "publication-approved": "Publication approved: the demand is public at /reports/demands as previewed.",
  acknowledged: "Emergency acknowledged: the desk shows it is yours. Make the call-back to verify it.",
  "callback-number-reviewed": "Counsel's review of the changed number recorded; the call-back dials the number chosen.",
  paused: "Jurisdiction paused: its open requests are on hold.",
  resumed: "Jurisdiction resumed: its held requests were decided again.",
  activated: "Policy activated. New requests are decided under it.",
  "agency-created": "Agency registered. Propose its domain and phone; a second admin applies them.",
  proposed: "Change proposed. A second admin must approve it.",
  applied: "Change applied.",
  rejected: "Change rejected.",
  "staff-proposed": "Staff account proposed. A second admin must approve it; its owner is then mailed a setup link.",
  "staff-applied":
    "Staff account approved. Its owner was mailed a one-time link to choose a password and second factor.",
  "staff-rejected": "Staff account proposal rejected.",
  "setup-link-sent": "A new setup link was mailed to the account's owner; the earlier one no longer works.",
  suspended: "Account suspended: its sessions and tokens are revoked.",
  "officer-activated": "Officer activated after the call-back.",
  released: "Hold released: the request can move on again.",
  "released-all": "Every request held for that suspension was released.",
};

export function noticeText(key: string | undefined): string | undefined {
  return key === undefined ? undefined : NOTICES[key];
}
