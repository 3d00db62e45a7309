/**
 * The contract vocabulary (docs/vocabulary.md): legal processes, data categories and their tiers, target types.
 * Everything else refers to these lists; nothing spells a category or a process on its own.
 */

export const PROCESSES = [
  "subpoena",
  "court_order",
  "search_warrant",
  "emergency",
  "preservation",
  "mlat",
  "national_security",
  "informal",
] as const;
export type Process = (typeof PROCESSES)[number];

export const TIERS = ["subscriber", "records", "content"] as const;
export type Tier = (typeof TIERS)[number];

export const CATEGORY_TIER = {
  "subscriber.name": "subscriber",
  "subscriber.email": "subscriber",
  "subscriber.phone": "subscriber",
  "subscriber.ip_address": "subscriber",
  "subscriber.created_at": "subscriber",
  "subscriber.billing": "subscriber",
  "records.ip_logs": "records",
  "records.contacts": "records",
  "records.groups": "records",
  "records.connections": "records",
  "records.last_seen": "records",
  "content.messages": "content",
  "content.posts": "content",
  "content.media": "content",
  "content.location": "content",
} as const satisfies Record<string, Tier>;
export type Category = keyof typeof CATEGORY_TIER;
export const CATEGORIES = Object.keys(CATEGORY_TIER) as unknown as readonly [Category, ...Category[]];

export const TARGET_TYPES = ["account_id", "username", "email", "phone"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const TIER_LABEL: Record<Tier, string> = {
  subscriber: "subscriber records",
  records: "non-content records",
  content: "account contents",
};

/**
 * Compulsory process ordered by the showing it takes to obtain it: a subpoena needs none, a court
 * order (e.g. 2703(d)) needs specific and articulable facts, a search warrant needs probable cause.
 * Whatever a weaker instrument unlocks, a stronger one unlocks too: a tier a policy opens to a
 * subpoena is open to a warrant, and a rule that asks for a court order is met by a warrant (itself
 * a court order). Processes off this ladder (emergency, preservation, mlat, national_security) are
 * different channels, not stronger or weaker, and are only ever matched exactly.
 */
export const PROCESS_LADDER = [
  "informal",
  "subpoena",
  "court_order",
  "search_warrant",
] as const satisfies readonly Process[];

export function processRank(process: Process): number {
  return (PROCESS_LADDER as readonly Process[]).indexOf(process);
}

/** True when a request made under `given` meets a requirement for `required`. */
export function processSatisfies(given: Process, required: Process): boolean {
  if (given === required) return true;
  const g = processRank(given);
  const r = processRank(required);
  return g >= 0 && r >= 0 && g > r;
}

export function tierOf(category: Category): Tier {
  return CATEGORY_TIER[category];
}

export function isCategory(value: string): value is Category {
  return Object.hasOwn(CATEGORY_TIER, value);
}

/** docs/roles.md: who uses Custodian. Every role but `agency` is provider staff and signs in with a second factor. */
export const ROLES = ["agency", "intake", "reviewer", "counsel", "admin", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/** Where a request stands in its lifecycle (docs/lifecycle.md); the moves between them are in requests/lifecycle.ts. */
export const STATUSES = [
  "received",
  "verifying",
  "under_review",
  "approved",
  "rejected",
  "fulfilling",
  "delivered",
  "closed",
  "on_hold",
  "preserved",
  "withdrawn",
] as const;
export type Status = (typeof STATUSES)[number];
