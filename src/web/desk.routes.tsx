import { z } from "zod";
import { type CallbackNumber, callbackNumberOf, reviewCallbackNumber } from "../agencies/callback-number.js";
import { may, type Principal } from "../authz/authz.js";
import { processSchema } from "../domain/domain.schema.js";
import { PROCESSES, type Process, STATUSES, type Status } from "../domain/vocabulary.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { countryName } from "../reports/country-names.js";
import { authorizeRequest } from "../requests/request.access.js";
import {
  advanceRequest,
  auditRefusedReviewInput,
  recordEmergencyCallback,
  reviewRequest,
} from "../requests/request.actions.js";
import { releaseRequest, takeRequest } from "../requests/request.assignment.js";
import type { RequestDetailStaff, RequestSummary } from "../requests/request.presenter.js";
import {
  countQueueViews,
  getRequest,
  listRequests,
  type QueueWork,
  requestTimeline,
} from "../requests/request.queries.js";
import { isUuid } from "../shared/ids.js";
import { DAY_MS, HOUR_MS } from "../shared/time.js";
import { CallbackNumberPanel } from "./callback-number.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { CATEGORY_TEXT, PROCESS_TEXT } from "./guide.js";
import { StaffHoldPanel } from "./holds.js";
import { resolveJurisdiction } from "./jurisdiction-input.js";
import { CsrfField, ErrorSummary, Layout, StatusBadge, statusText, When } from "./layout.js";
import { noticeText } from "./notices.js";
import { defaultView, QUEUE_VIEWS, type QueueView, type ViewDefinition, viewsFor } from "./queue.views.js";
import { seeOther, sendPage } from "./render.js";
import { RequestFiled } from "./request-filed.js";
import {
  ChecklistSummary,
  checklistFromForm,
  REVIEW_FORM,
  ReviewForm,
  reviewFormProblems,
  VERDICT_TEXT,
} from "./review-form.js";
import { type Column, WorkTable } from "./table.js";

/** The reviewer desk: the queue, and a request with its decision, checklist, approvals and audit trail. */

const PAGE_SIZE = 50;

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

const queueQuery = z.strictObject({
  view: z.preprocess(emptyToUndefined, z.enum(QUEUE_VIEWS).optional()),
  // A status narrows the view; the old "open" and "all" name views of their own.
  status: z.preprocess(emptyToUndefined, z.enum(["open", "all", ...STATUSES]).optional()),
  // A country's name or a code: resolved on the page, so a name it does not know is said beside the field.
  jurisdiction: z.preprocess(emptyToUndefined, z.string().trim().max(100).optional()),
  process: z.preprocess(emptyToUndefined, processSchema.optional()),
  deadlineBefore: z.preprocess(emptyToUndefined, z.iso.date().optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(["deadline", "received"]).default("deadline")),
  after: z.string().max(200).optional(),
  before: z.string().max(200).optional(),
  notice: z.string().max(40).optional(),
});
type QueueQuery = z.output<typeof queueQuery>;

const idParams = z.strictObject({ id: z.uuid() });
const csrfField = { _csrf: z.string().max(200).optional() };

const ACTION_TEXT: Record<string, string> = {
  disclose: "disclose",
  withhold: "withhold",
  unavailable: "unavailable",
  hold: "hold",
  preserve: "preserve",
};

const shortDate = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const fullDate = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Time left to a deadline in words, and how close it is: overdue, under a day, under three days. */
export function timeLeft(deadline: string | null, now: Date): { text: string; level?: "overdue" | "urgent" | "soon" } {
  if (!deadline) return { text: "no deadline" };
  const ms = new Date(deadline).getTime() - now.getTime();
  const days = Math.floor(Math.abs(ms) / DAY_MS);
  const hours = Math.floor(Math.abs(ms) / HOUR_MS);
  const span = days >= 1 ? `${days} day${days === 1 ? "" : "s"}` : `${hours} hour${hours === 1 ? "" : "s"}`;
  if (ms < 0) return { text: `overdue by ${span}`, level: "overdue" };
  if (ms < DAY_MS) return { text: `${span} left`, level: "urgent" };
  return { text: `${span} left`, ...(ms < 3 * DAY_MS ? { level: "soon" as const } : {}) };
}

/** The queue's address with these filters (and view), without the page's cursor. */
function queueHref(query: QueueQuery, view: QueueView, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ view });
  for (const key of ["status", "jurisdiction", "process", "deadlineBefore"] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (query.sort !== "deadline") params.set("sort", query.sort);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `/desk?${params.toString()}`;
}

function AssigneeCell({
  row,
  principal,
  csrf,
  back,
}: {
  row: RequestSummary;
  principal: Principal;
  csrf: string | undefined;
  back: string;
}) {
  const mine = row.assignee === principal.email;
  const who = mine ? "you" : (row.assignee ?? "nobody");
  if (!may(principal, "request.assign")) return <span class={row.assignee ? undefined : "muted"}>{who}</span>;
  const action = row.assignee ? "let-go" : "take";
  return (
    <form method="post" action={`/desk/requests/${row.id}/${action}`} class="inline-form assignee">
      <CsrfField token={csrf} />
      <input type="hidden" name="back" value={back} />
      <span class={row.assignee ? undefined : "muted"}>{who}</span>{" "}
      <button
        type="submit"
        class="secondary small"
        aria-label={`${row.assignee ? "Let go of" : "Take"} ${row.reference}`}
      >
        {row.assignee ? "Let go" : "Take"}
      </button>
    </form>
  );
}

function Queue({
  principal,
  csrf,
  query,
  view,
  views,
  counts,
  page,
  notice,
  problem,
  jurisdiction,
  now,
}: {
  principal: Principal;
  csrf: string | undefined;
  query: QueueQuery;
  view: QueueView;
  views: Partial<Record<QueueView, ViewDefinition>>;
  counts: Partial<Record<QueueView, number>>;
  page: Awaited<ReturnType<typeof listRequests>>;
  notice: string | undefined;
  /** The jurisdiction typed that names no country, in a sentence. */
  problem: string | undefined;
  jurisdiction: string | undefined;
  now: Date;
}) {
  const here = queueHref(query, view);
  const back = `${here}${query.after ? `&after=${encodeURIComponent(query.after)}` : ""}${query.before ? `&before=${encodeURIComponent(query.before)}` : ""}`;
  const filtered = Boolean(query.jurisdiction || query.process || query.deadlineBefore || query.status);
  const definition = views[view] as ViewDefinition;
  const columns: Column<RequestSummary>[] = [
    {
      header: "Reference",
      rowHeader: true,
      cell: (r) => (
        <>
          <a href={`/desk/requests/${r.id}`}>{r.reference}</a>
          {r.emergency && <span class="badge emergency">emergency</span>}
        </>
      ),
    },
    {
      header: "Agency",
      cell: (r) => (
        <span class="clip" title={r.agencyName}>
          {r.agencyName}
        </span>
      ),
    },
    {
      header: "Jurisdiction",
      cell: (r) => <abbr title={countryName(r.jurisdiction.slice(0, 2))}>{r.jurisdiction}</abbr>,
    },
    { header: "Process", cell: (r) => PROCESS_TEXT[r.process as Process]?.label ?? r.process },
    { header: "Status", cell: (r) => <StatusBadge status={r.status} /> },
    {
      header: "Received",
      cell: (r) => <time datetime={r.receivedAt}>{shortDate.format(new Date(r.receivedAt))}</time>,
    },
    {
      header: "Time left",
      cell: (r) => {
        const left = timeLeft(r.deadlineAt, now);
        return r.deadlineAt ? (
          <span class={`due${left.level ? ` due-${left.level}` : ""}`}>
            <time datetime={r.deadlineAt} title={`Deadline ${fullDate.format(new Date(r.deadlineAt))} UTC`}>
              {left.text}
            </time>
          </span>
        ) : (
          <span class="muted">{left.text}</span>
        );
      },
    },
    { header: "Taken by", cell: (r) => <AssigneeCell row={r} principal={principal} csrf={csrf} back={back} /> },
  ];
  return (
    <Layout
      title={problem ? "Error: Queue" : "Queue"}
      principal={principal}
      csrf={csrf}
      current="/desk"
      notice={notice}
    >
      <h1>Queue</h1>
      <nav aria-label="Queue views">
        <ul class="view-tabs">
          {(Object.entries(views) as [QueueView, ViewDefinition][]).map(([name, v]) => (
            <li key={name}>
              <a class="view-tab" href={queueHref(query, name)} aria-current={name === view ? "page" : undefined}>
                {v.label} <span class="view-count">{(counts[name] ?? 0).toLocaleString("en-US")}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {problem && (
        <ErrorSummary
          problems={[{ path: "jurisdiction", message: problem }]}
          fields={new Set(["jurisdiction"])}
          named={() => ""}
        />
      )}
      <form method="get" action="/desk" class="filters" aria-label="Filter the queue">
        <input type="hidden" name="view" value={view} />
        <div class={problem ? "field invalid" : "field"}>
          <label for="jurisdiction">Country</label>
          <span class="hint" id="jurisdiction-hint">
            Name or code
          </span>
          {problem && (
            <p class="field-error" id="jurisdiction-error">
              <span class="visually-hidden">Error: </span>
              {problem}
            </p>
          )}
          <input
            id="jurisdiction"
            name="jurisdiction"
            value={query.jurisdiction ?? ""}
            size={14}
            aria-describedby={problem ? "jurisdiction-hint jurisdiction-error" : "jurisdiction-hint"}
            aria-invalid={problem ? "true" : undefined}
          />
        </div>
        <div class="field">
          <label for="q-process">Process</label>
          <select id="q-process" name="process">
            <option value="">any</option>
            {PROCESSES.map((p) => (
              <option key={p} value={p} selected={query.process === p}>
                {PROCESS_TEXT[p].label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="q-status">Status</label>
          <select id="q-status" name="status">
            <option value="">any in this view</option>
            {STATUSES.map((s) => (
              <option key={s} value={s} selected={query.status === s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="q-deadline">Deadline before</label>
          <input id="q-deadline" name="deadlineBefore" type="date" value={query.deadlineBefore ?? ""} />
        </div>
        <div class="field">
          <label for="q-sort">Sort by</label>
          <select id="q-sort" name="sort">
            <option value="deadline" selected={query.sort === "deadline"}>
              soonest deadline first
            </option>
            <option value="received" selected={query.sort === "received"}>
              newest arrival first
            </option>
          </select>
        </div>
        <div class="field">
          <button type="submit">Apply</button> {filtered && <a href={`/desk?view=${view}`}>Clear filters</a>}
        </div>
      </form>
      <WorkTable
        class="queue"
        caption={
          <>
            {definition.label}
            {jurisdiction ? `, ${countryName(jurisdiction.slice(0, 2))} (${jurisdiction})` : ""}
            {query.process ? `, ${PROCESS_TEXT[query.process].label}` : ""}
            {query.status ? `, ${query.status.replace("_", " ")}` : ""}
            {`: ${(counts[view] ?? 0).toLocaleString("en-US")} ${filtered ? "matching " : ""}request${counts[view] === 1 ? "" : "s"}, ${query.sort === "deadline" ? "soonest deadline" : "newest"} first`}
          </>
        }
        columns={columns}
        rows={page.items}
        rowKey={(r) => r.id}
        rowClass={(r) => (r.emergency ? "emergency" : undefined)}
        empty={
          filtered ? (
            <>
              Nothing matches these filters. <a href={`/desk?view=${view}`}>Clear the filters</a>
              {view !== "all" && (
                <>
                  {" "}
                  or <a href={queueHref(query, "all")}>look in all requests</a>
                </>
              )}
              .
            </>
          ) : (
            <>Nothing here{view === "mine" ? ": nothing needs your action now" : ""}.</>
          )
        }
      />
      <nav aria-label="Pages" class="pager">
        {(query.after || query.before) && <a href={here}>First page</a>}
        {page.previous && <a href={`${here}&before=${encodeURIComponent(page.previous)}`}>Previous page</a>}
        {page.next && <a href={`${here}&after=${encodeURIComponent(page.next)}`}>Next page</a>}
      </nav>
    </Layout>
  );
}

/** The staff view of a request (an officer's view has no decision, reviews or call-backs). */
type RequestView = RequestDetailStaff;

function ApprovalPanel({ r }: { r: RequestView }) {
  const decision = r.decision;
  if (!decision) return null;
  const current = r.reviews.filter((v) => v.decisionId === decision.id);
  const recommended = current.filter((v) => v.verdict === "recommend_approve");
  const approved = current.filter((v) => v.verdict === "approve");
  const steps = decision.needsReview
    ? [
        {
          label: "A reviewer recommends approval",
          done: recommended.map((v) => v.reviewer),
        },
        {
          label: "Counsel approves (someone other than the reviewer)",
          done: approved.map((v) => v.reviewer),
        },
      ]
    : [{ label: "Counsel approves", done: approved.map((v) => v.reviewer) }];
  return (
    <section aria-labelledby="approval-h">
      <h2 id="approval-h">{decision.needsReview ? "Two-person approval" : "Approval"}</h2>
      {decision.needsReview && (
        <ul>
          {decision.reviewReasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <ol class="steps">
        {steps.map((step) => (
          <li key={step.label} class={step.done.length > 0 ? "done" : "pending"}>
            {step.label}:{" "}
            {step.done.length > 0 ? <strong>done by {step.done.join(", ")}</strong> : <span>waiting</span>}
          </li>
        ))}
      </ol>
      {current.length > 0 && (
        <table>
          <caption>Reviews of the decision in force</caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Verdict</th>
              <th scope="col">Checklist</th>
              <th scope="col">Note</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {current.map((v) => (
              <tr key={`${v.reviewer}${v.createdAt}`}>
                <th scope="row">{v.reviewer}</th>
                <td>{VERDICT_TEXT[v.verdict]}</td>
                <td>
                  <ChecklistSummary value={v.checklist} />
                </td>
                <td>{v.note ?? ""}</td>
                <td>
                  <When at={v.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RequestPage({
  principal,
  csrf,
  r,
  timeline,
  notice,
  callbackNumber,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  failure?: FormFailure | undefined;
  r: RequestView;
  timeline: Awaited<ReturnType<typeof requestTimeline>> | undefined;
  callbackNumber: CallbackNumber | undefined;
  notice: string | undefined;
}) {
  const decision = r.decision;
  const humanRights = decision?.humanRightsReview === true;
  const canReview = may(principal, "request.review") && r.status === "under_review";
  const canApprove = may(principal, "request.approve");
  const canAdvance = may(principal, "request.advance") && (r.status === "received" || r.status === "verifying");
  const isEmergency = r.process === "emergency";
  const canCallback =
    isEmergency &&
    may(principal, "request.callback") &&
    ["received", "verifying", "under_review"].includes(r.status) &&
    !r.emergency?.verified &&
    Boolean(callbackNumber?.dial);
  return (
    <Layout title={r.reference} principal={principal} csrf={csrf} notice={notice}>
      <p>
        <a href="/desk">← Queue</a>
      </p>
      <h1>
        {r.reference} <StatusBadge status={r.status} />
      </h1>
      <p class="lead">{statusText(r.status)}</p>
      <StaffHoldPanel principal={principal} csrf={csrf} requestId={r.id} hold={r.staffHold} />
      <div class="columns">
        <div>
          <RequestFiled r={r} humanRights={humanRights} />
          {r.emergency && (
            <div class="warning">
              <h3>Emergency</h3>
              <p>{r.emergency.justification}</p>
              <p>
                {r.emergency.verified
                  ? "Verified by a call-back to the agency's number on file."
                  : "Not verified: nothing is disclosed until a call-back to the agency's number on file confirms it."}
              </p>
              {r.callbacks.map((c) => (
                <p key={c.madeAt} class="muted">
                  {c.madeBy} called {c.calledNumber}: {c.outcome} — {c.note} (<When at={c.madeAt} />)
                </p>
              ))}
              {callbackNumber && !r.emergency.verified && (
                <CallbackNumberPanel
                  state={callbackNumber}
                  principal={principal}
                  csrf={csrf}
                  reviewAction={`/desk/requests/${r.id}/callback-number/review`}
                  idPrefix="f-cbn"
                />
              )}
            </div>
          )}
          <h3>Documents</h3>
          <ul>
            {r.documents.map((d) => (
              <li key={d.position}>
                {d.stored ? <a href={`/api/v1/requests/${r.id}/documents/${d.position}`}>{d.name}</a> : d.name}{" "}
                <span class="muted mono">{d.sha256.slice(0, 16)}…</span>
              </li>
            ))}
            {r.documents.length === 0 && <li>None.</li>}
          </ul>
        </div>
        <section aria-labelledby="actions-h">
          <h2 id="actions-h">Actions</h2>
          {canAdvance && (
            <form method="post" action={`/desk/requests/${r.id}/advance`} class="card">
              <CsrfField token={csrf} />
              <input type="hidden" name="expectedVersion" value={String(r.version)} />
              <fieldset>
                <legend>Verify the requester</legend>
                <div class="field">
                  <label for="f-advance-to">Move to</label>
                  <select id="f-advance-to" name="to">
                    {r.status === "received" && <option value="verifying">verifying</option>}
                    <option value="under_review">under review (requester verified)</option>
                  </select>
                </div>
                <div class="field">
                  <label for="f-advance-note">What was checked</label>
                  <input id="f-advance-note" name="note" required maxLength={2000} />
                </div>
                <button type="submit">Move on</button>
              </fieldset>
            </form>
          )}
          {canCallback && (
            <form method="post" action={`/desk/requests/${r.id}/callback`} class="card">
              <CsrfField token={csrf} />
              <fieldset>
                <legend>
                  Emergency call-back to <span class="mono">{callbackNumber?.dial}</span>, the agency's number on file
                  when the request arrived
                </legend>
                <p class="choice">
                  <input type="radio" id="f-cb-yes" name="confirmed" value="yes" required />
                  <label for="f-cb-yes">The agency confirmed the emergency</label>
                </p>
                <p class="choice">
                  <input type="radio" id="f-cb-no" name="confirmed" value="no" />
                  <label for="f-cb-no">Not confirmed</label>
                </p>
                <div class="field">
                  <label for="f-cb-note">Who you spoke to, what they said</label>
                  <input id="f-cb-note" name="note" required maxLength={2000} />
                </div>
                <button type="submit">Record the call-back</button>
              </fieldset>
            </form>
          )}
          {canReview && (
            <ReviewForm
              action={`/desk/requests/${r.id}/review`}
              csrf={csrf}
              canApprove={canApprove}
              humanRights={humanRights}
              jurisdiction={r.jurisdiction}
              failure={failure}
            />
          )}
          {!canAdvance && !canCallback && !canReview && (
            <p class="muted">Nothing for you to do on this request in its present state.</p>
          )}
        </section>
      </div>

      {decision && (
        <section aria-labelledby="decision-h">
          <h2 id="decision-h">
            Decision: {decision.outcome.replace("_", " ")}{" "}
            <span class="muted">
              under {decision.policy.name} {decision.policy.version}, {decision.cause}, <When at={decision.decidedAt} />
            </span>
          </h2>
          <table class="decision">
            <caption>Each account × category, with the policy line that decided it</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Category</th>
                <th scope="col">Action</th>
                <th scope="col">Reason</th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {(decision.items as unknown as Array<Record<string, string>>).map((item) => (
                <tr key={`${item.target}${item.category}`} class={`action-${item.action}`}>
                  <th scope="row">{item.target}</th>
                  <td>
                    {CATEGORY_TEXT[item.category as keyof typeof CATEGORY_TEXT] ?? item.category}{" "}
                    <code>{item.category}</code>
                  </td>
                  <td>
                    <span class={`badge action-${item.action}`}>{ACTION_TEXT[item.action ?? ""] ?? item.action}</span>
                  </td>
                  <td>{item.reason}</td>
                  <td>
                    <code>{item.rule}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <ApprovalPanel r={r} />
      {timeline && (
        <section aria-labelledby="timeline-h">
          <h2 id="timeline-h">Audit timeline</h2>
          <table>
            <caption>Every event recorded about this request, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {timeline.map((e) => (
                <tr key={e.id}>
                  <td>
                    <When at={e.at} />
                  </td>
                  <td>{e.actor}</td>
                  <th scope="row">{e.action}</th>
                  <td class="details">{summarize(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Layout>
  );
}

function summarize(details: unknown): string {
  if (!details || typeof details !== "object") return "";
  return Object.entries(details as Record<string, unknown>)
    .filter(([key]) => !["decisionId", "reviewId", "callbackId"].includes(key))
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join("; ");
}

export async function deskPages(app: App, { db, now, onRejected }: AppContext): Promise<void> {
  /** A request's desk page; with a refused form's problems where they belong. */
  const requestPage = async (
    principal: Principal,
    csrf: string | undefined,
    id: string,
    notice: string | undefined,
    failure?: FormFailure,
  ) => {
    const r = (await getRequest(db, principal, id)) as RequestView;
    const timeline = may(principal, "request.audit") ? await requestTimeline(db, principal, r.id) : undefined;
    return (
      <RequestPage
        principal={principal}
        csrf={csrf}
        r={r}
        timeline={timeline}
        notice={noticeText(notice)}
        failure={failure}
        callbackNumber={
          r.process === "emergency" && may(principal, "request.callback")
            ? await callbackNumberOf(db, { type: "request", id: r.id })
            : undefined
        }
      />
    );
  };

  app.get(
    "/desk",
    { config: { access: "request.list", page: true }, schema: { hide: true, querystring: queueQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === "agency") return seeOther(reply, "/portal");
      const q = request.query;
      const views = viewsFor(principal);
      // The old links: status=open and status=all are views; another status narrows the view it is in.
      const named = q.status === "open" || q.status === "all" ? q.status : undefined;
      const asked = q.view ?? named ?? (q.status ? "all" : defaultView(principal));
      const view: QueueView = views[asked] ? asked : defaultView(principal);
      const query: QueueQuery = { ...q, status: named ? undefined : q.status };
      const resolved = q.jurisdiction ? resolveJurisdiction(q.jurisdiction) : undefined;
      const problem = resolved && "problem" in resolved ? resolved.problem : undefined;
      const jurisdiction = resolved && "code" in resolved ? resolved.code : undefined;
      const filter = {
        jurisdiction,
        process: q.process,
        // "Before" a day means before that day starts, in UTC.
        deadlineBefore: q.deadlineBefore ? new Date(`${q.deadlineBefore}T00:00:00Z`) : undefined,
      };
      const narrowed = Object.fromEntries(
        Object.entries(views).map(([name, v]) => [
          name,
          {
            status: query.status ? (v.status ?? [query.status]).filter((s) => s === query.status) : v.status,
            work: v.work,
          },
        ]),
      ) as Record<QueueView, { status?: Status[]; work?: QueueWork }>;
      // A country it does not know filters nothing: the page says so beside the field, and shows no rows.
      const counts = problem ? {} : await countQueueViews(db, principal, narrowed, filter);
      const current = narrowed[view];
      // A status outside the view (held requests asked for in "Open") leaves the view empty.
      const page =
        problem || current.status?.length === 0
          ? { items: [], next: null, previous: null }
          : await listRequests(db, principal, {
              ...filter,
              status: current.status,
              work: current.work,
              sort: q.sort,
              limit: PAGE_SIZE,
              after: q.after,
              before: q.before,
            });
      return sendPage(
        reply,
        <Queue
          principal={principal}
          csrf={pageCsrf(request)}
          query={query}
          view={view}
          views={views}
          counts={counts}
          page={page}
          notice={noticeText(q.notice)}
          problem={problem}
          jurisdiction={jurisdiction}
          now={now()}
        />,
        problem ? 400 : 200,
      );
    },
  );

  app.get(
    "/desk/requests/:id",
    {
      config: { access: "request.read", page: true },
      schema: { hide: true, params: idParams, querystring: z.strictObject({ notice: z.string().max(40).optional() }) },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === "agency") {
        // Checked before redirecting, so another agency's request is the same 404 here as in the portal.
        await authorizeRequest(db, principal, "request.read", request.params.id);
        return seeOther(reply, `/portal/requests/${request.params.id}`);
      }
      return sendPage(reply, await requestPage(principal, pageCsrf(request), request.params.id, request.query.notice));
    },
  );

  const optionalField = (max: number) => z.string().max(max).optional();
  app.post(
    "/desk/requests/:id/review",
    {
      attachValidation: true,
      config: { access: "request.review", page: true },
      schema: {
        hide: true,
        params: idParams,
        // The checklist's answers go through as sent: the review checks them (review.rules.ts) and audits a refusal.
        body: z.strictObject({
          ...csrfField,
          verdict: z.enum(["recommend_approve", "recommend_reject", "approve", "reject"], {
            error: "choose a verdict",
          }),
          legality: optionalField(20),
          legalityNote: optionalField(2000),
          necessityAndProportionality: optionalField(20),
          necessityAndProportionalityNote: optionalField(2000),
          dueProcess: optionalField(20),
          dueProcessNote: optionalField(2000),
          humanRightsRisk: optionalField(20),
          humanRightsRiskNote: optionalField(4000),
          note: optionalField(4000),
        }),
      },
    },
    async (request, reply) => {
      // A malformed address has no page to come back to.
      if (request.validationError && !isUuid(request.params.id)) throw request.validationError;
      const principal = principalOf(request);
      const b = request.body;
      if (request.validationError) {
        await auditRefusedReviewInput(db, principal, request.params.id, request.validationError, now());
      }
      const outcome = await attemptForm(REVIEW_FORM, request, () =>
        reviewRequest(
          db,
          principal,
          request.params.id,
          { verdict: b.verdict, checklist: checklistFromForm(b), note: b.note?.trim() || undefined },
          onRejected,
          now(),
        ),
      );
      if (!outcome.ok) {
        const failure = { ...outcome.failure, problems: reviewFormProblems(outcome.failure.problems) };
        const page = await requestPage(principal, pageCsrf(request), request.params.id, undefined, failure);
        return sendPage(reply, page, failure.status);
      }
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=reviewed`);
    },
  );

  app.post(
    "/desk/requests/:id/advance",
    {
      config: { access: "request.advance", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          to: z.enum(["verifying", "under_review"]),
          note: z.string().trim().min(1).max(2000),
          expectedVersion: z.coerce.number().int().min(1).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { to, note, expectedVersion } = request.body;
      await advanceRequest(db, principalOf(request), request.params.id, { to, note, expectedVersion }, now());
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=advanced`);
    },
  );

  app.post(
    "/desk/requests/:id/callback",
    {
      config: { access: "request.callback", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          confirmed: z.enum(["yes", "no"]),
          note: z.string().trim().min(1).max(2000),
        }),
      },
    },
    async (request, reply) => {
      await recordEmergencyCallback(
        db,
        principalOf(request),
        request.params.id,
        { confirmed: request.body.confirmed === "yes", note: request.body.note },
        now(),
      );
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=callback`);
    },
  );

  // Take or let go of a request, from the queue or the request's page, and go back where the button was.
  const backTo = z
    .string()
    .max(2000)
    .regex(/^\/desk(\?[^\s]*|\/requests\/[0-9a-f-]{36})?$/, { error: "must be a page of the desk" })
    .optional();
  for (const [action, act, notice] of [
    ["take", takeRequest, "taken"],
    ["let-go", releaseRequest, "let-go"],
  ] as const) {
    app.post(
      `/desk/requests/:id/${action}`,
      {
        config: { access: "request.assign", page: true },
        schema: { hide: true, params: idParams, body: z.strictObject({ ...csrfField, back: backTo }) },
      },
      async (request, reply) => {
        await act(db, principalOf(request), request.params.id, now());
        const back = request.body.back ?? `/desk/requests/${request.params.id}`;
        return seeOther(reply, `${back}${back.includes("?") ? "&" : "?"}notice=${notice}`);
      },
    );
  }

  app.post(
    "/desk/requests/:id/callback-number/review",
    {
      config: { access: "callback.review_number", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          dial: z.enum(["on_record", "on_file"]),
          note: z.string().trim().min(1).max(2000),
        }),
      },
    },
    async (request, reply) => {
      const { dial, note } = request.body;
      await reviewCallbackNumber(
        db,
        principalOf(request),
        { type: "request", id: request.params.id },
        { dial, note },
        now(),
      );
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=callback-number-reviewed`);
    },
  );
}
