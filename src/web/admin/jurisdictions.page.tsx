import { z } from "zod";
import { may, type Principal } from "../../authz/authz.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { type App, type AppContext, principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import { type JurisdictionBoard, jurisdictionBoard } from "../../jurisdictions/jurisdictions.queries.js";
import { pauseJurisdiction, resumeJurisdiction } from "../../jurisdictions/jurisdictions.service.js";
import { attemptForm, type FormFailure } from "../forms.js";
import { CsrfField, FormErrors, Layout, StatusBadge, TextField, When } from "../layout.js";
import { noticeText } from "../notices.js";
import { seeOther, sendPage } from "../render.js";
import { type AdminPage, csrfField, noticeQuery, reason, sendRefused } from "./admin.forms.js";

/** Jurisdictions: which are paused or refused and why, pause and resume (admin), the history of both. */

export function JurisdictionsView({
  principal,
  csrf,
  notice,
  failure,
  board,
}: {
  principal: Principal;
  csrf: string | undefined;
  notice: string | undefined;
  failure: FormFailure | undefined;
  board: JurisdictionBoard;
}) {
  const canChange = may(principal, "jurisdiction.change");
  return (
    <Layout title="Jurisdictions" principal={principal} csrf={csrf} current="/admin/jurisdictions" notice={notice}>
      <h1>Jurisdictions</h1>
      <p class="muted">
        A paused jurisdiction's requests are recorded and counted but nothing is decided or disclosed; resuming decides
        each held request again under the policy in force.
      </p>
      <table>
        <caption>Jurisdictions not simply active</caption>
        <thead>
          <tr>
            <th scope="col">Jurisdiction</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Since</th>
            <th scope="col">Set by</th>
            <th scope="col">Requests held</th>
            {canChange && <th scope="col">Resume</th>}
          </tr>
        </thead>
        <tbody>
          {board.notActive.map((r) => (
            <tr key={r.code} id={`jurisdiction-${r.code}`}>
              <th scope="row">{r.code}</th>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{r.reason}</td>
              <td>{r.since instanceof Date ? <When at={r.since} /> : (r.since ?? "")}</td>
              <td>{r.by}</td>
              <td>{r.held}</td>
              {canChange && !r.resumable && <td class="muted">Refused by the policy: change the policy to lift it</td>}
              {canChange && r.resumable && (
                <td>
                  <form method="post" action={`/admin/jurisdictions/${r.code}/resume`} class="inline-form">
                    <CsrfField token={csrf} />
                    <FormErrors form={`resume-${r.code}`} failure={failure} fields={["reason"]} />
                    <TextField
                      form={`resume-${r.code}`}
                      name="reason"
                      label={`Reason for resuming ${r.code}`}
                      failure={failure}
                      required
                      maxLength={2000}
                      inline
                    />
                    <button type="submit">Resume {r.code}</button>
                  </form>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canChange && (
        <form method="post" action="/admin/jurisdictions/pause" class="card narrow">
          <CsrfField token={csrf} />
          <fieldset>
            <legend>Pause a jurisdiction</legend>
            <FormErrors form="pause" failure={failure} fields={["code", "reason"]} />
            <TextField
              form="pause"
              name="code"
              label="Jurisdiction code"
              failure={failure}
              required
              maxLength={6}
              placeholder="e.g. HK"
            />
            <TextField
              form="pause"
              name="reason"
              label="Reason (published in the audit trail)"
              failure={failure}
              required
              maxLength={2000}
            />
            <button type="submit" class="danger">
              Pause
            </button>
          </fieldset>
        </form>
      )}
      <h2>History</h2>
      <table>
        <caption>Pauses and resumes issued by people, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Jurisdiction</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {board.history.length === 0 && (
            <tr>
              <td colSpan={5}>No changes yet.</td>
            </tr>
          )}
          {board.history.map((h) => (
            <tr key={h.id}>
              <td>
                <When at={h.changedAt} />
              </td>
              <th scope="row">{h.jurisdiction}</th>
              <td>{h.status}</td>
              <td>{h.reason}</td>
              <td>{h.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export async function jurisdictionPages(app: App, { db, now }: AppContext): Promise<void> {
  const page: AdminPage = async (principal, csrf, notice, failure) => (
    <JurisdictionsView
      principal={principal}
      csrf={csrf}
      notice={notice}
      failure={failure}
      board={await jurisdictionBoard(db, principal)}
    />
  );

  app.get(
    "/admin/jurisdictions",
    { config: { access: "jurisdiction.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) =>
      sendPage(reply, await page(principalOf(request), pageCsrf(request), noticeText(request.query.notice))),
  );

  app.post(
    "/admin/jurisdictions/pause",
    {
      attachValidation: true,
      config: { access: "jurisdiction.change", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          code: z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase() : v), jurisdictionSchema),
          reason,
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const outcome = await attemptForm("pause", request, () =>
        pauseJurisdiction(db, {
          jurisdiction: request.body.code,
          reason: request.body.reason,
          by: p,
          now: now(),
        }),
      );
      if (!outcome.ok) return sendRefused(request, reply, page, outcome.failure);
      return seeOther(reply, "/admin/jurisdictions?notice=paused");
    },
  );

  app.post(
    "/admin/jurisdictions/:code/resume",
    {
      attachValidation: true,
      config: { access: "jurisdiction.change", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ code: jurisdictionSchema }),
        body: z.strictObject({ ...csrfField, reason }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const outcome = await attemptForm(`resume-${request.params.code}`, request, () =>
        resumeJurisdiction(db, {
          jurisdiction: request.params.code,
          reason: request.body.reason,
          by: p,
          now: now(),
        }),
      );
      if (!outcome.ok) return sendRefused(request, reply, page, outcome.failure);
      return seeOther(reply, "/admin/jurisdictions?notice=resumed");
    },
  );
}
