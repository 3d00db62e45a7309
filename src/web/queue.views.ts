import type { Principal } from "../authz/authz.js";
import type { Role, Status } from "../domain/vocabulary.js";
import type { QueueWork } from "../requests/request.queries.js";

/**
 * The queue's views. Each member of staff lands on the work that is theirs to do now ("needs my action":
 * intake verifies and calls back; reviewers recommend; counsel approves), with what they have taken, the
 * open requests, the held ones (a paused jurisdiction's, which no one can act on until it resumes) and
 * everything a tab away, each with its count.
 */
export const QUEUE_VIEWS = ["mine", "taken", "open", "held", "all"] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];

export interface ViewDefinition {
  label: string;
  status?: Status[];
  work?: QueueWork;
}

/** Open and not held: the statuses someone still has work on. */
const WORKING: Status[] = ["received", "verifying", "under_review", "approved", "fulfilling", "preserved"];

const MINE: Partial<Record<Role, ViewDefinition>> = {
  intake: { label: "Needs my action: verification and call-backs", status: ["received", "verifying"] },
  reviewer: { label: "Needs my action: reviews", status: ["under_review"], work: { kind: "recommendation" } },
  counsel: { label: "Needs my action: approvals", status: ["under_review"], work: { kind: "approval" } },
};

/** The views a member of staff is offered, in the order of the tabs. */
export function viewsFor(principal: Principal): Partial<Record<QueueView, ViewDefinition>> {
  const mine = MINE[principal.role];
  const acts = mine !== undefined;
  return {
    ...(mine ? { mine } : {}),
    ...(acts
      ? { taken: { label: "Taken by me", status: WORKING, work: { kind: "assignee", userId: principal.userId } } }
      : {}),
    open: { label: "Open", status: WORKING },
    held: { label: "Held (jurisdiction paused)", status: ["on_hold"] },
    all: { label: "All" },
  };
}

export function defaultView(principal: Principal): QueueView {
  return MINE[principal.role] ? "mine" : "open";
}
