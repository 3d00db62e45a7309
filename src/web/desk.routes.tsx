import { z } from "zod";
import { callbackNumberOf, reviewCallbackNumber } from "../agencies/callback-number.js";
import { may, type Principal } from "../authz/authz.js";
import { isEmergencyOrder } from "../domain/request.schema.js";
import type { Status } from "../domain/vocabulary.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { emergencyPageOf } from "../paging/emergency-page.service.js";
import { ANSWERED, publicationStanding } from "../reports/publication.service.js";
import { viewOf } from "../requests/enforcing-state.service.js";
import { authorizeRequest } from "../requests/request.access.js";
import {
  advanceRequest,
  auditRefusedReviewInput,
  recordEmergencyCallback,
  reviewRequest,
} from "../requests/request.actions.js";
import { assigneeOf, releaseRequest, takeRequest } from "../requests/request.assignment.js";
import {
  countQueueViews,
  getRequest,
  listRequests,
  namesOfIds,
  type QueueWork,
  requestTimeline,
} from "../requests/request.queries.js";
import { checklistProblems, highestRisk, parseChecklist } from "../requests/review.rules.js";
import { isUuid } from "../shared/ids.js";
import { ADVANCE_FORM, CALLBACK_FORM, type RequestView } from "./desk.actions.js";
import { ApprovalCheck } from "./desk.approve.js";
import { PAGE_SIZE, Queue, type QueueQuery, queueQuery } from "./desk.queue.js";
import { RequestPage } from "./desk.request.js";
import { enforcingStatePages } from "./enforcing-state.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { idsIn } from "./in-words.js";
import { resolveJurisdiction } from "./jurisdiction-input.js";
import { noticeText } from "./notices.js";
import { type PublicationView, publicationPages } from "./publication.js";
import { defaultView, type QueueView, viewsFor } from "./queue.views.js";
import { seeOther, sendPage } from "./render.js";
import { checklistFromForm, REVIEW_FORM, reviewFormProblems } from "./review-form.js";

/** The reviewer desk's routes: the queue, and a request with its decision, checklist, approvals and audit trail. */

const idParams = z.strictObject({ id: z.uuid() });
const csrfField = { _csrf: z.string().max(200).optional() };

/** Whether counsel's approval can go to its check page: counsel's, of a decision that discloses, every answer owed given. */
function approvalReady(principal: Principal, r: RequestView, checklist: Record<string, string>): boolean {
  if (!may(principal, "request.approve") || r.status !== "under_review") return false;
  if (r.decision?.outcome !== "comply_full" && r.decision?.outcome !== "comply_partial") return false;
  const risks = r.reviews.filter((v) => v.decisionId === r.decision?.id).map((v) => v.checklist?.humanRightsRisk);
  try {
    return checklistProblems("approve", parseChecklist(checklist), highestRisk(risks)).length === 0;
  } catch {
    return false;
  }
}

export async function deskPages(app: App, context: AppContext): Promise<void> {
  const { db, now, onRejected } = context;
  /** A request's desk page; with a refused form's problems where they belong. */
  const requestPage = async (
    principal: Principal,
    csrf: string | undefined,
    id: string,
    notice: string | undefined,
    failure?: FormFailure,
    posted?: Pick<PublicationView, "preview" | "posted">,
  ) => {
    const r = (await getRequest(db, principal, id)) as RequestView;
    const publication =
      may(principal, "publication.draft") && ANSWERED.includes(r.status)
        ? { ...(await publicationStanding(db, principal, r.id, now())), ...posted }
        : null;
    const entries = may(principal, "request.audit") ? await requestTimeline(db, principal, r.id) : undefined;
    const timeline = entries && {
      entries,
      names: { ...(await namesOfIds(db, principal, idsIn(entries.map((e) => e.details)))), self: r.id },
    };
    const assignee = may(principal, "request.assign") ? await assigneeOf(db, r.id) : null;
    const emergencyPage =
      isEmergencyOrder(r) && may(principal, "emergency.acknowledge")
        ? await emergencyPageOf(db, principal, r.id)
        : null;
    const enforcing = r.regime === "eu_e_evidence" && r.instrument === "epoc" ? await viewOf(db, r.id, now()) : null;
    return (
      <RequestPage
        principal={principal}
        csrf={csrf}
        r={r}
        timeline={timeline}
        notice={noticeText(notice)}
        failure={failure}
        assignee={assignee}
        emergencyPage={emergencyPage}
        enforcing={enforcing}
        publication={publication}
        callbackNumber={
          r.process === "emergency" && may(principal, "request.callback")
            ? await callbackNumberOf(db, { type: "request", id: r.id })
            : undefined
        }
      />
    );
  };

  await publicationPages(app, context, (request, id, { failure, publication }) =>
    requestPage(principalOf(request), pageCsrf(request), id, undefined, failure, publication),
  );

  await enforcingStatePages(app, context, async (request, reply, id, failure) =>
    sendPage(reply, await requestPage(principalOf(request), pageCsrf(request), id, undefined, failure), failure.status),
  );

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
          confirm: z.enum(["yes", "change"]).optional(),
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
      // Counsel's approval is checked on a page of its own before it is recorded; going back keeps the answers.
      if (!request.validationError && b.verdict === "approve" && b.confirm !== "yes") {
        const { confirm: _confirm, _csrf, ...values } = b as Record<string, string | undefined>;
        const sent = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >;
        const csrf = pageCsrf(request);
        if (b.confirm === "change") {
          const back = { form: REVIEW_FORM, problems: [], values: sent, status: 200 };
          return sendPage(reply, await requestPage(principal, csrf, request.params.id, undefined, back));
        }
        const r = (await getRequest(db, principal, request.params.id)) as RequestView;
        if (approvalReady(principal, r, checklistFromForm(b))) {
          return sendPage(reply, <ApprovalCheck principal={principal} csrf={csrf} r={r} values={sent} />);
        }
        // Not ready (an answer missing, nothing to approve): the recording below refuses it, and audits that.
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
      const notice =
        b.verdict === "approve"
          ? outcome.value.status === "approved"
            ? "approved"
            : "approval-recorded"
          : b.verdict === "reject"
            ? "request-rejected"
            : "reviewed";
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=${notice}`);
    },
  );

  app.post(
    "/desk/requests/:id/advance",
    {
      attachValidation: true,
      config: { access: "request.advance", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          to: z.enum(["verifying", "under_review"], {
            error: "Choose whether the requester is verified or still being verified",
          }),
          note: z
            .string({ error: "Say what you checked" })
            .trim()
            .min(1, { error: "Say what you checked" })
            .max(2000, { error: "Say what you checked in 2,000 characters or fewer" }),
          expectedVersion: z.coerce.number().int().min(1).optional(),
        }),
      },
    },
    async (request, reply) => {
      if (request.validationError && !isUuid(request.params.id)) throw request.validationError;
      const principal = principalOf(request);
      const { to, note, expectedVersion } = request.body;
      const outcome = await attemptForm(ADVANCE_FORM, request, () =>
        advanceRequest(db, principal, request.params.id, { to, note, expectedVersion }, now()),
      );
      if (!outcome.ok) {
        const page = await requestPage(principal, pageCsrf(request), request.params.id, undefined, outcome.failure);
        return sendPage(reply, page, outcome.failure.status);
      }
      return seeOther(
        reply,
        `/desk/requests/${request.params.id}?notice=${to === "verifying" ? "verifying" : "advanced"}`,
      );
    },
  );

  app.post(
    "/desk/requests/:id/callback",
    {
      attachValidation: true,
      config: { access: "request.callback", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          confirmed: z.enum(["yes", "no"], { error: "Choose whether the agency confirmed the emergency" }),
          note: z
            .string({ error: "Say who you spoke to and what they said" })
            .trim()
            .min(1, { error: "Say who you spoke to and what they said" })
            .max(2000, { error: "Say it in 2,000 characters or fewer" }),
        }),
      },
    },
    async (request, reply) => {
      if (request.validationError && !isUuid(request.params.id)) throw request.validationError;
      const principal = principalOf(request);
      const outcome = await attemptForm(CALLBACK_FORM, request, () =>
        recordEmergencyCallback(
          db,
          principal,
          request.params.id,
          { confirmed: request.body.confirmed === "yes", note: request.body.note },
          now(),
        ),
      );
      if (!outcome.ok) {
        const page = await requestPage(principal, pageCsrf(request), request.params.id, undefined, outcome.failure);
        return sendPage(reply, page, outcome.failure.status);
      }
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
