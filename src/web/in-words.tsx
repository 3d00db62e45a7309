import type { ComponentChildren } from "preact";
import type { AuditAction } from "../audit/audit.events.js";
import { CATEGORIES, CATEGORY_LABEL, isCategory, PROCESSES, type Process } from "../domain/vocabulary.js";
import { PROCESS_TEXT } from "./guide.js";

/**
 * What the pages show of records written for machines, in words a person reads: a decision's reasons with
 * the categories' and processes' labels instead of their codes, and an audit entry (its action and its
 * details) with the requests and agencies it names by id called by their reference and name. Reasons are
 * put into words where they are shown, not where they are decided: the engine's sentences are what the API
 * and the CLI answer, and the decisions already stored keep the codes they were written with.
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// Longest first, so that no code stops at a shorter one; a code is a whole word (not part of a rule's id
// such as terror-court-order, nor of a policy path such as dataMap.content.messages.e2ee).
const CODES = new RegExp(
  `(?<![\\w.-])(${[...CATEGORIES, ...PROCESSES]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join("|")})(?![\\w-]|\\.\\w)`,
  "g",
);

function processWords(process: Process): string {
  return process === "mlat" ? "MLAT" : PROCESS_TEXT[process].label.toLowerCase();
}

/** A decision's reason with labels: "“Messages” is end-to-end encrypted …", "search warrant unlocks …". */
export function reasonInWords(reason: string): string {
  return reason.replace(CODES, (code) =>
    isCategory(code) ? `“${CATEGORY_LABEL[code]}”` : processWords(code as Process),
  );
}

/** Every action of the audit catalogue, in words (the compiler holds this to audit.events.ts). */
export const ACTION_TEXT: Record<AuditAction, string> = {
  "request.received": "Request received",
  "request.recorded": "Request recorded (imported)",
  "request.decided": "Request decided by the policy",
  "request.transitioned": "Request moved on",
  "request.reviewed": "Review recorded",
  "request.assigned": "Request taken",
  "request.released": "Request let go",
  "request.hold_placed": "Request held for review (account suspended)",
  "request.hold_released": "Review hold released",
  "request.message_sent": "Form sent to the authority",
  "request.message_received": "Answer received from the authority",
  "emergency.paged": "Emergency paged to the on-call person",
  "emergency.page_failed": "Emergency page failed",
  "emergency.page_acknowledged": "Emergency page acknowledged",
  "request.receipt_confirmed": "Receipt confirmed to the authority",
  "request.category_recorded": "Category of illegal content recorded",
  "request.enforcing_notified": "Enforcing State notified",
  "request.enforcing_answered": "Enforcing authority's answer recorded",
  "jurisdiction.status_changed": "Jurisdiction paused, refused or resumed",
  "policy.activated": "Policy activated",
  "agency.created": "Agency registered",
  "preservation.created": "Preservation hold placed",
  "preservation.extended": "Preservation hold extended",
  "preservation.expired": "Preservation hold expired",
  "preservation.released": "Preservation hold released (its production was delivered)",
  "preservation.confirmed": "Preservation confirmed on Annex V: kept until production",
  "reminder.sent": "Reminder sent",
  "production.started": "Fulfilment started",
  "production.sealed": "Production sealed",
  "production.failed": "Production failed",
  "production.refused": "Production refused (waits for the enforcing State)",
  "production.downloaded": "Production downloaded",
  "production.download_refused": "Download refused",
  "production.purged": "Production purged",
  "production.key_rewrapped": "Production key re-wrapped",
  "production.opened": "Production opened by staff",
  "production.archive_damaged": "Production archive missing or altered",
  "notice.scheduled": "User notice scheduled",
  "notice.queued": "User notice queued",
  "notice.not_possible": "User notice not possible",
  "publication.drafted": "Publication drafted",
  "publication.approved": "Publication approved",
  "notice.left_to_authority": "User notice left to the issuing authority",
  "user.created": "Account created",
  "user.registered": "Officer registered",
  "user.email_confirmed": "E-mail confirmed",
  "user.totp_enrolled": "Second factor enrolled",
  "user.activated": "Account activated",
  "user.suspended": "Account suspended",
  "user.flagged": "Account flagged (emergency flood)",
  "user.setup_link_sent": "Setup link sent",
  "user.setup_opened": "Setup link opened",
  "user.setup_completed": "Account set up by its owner",
  "user.reinstated": "Suspended account brought back (to be set up again)",
  "user.change_proposed": "Staff account proposed",
  "user.change_applied": "Staff account approved by a second admin",
  "user.change_rejected": "Staff account proposal rejected",
  "session.created": "Signed in",
  "session.refused": "Sign-in refused",
  "session.revoked": "Signed out or session revoked",
  "token.created": "API token created",
  "token.revoked": "API token revoked",
  "callback.recorded": "Call-back recorded",
  "callback.number_reviewed": "Changed call-back number reviewed by counsel",
  "agency.change_proposed": "Agency change proposed",
  "agency.change_applied": "Agency change applied",
  "agency.change_rejected": "Agency change rejected",
  "security.refused": "Refused for security",
  "canary.issued": "Warrant canary issued",
  "canary.withheld": "Warrant canary withheld (a statement no longer holds)",
  "report.published": "Transparency report published (a numbered version, or a correction)",
};

export function actionText(action: string): string {
  return ACTION_TEXT[action as AuditAction] ?? action;
}

/** The requests (by reference) and agencies (by name) a page's audit entries name by id; `self`: the request the page is about. */
export interface Names {
  requests: ReadonlyMap<string, string>;
  agencies: ReadonlyMap<string, string>;
  self?: string | undefined;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every id (UUID) the details of these entries hold, in values and inside sentences (a refusal's reason). */
export function idsIn(details: readonly unknown[]): string[] {
  const ids = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") for (const m of value.matchAll(UUID)) ids.add(m[0].toLowerCase());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  details.forEach(walk);
  return [...ids];
}

function named(id: string, names: Names): boolean {
  const key = id.toLowerCase();
  return key === names.self || names.requests.has(key) || names.agencies.has(key);
}

/** A sentence or value with the ids it names replaced: this request, another by its reference (a link), an agency by name. */
function Text({ text, names }: { text: string; names: Names }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(/(\brequest )?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/gi)) {
    const index = m.index ?? 0;
    parts.push(text.slice(last, index));
    const id = (m[2] as string).toLowerCase();
    const reference = names.requests.get(id);
    const agency = names.agencies.get(id);
    if (id === names.self) parts.push("this request");
    else if (reference !== undefined)
      parts.push(
        <>
          {m[1] ?? "request "}
          <a href={`/desk/requests/${id}`}>{reference}</a>
        </>,
      );
    else if (agency !== undefined) parts.push(agency);
    else parts.push(m[0]);
    last = index + m[0].length;
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}

function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ");
}

function Value({ value, names }: { value: unknown; names: Names }): ComponentChildren {
  if (value === null || value === undefined) return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return isCategory(value) ? CATEGORY_LABEL[value] : <Text text={value} names={names} />;
  if (Array.isArray(value)) {
    if (value.length === 0) return "none";
    const parts: ComponentChildren[] = [];
    for (const [i, v] of value.entries()) parts.push(i > 0 ? ", " : "", <Value value={v} names={names} />);
    return parts;
  }
  if (typeof value === "object") {
    const parts: ComponentChildren[] = [];
    for (const [i, [k, v]] of Object.entries(value as Record<string, unknown>).entries()) {
      parts.push(i > 0 ? "; " : "", `${words(k)}: `, <Value value={v} names={names} />);
    }
    return parts;
  }
  return String(value);
}

/**
 * An entry's payload as labelled lines, not JSON. A field holding an id is called by what it names ("agency:
 * Federal Bureau of Investigation"); with `hideUnnamed`, one whose id names nothing a person could look up
 * (a decision's, a review's, a mail's) is left out, as on a request's own timeline.
 */
export function DetailsInWords({
  details,
  names,
  hideUnnamed = false,
}: {
  details: Record<string, unknown>;
  names: Names;
  hideUnnamed?: boolean;
}) {
  const entries = Object.entries(details).flatMap(([key, value]): Array<[string, unknown]> => {
    const id = typeof value === "string" && /^[0-9a-f-]{36}$/i.test(value) ? value : undefined;
    if (id === undefined) return [[words(key), value]];
    if (named(id, names)) return [[words(key.replace(/Id$/, "")), value]];
    return hideUnnamed ? [] : [[words(key), value]];
  });
  if (entries.length === 0) return <span class="muted">nothing more</span>;
  return (
    <dl class="details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>
            <Value value={value} names={names} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
