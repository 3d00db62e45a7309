import type { TokenScope } from "../db/schema.js";
import type { Role } from "../domain/vocabulary.js";
import { forbidden, notFound } from "../shared/errors.js";

/**
 * Who may do what to which object (docs/roles.md), in one place. Every route calls `authorize` with the
 * action it performs and, for an object, the agency that owns it; nothing else grants access.
 *
 * An agency officer asking for another agency's object is told it does not exist (404), not that it is
 * forbidden: the answer must not confirm that a request about someone exists.
 */

export interface Principal {
  userId: string;
  email: string;
  role: Role;
  /** Set for agency officers only. */
  agencyId: string | null;
  /** A browser session (second factor passed at sign-in) or an agency system's API token. */
  via: "session" | "token";
  /** What a token may do; a session may do everything its role may. */
  scopes: readonly TokenScope[] | "all";
}

/**
 * Who did something, as the audit trail names them, in one convention: a person by their e-mail address
 * (a Principal, checked against the table below), a process of the system by `system:<part>` (the job
 * runner, intake's own safeguards, the demo), an operator at the command line by `cli:<login>`. Processes
 * and operators are trusted by where they run (the host), not by a role: no table row checks them, and
 * their type says so.
 */
export interface Operator {
  operator: `system:${string}` | `cli:${string}`;
}

export type Caller = Principal | Operator;

/** The job runner, as the audit trail names it. */
export const JOB_RUNNER = { operator: "system:jobs" } as const satisfies Operator;
/** The demo's world and history, seeded through the services. */
export const DEMO = { operator: "system:demo" } as const satisfies Operator;
/** The daily warrant canary, issued or withheld by the background work. */
export const CANARY = { operator: "system:canary" } as const satisfies Operator;

export function actorOf(caller: Caller): string {
  return "operator" in caller ? caller.operator : caller.email;
}

/** A principal must be allowed `action` by the table; an operator acts on the host's authority. */
export function authorizeCaller(caller: Caller, action: Action): void {
  if (!("operator" in caller)) authorize(caller, action);
}

export type Action =
  | "request.submit"
  | "request.list"
  | "request.read"
  | "request.withdraw"
  | "request.advance"
  | "request.callback"
  | "callback.review_number"
  | "request.review"
  | "request.approve"
  | "request.audit"
  | "request.release"
  | "request.assign"
  | "request.correspond"
  | "request.reply"
  | "emergency.acknowledge"
  | "request.record_facts"
  | "request.enforcing_state"
  | "production.download"
  | "jurisdiction.read"
  | "jurisdiction.change"
  | "agency.read"
  | "agency.manage"
  | "user.read"
  | "user.manage"
  | "user.activate"
  | "policy.read"
  | "policy.activate"
  | "audit.verify"
  | "audit.read"
  | "outbox.read"
  | "token.manage"
  | "report.publish"
  | "publication.draft"
  | "publication.approve";

const STAFF_READERS: readonly Role[] = ["intake", "reviewer", "counsel", "auditor"];

/** Which roles may perform each action at all. */
export const PERMISSIONS: Record<Action, readonly Role[]> = {
  "request.submit": ["agency", "intake"],
  "request.list": ["agency", ...STAFF_READERS],
  "request.read": ["agency", ...STAFF_READERS],
  "request.withdraw": ["agency", "intake"],
  // Verifying the requester and the documents is intake's step; reviewers begin where it ends (docs/roles.md).
  "request.advance": ["intake"],
  "request.callback": ["intake", "reviewer", "counsel"],
  // Which number to call when the agency's phone changed after the request or registration arrived.
  "callback.review_number": ["counsel"],
  "request.review": ["reviewer", "counsel"],
  "request.approve": ["counsel"],
  "request.audit": STAFF_READERS,
  // Releasing a request held because its submitter was suspended: the staff who verify requesters.
  "request.release": ["intake", "reviewer", "counsel"],
  // Taking a request to work on it (and letting it go): the staff who act on requests.
  "request.assign": ["intake", "reviewer", "counsel"],
  // Writing to the authority behind a request (acknowledgements, Annex III, notice of production).
  "request.correspond": ["intake", "reviewer", "counsel"],
  // The requesting agency's answer to a clarification the desk asked on Annex III.
  "request.reply": ["agency"],
  // Acknowledging the page an emergency sent: whoever on the desk picks it up (and then makes the call-back).
  "emergency.acknowledge": ["intake", "reviewer", "counsel"],
  // The DSA report's facts on an order (its category, when receipt was confirmed): the staff who handle it.
  "request.record_facts": ["intake", "reviewer", "counsel"],
  // An EU order's enforcing State: its notification and the enforcing authority's answers, as they arrive.
  "request.enforcing_state": ["intake", "reviewer", "counsel"],
  "production.download": ["agency"],
  "jurisdiction.read": ["intake", "reviewer", "counsel", "admin", "auditor"],
  "jurisdiction.change": ["admin"],
  "agency.read": ["agency", "intake", "reviewer", "counsel", "admin", "auditor"],
  "agency.manage": ["admin"],
  // Intake reads users to find the officers waiting for their call-back.
  "user.read": ["intake", "admin", "auditor"],
  "user.manage": ["admin"],
  "user.activate": ["intake", "admin"],
  "policy.read": ["intake", "reviewer", "counsel", "admin", "auditor"],
  "policy.activate": ["admin"],
  "audit.verify": ["admin", "auditor"],
  // The whole trail holds every request's events, which admins do not read (request.audit): auditors only.
  "audit.read": ["auditor"],
  "outbox.read": ["admin", "auditor"],
  "token.manage": ["agency"],
  // Publishing freezes a transparency report as a numbered version (or corrects one): the lawyers sign off
  // what the provider states in public, as they approve what it discloses.
  "report.publish": ["counsel"],
  // A demand published after its gag lifted: legal operations or counsel draft what the public sees, and
  // counsel, never the drafter, approves it (docs/publications.md).
  "publication.draft": ["reviewer", "counsel"],
  "publication.approve": ["counsel"],
};

/** What an API token's scopes let it do; anything else needs a signed-in session. */
const TOKEN_ACTIONS: Partial<Record<Action, TokenScope>> = {
  "request.submit": "requests:write",
  "request.withdraw": "requests:write",
  "request.list": "requests:read",
  "request.read": "requests:read",
};

/** The scope an API token needs for `action`, or undefined when only a signed-in session may perform it. */
export function tokenScopeFor(action: Action): TokenScope | undefined {
  return TOKEN_ACTIONS[action];
}

/** The object an action is on, reduced to what decides access to it. */
export interface Resource {
  /** The agency the object belongs to (a request's, a production's, an agency itself). */
  agencyId: string;
}

export function may(principal: Principal, action: Action, resource?: Resource): boolean {
  if (!PERMISSIONS[action].includes(principal.role)) return false;
  if (principal.via === "token") {
    const scope = TOKEN_ACTIONS[action];
    if (!scope || principal.scopes === "all" || !principal.scopes.includes(scope)) return false;
  }
  if (resource && principal.role === "agency" && resource.agencyId !== principal.agencyId) return false;
  return true;
}

/**
 * Throw unless `principal` may perform `action` (on `resource`). `what` names the object for the error:
 * an officer refused another agency's object gets the same not-found answer as for an object that does
 * not exist.
 */
export function authorize(principal: Principal, action: Action, resource?: Resource, what = "object"): void {
  if (may(principal, action, resource)) return;
  if (resource && principal.role === "agency" && PERMISSIONS[action].includes("agency")) {
    if (resource.agencyId !== principal.agencyId) throw notFound(what);
  }
  if (principal.via === "token" && PERMISSIONS[action].includes(principal.role)) {
    throw forbidden(`an API token may not ${action.replace(".", " ")}; sign in, or use a token with that scope`);
  }
  throw forbidden(`the ${principal.role} role may not ${action.replace(".", " ")}`);
}
