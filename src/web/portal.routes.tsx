import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { listAgencies } from "../agencies/agencies.service.js";
import { callbackNumberOf } from "../agencies/callback-number.js";
import type { Principal } from "../authz/authz.js";
import { listMessages } from "../correspondence/correspondence.service.js";
import { parseRequestDocument } from "../domain/request.schema.js";
import { DownloadRefused } from "../fulfilment/download.service.js";
import { downloadedRequests, listProductions, requestOfProduction } from "../fulfilment/productions.queries.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { problemFor } from "../http/problem.js";
import { sendProductionDownload } from "../http/replies.js";
import { pageCsrf } from "../http/session.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { discardUnlinkedBlobs } from "../requests/documents.store.js";
import { submitRequest, withdrawRequest } from "../requests/request.actions.js";
import { getRequest, listRequests } from "../requests/request.queries.js";
import { isUuid } from "../shared/ids.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import { alreadyDownloaded, ErrorPage } from "./error-pages.js";
import { inSentences } from "./form-sentences.js";
import { attemptForm, documentStore, type FormFailure, readMultipartForm } from "./forms.js";
import { guideFor } from "./guide.js";
import { Layout, StatusBadge, statusText, When } from "./layout.js";
import { noticeText } from "./notices.js";
import { RequestForm } from "./portal.form.js";
import { PortalRequestPage, WithdrawConfirmPage } from "./portal.request.js";
import { seeOther, sendPage } from "./render.js";
import {
  documentFromForm,
  emptySubmissionForm,
  formPath,
  formProblems,
  readSubmissionForm,
  type SubmissionForm,
} from "./submission.form.js";

/** The agency portal: an officer's requests, the request form (docs/request.md) and each request's status. */

const PAGE_SIZE = 25;

const FINISHED: readonly string[] = ["delivered", "closed", "rejected", "withdrawn"];

const idParams = z.strictObject({ id: z.uuid() });
const noticeQuery = z.strictObject({ notice: z.string().max(40).optional(), after: z.string().max(200).optional() });

/** What the request document's own check finds wrong, at the form's fields. */
function documentProblems(document: unknown, form: SubmissionForm): Problem[] {
  try {
    parseRequestDocument(document);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p) => ({ ...p, path: formPath(p.path, form) }));
  }
}

export async function portalPages(app: App, context: AppContext): Promise<void> {
  const { db, config, now } = context;
  const guide = async (jurisdiction: string) => {
    const policy = await db.transaction().execute((tx) => loadPolicyInForce(tx));
    return guideFor(policy.compiled, /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(jurisdiction) ? jurisdiction : "*");
  };
  const agencyOf = async (principal: Principal) => {
    if (!principal.agencyId) return undefined;
    return (await listAgencies(db, principal))[0];
  };

  app.get(
    "/portal",
    { config: { access: "request.submit", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== "agency") return seeOther(reply, "/desk");
      const agency = await agencyOf(principal);
      const page = await listRequests(db, principal, { limit: PAGE_SIZE, after: request.query.after });
      const downloaded = await downloadedRequests(
        db,
        principal,
        page.items.filter((r) => r.status === "delivered").map((r) => r.id),
      );
      return sendPage(
        reply,
        <Layout
          title="My requests"
          principal={principal}
          csrf={pageCsrf(request)}
          current="/portal"
          notice={noticeText(request.query.notice)}
        >
          <h1>Requests from {agency?.name ?? "your agency"}</h1>
          <p>
            <a class="button" href="/portal/requests/new">
              New request
            </a>
          </p>
          <table class="cards">
            <caption>Your agency's requests, soonest deadline first</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Process</th>
                <th scope="col">Status</th>
                <th scope="col">Received</th>
                <th scope="col">Deadline</th>
              </tr>
            </thead>
            <tbody>
              {page.items.length === 0 && (
                <tr>
                  <td colSpan={5}>No requests yet.</td>
                </tr>
              )}
              {page.items.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={`/portal/requests/${r.id}`}>{r.reference}</a>
                  </th>
                  <td data-label="Process">{r.process.replace("_", " ")}</td>
                  <td data-label="Status">
                    <StatusBadge status={r.status} />{" "}
                    <span class="muted">{statusText(r.status, downloaded.has(r.id))}</span>
                  </td>
                  <td data-label="Received">
                    <When at={r.receivedAt} jurisdiction={r.jurisdiction} />
                  </td>
                  <td data-label="Deadline">
                    {/* A finished request has no deadline left to meet. */}
                    {FINISHED.includes(r.status) ? (
                      <span class="muted">none: finished</span>
                    ) : (
                      <When at={r.deadlineAt} jurisdiction={r.jurisdiction} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages" class="pager">
            {request.query.after && <a href="/portal">First page</a>}
            {page.next && <a href={`/portal?after=${encodeURIComponent(page.next)}`}>Next page</a>}
          </nav>
        </Layout>,
      );
    },
  );

  app.get(
    "/portal/requests/new",
    {
      config: { access: "request.submit", page: true },
      schema: { hide: true, querystring: z.strictObject({ jurisdiction: z.string().max(6).optional() }) },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const agency = await agencyOf(principal);
      const jurisdiction = request.query.jurisdiction?.toUpperCase() ?? agency?.jurisdiction ?? "US";
      const agencies =
        principal.role === "agency"
          ? undefined
          : (await listAgencies(db, principal)).map((a) => ({ id: a.id, name: a.name }));
      return sendPage(
        reply,
        <RequestForm
          principal={principal}
          csrf={pageCsrf(request)}
          form={emptySubmissionForm(jurisdiction)}
          problems={[]}
          guide={await guide(jurisdiction)}
          agencies={agencies}
          agencyId={undefined}
        />,
      );
    },
  );

  app.post(
    "/portal/requests",
    { config: { access: "request.submit", page: true }, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { fields, uploads } = await readMultipartForm(request, config.maxUploadBytes, documentStore(db));
      const form = readSubmissionForm(fields);
      const agencyId = principal.role === "agency" ? undefined : fields.agencyId?.[0];
      const agency =
        principal.role === "agency"
          ? await agencyOf(principal)
          : agencyId
            ? (await listAgencies(db, principal)).find((a) => a.id === agencyId)
            : undefined;
      const rerender = async (problems: Problem[], status: number) =>
        sendPage(
          reply,
          <RequestForm
            principal={principal}
            csrf={pageCsrf(request)}
            form={form}
            problems={inSentences(problems)}
            dropped={uploads.map((u) => u.name)}
            guide={await guide(form.jurisdiction || agency?.jurisdiction || "US")}
            agencies={
              principal.role === "agency"
                ? undefined
                : (await listAgencies(db, principal)).map((a) => ({ id: a.id, name: a.name }))
            }
            agencyId={agencyId}
          />,
          status,
        );
      const document = documentFromForm(form, { agencyName: agency?.name ?? "unknown", email: principal.email }, now());
      // Every problem at once: the form's own checks and the request document's, not one wave after another.
      const early = [...formProblems(form, uploads.length), ...documentProblems(document, form)];
      if (early.length > 0) {
        await discardUnlinkedBlobs(
          db,
          uploads.map((u) => u.blobId),
        );
        return rerender(early, 400);
      }
      try {
        const result = await submitRequest(
          db,
          principal,
          { document: JSON.stringify(document), uploads, agencyId },
          config,
          now(),
        );
        const base = principal.role === "agency" ? "/portal/requests" : "/desk/requests";
        const notice = form.process === "emergency" ? "submitted-emergency" : "submitted";
        return seeOther(reply, `${base}/${result.id}?notice=${notice}`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return rerender(
          error.problems.map((p) => ({ ...p, path: formPath(p.path, form) })),
          400,
        );
      }
    },
  );

  app.get(
    "/portal/requests/:id",
    {
      config: { access: "request.read", page: true },
      schema: { hide: true, params: idParams, querystring: noticeQuery },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== "agency") return seeOther(reply, `/desk/requests/${request.params.id}`);
      const r = await getRequest(db, principal, request.params.id);
      const productions = await listProductions(db, principal, r.id);
      const correspondence = await listMessages(db, principal, r.id);
      const csrf = pageCsrf(request);
      // An emergency is confirmed by calling the agency back: the officer is told which of its numbers.
      const dial = r.process === "emergency" ? (await callbackNumberOf(db, { type: "request", id: r.id })).dial : null;
      return sendPage(
        reply,
        <PortalRequestPage
          principal={principal}
          csrf={csrf}
          r={r}
          productions={productions}
          notice={noticeText(request.query.notice)}
          dial={dial}
          correspondence={correspondence}
          now={now()}
        />,
      );
    },
  );

  const withdrawPage = async (request: FastifyRequest, id: string, failure?: FormFailure) => {
    const principal = principalOf(request);
    const r = await getRequest(db, principal, id);
    return <WithdrawConfirmPage principal={principal} csrf={pageCsrf(request)} r={r} failure={failure} />;
  };

  app.get(
    "/portal/requests/:id/withdraw",
    { config: { access: "request.withdraw", page: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => {
      if (principalOf(request).role !== "agency") return seeOther(reply, `/desk/requests/${request.params.id}`);
      return sendPage(reply, await withdrawPage(request, request.params.id));
    },
  );

  app.post(
    "/portal/requests/:id/withdraw",
    {
      attachValidation: true,
      config: { access: "request.withdraw", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({ _csrf: z.string().max(200).optional(), reason: z.string().trim().min(1).max(2000) }),
      },
    },
    async (request, reply) => {
      if (request.validationError && !isUuid(String(request.params.id))) throw request.validationError;
      const outcome = await attemptForm("withdraw", request, () =>
        withdrawRequest(db, principalOf(request), request.params.id, request.body.reason, now()),
      );
      if (!outcome.ok) {
        return sendPage(reply, await withdrawPage(request, request.params.id, outcome.failure), outcome.failure.status);
      }
      return seeOther(reply, `/portal/requests/${request.params.id}?notice=withdrawn`);
    },
  );

  // The page the "production ready" mail links to. The link carries no secret: signing in (with the second
  // factor) is what opens the production, and the page only says where it is.
  app.get(
    "/portal/productions/:id",
    { config: { access: "request.read", page: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const requestId = await requestOfProduction(db, principal, request.params.id, now());
      const base = principal.role === "agency" ? "/portal/requests" : "/desk/requests";
      return seeOther(reply, `${base}/${requestId}#production`);
    },
  );

  // The download, as a form post so the one-time download cannot be spent by a link another site plants.
  // `signed-in` on purpose, like the API's download route: `openProductionDownload` decides who may (and
  // audits every refusal, which an earlier role check would leave unrecorded); a refusal becomes a page.
  app.post(
    "/portal/productions/:id/download",
    {
      config: { access: "signed-in", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({ _csrf: z.string().max(200).optional() }).optional(),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      try {
        return await sendProductionDownload(reply, context, principal, request.params.id);
      } catch (error) {
        // The refusal is audited already; the page says when, by whom, and what to do if that copy is lost.
        if (!(error instanceof DownloadRefused) || error.reason !== "already_downloaded") throw error;
        const requestId = await requestOfProduction(db, principal, request.params.id, now());
        const r = await getRequest(db, principal, requestId);
        const production = (await listProductions(db, principal, requestId)).find((p) => p.id === request.params.id);
        const problem = problemFor(error, request);
        return sendPage(
          reply,
          <ErrorPage
            principal={principal}
            csrf={pageCsrf(request)}
            problem={problem}
            path={request.url}
            explanation={alreadyDownloaded(r.reference, production)}
          />,
          problem.status,
        );
      }
    },
  );
}
