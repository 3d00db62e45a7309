import type { FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import type { VNode } from "preact";
import { z } from "zod";
import { createAgency, decideAgencyChange, listAgencies, proposeAgencyChange } from "../agencies/agencies.service.js";
import { sha256Hex } from "../audit/canonical.js";
import { activateOfficer, createStaffUser, listUsers, suspendUser } from "../auth/accounts.service.js";
import { may, type Principal } from "../authz/authz.js";
import { jurisdictionSchema } from "../domain/domain.schema.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { parsePolicyText } from "../policy/policy.load.js";
import { type PolicyPreview, previewPolicy } from "../policy/policy.preview.js";
import { activatePolicy } from "../policy/policy.store.js";
import { conflict } from "../shared/errors.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import { attemptForm, type FormFailure, readMultipartForm } from "./forms.js";
import { CsrfField, ErrorSummary, FormErrors, Layout, SelectField, StatusBadge, TextField, When } from "./layout.js";
import { noticeText } from "./notices.js";
import { seeOther, sendPage } from "./render.js";

/** Administration: jurisdictions (pause and resume), the policy (preview, then activate), agencies, users. */

const csrfField = { _csrf: z.string().max(200).optional() };
const noticeQuery = z.strictObject({ notice: z.string().max(40).optional() });
const reason = z.string().trim().min(1).max(2000);

type AdminPage = (
  principal: Principal,
  csrf: string | undefined,
  notice: string | undefined,
  failure?: FormFailure,
) => Promise<VNode>;

/** A refused admin form: the page it is on again, with the problems where they belong. */
async function sendRefused(request: FastifyRequest, reply: FastifyReply, page: AdminPage, failure: FormFailure) {
  return sendPage(reply, await page(principalOf(request), pageCsrf(request), undefined, failure), failure.status);
}

export async function adminPages(app: App, { db, config, now }: AppContext): Promise<void> {
  // ---- Jurisdictions -------------------------------------------------------------------------------
  const JurisdictionsPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    failure?: FormFailure,
  ) => {
    const history = await db.selectFrom("jurisdiction_status").selectAll().orderBy("id", "desc").limit(200).execute();
    const latest = new Map<string, (typeof history)[number]>();
    for (const row of [...history].reverse()) latest.set(row.jurisdiction, row);
    const active = await db
      .selectFrom("policy_version")
      .select(["name", "version", "document"])
      .where("active", "=", true)
      .executeTakeFirst();
    const fromPolicy = active ? parsePolicyText(active.document, "policy").jurisdictions : {};
    const held = await sql<{ country: string; n: number }>`
        select split_part(jurisdiction, '-', 1) as country, count(*)::int as n
          from request where status = 'on_hold' group by 1`.execute(db);
    const heldBy = new Map(held.rows.map((r) => [r.country, Number(r.n)]));
    // What is in force: a person's latest pause or resume, else the policy's own entry.
    // A refusal the policy makes is lifted by changing the policy, never by resuming (the service refuses it too).
    const rows = new Map<
      string,
      { status: string; reason: string; since: string | Date | undefined; by: string; resumable: boolean }
    >();
    for (const [code, entry] of Object.entries(fromPolicy)) {
      if (code !== "*" && entry.status && entry.status !== "active") {
        rows.set(code, {
          status: entry.status,
          reason: entry.reason ?? "",
          since: entry.since,
          by: `policy ${active?.name} ${active?.version}`,
          resumable: entry.status !== "refused",
        });
      }
    }
    for (const [code, row] of latest) {
      rows.set(code, { status: row.status, reason: row.reason, since: row.changed_at, by: row.actor, resumable: true });
    }
    const canChange = may(principal, "jurisdiction.change");
    return (
      <Layout title="Jurisdictions" principal={principal} csrf={csrf} current="/admin/jurisdictions" notice={notice}>
        <h1>Jurisdictions</h1>
        <p class="muted">
          A paused jurisdiction's requests are recorded and counted but nothing is decided or disclosed; resuming
          decides each held request again under the policy in force.
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
            {[...rows]
              .filter(([, r]) => r.status !== "active")
              .map(([code, r]) => (
                <tr key={code} id={`jurisdiction-${code}`}>
                  <th scope="row">{code}</th>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.reason}</td>
                  <td>{r.since instanceof Date ? <When at={r.since} /> : (r.since ?? "")}</td>
                  <td>{r.by}</td>
                  <td>{heldBy.get(code) ?? 0}</td>
                  {canChange && !r.resumable && (
                    <td class="muted">Refused by the policy: change the policy to lift it</td>
                  )}
                  {canChange && r.resumable && (
                    <td>
                      <form method="post" action={`/admin/jurisdictions/${code}/resume`} class="inline-form">
                        <CsrfField token={csrf} />
                        <FormErrors form={`resume-${code}`} failure={failure} fields={["reason"]} />
                        <TextField
                          form={`resume-${code}`}
                          name="reason"
                          label={`Reason for resuming ${code}`}
                          failure={failure}
                          required
                          maxLength={2000}
                          inline
                        />
                        <button type="submit">Resume {code}</button>
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
            {history.length === 0 && (
              <tr>
                <td colSpan={5}>No changes yet.</td>
              </tr>
            )}
            {history.map((h) => (
              <tr key={h.id}>
                <td>
                  <When at={h.changed_at} />
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
  };

  app.get(
    "/admin/jurisdictions",
    { config: { access: "jurisdiction.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) =>
      sendPage(
        reply,
        await JurisdictionsPage(principalOf(request), pageCsrf(request), noticeText(request.query.notice)),
      ),
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
          actor: p.email,
          now: now(),
        }),
      );
      if (!outcome.ok) return sendRefused(request, reply, JurisdictionsPage, outcome.failure);
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
          actor: p.email,
          now: now(),
        }),
      );
      if (!outcome.ok) return sendRefused(request, reply, JurisdictionsPage, outcome.failure);
      return seeOther(reply, "/admin/jurisdictions?notice=resumed");
    },
  );

  // ---- Policy --------------------------------------------------------------------------------------
  const PolicyPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    candidate?: { text: string; problems: Problem[]; preview?: PolicyPreview },
  ) => {
    const active = await db
      .selectFrom("policy_version")
      .select(["name", "version", "document", "sha256", "activated_at"])
      .where("active", "=", true)
      .executeTakeFirst();
    const canActivate = may(principal, "policy.activate");
    return (
      <Layout title="Policy" principal={principal} csrf={csrf} current="/admin/policy" notice={notice}>
        <h1>Policy</h1>
        {active ? (
          <p>
            In force: <strong>{active.name}</strong> version <strong>{active.version}</strong>, activated{" "}
            <When at={active.activated_at} /> <span class="muted mono">SHA-256 {active.sha256}</span>
          </p>
        ) : (
          <p class="warning">No policy is active: requests cannot be decided.</p>
        )}
        {candidate && (
          <section aria-labelledby="candidate-h" class="card">
            <h2 id="candidate-h">The uploaded policy</h2>
            <ErrorSummary problems={candidate.problems} />
            {candidate.preview && (
              <>
                <p role="status">
                  Valid: <strong>{candidate.preview.name}</strong> version <strong>{candidate.preview.version}</strong>.{" "}
                  {candidate.preview.compared} open requests compared;{" "}
                  <strong>{candidate.preview.changes.length}</strong> would be decided differently.
                </p>
                {candidate.preview.changes.length > 0 && (
                  <table>
                    <caption>Open requests that would be decided differently</caption>
                    <thead>
                      <tr>
                        <th scope="col">Request</th>
                        <th scope="col">Jurisdiction</th>
                        <th scope="col">Process</th>
                        <th scope="col">Status</th>
                        <th scope="col">Now</th>
                        <th scope="col">Under the new policy</th>
                        <th scope="col">Items that change</th>
                      </tr>
                    </thead>
                    <tbody>
                      {candidate.preview.changes.slice(0, 500).map((c) => (
                        <tr key={c.requestId}>
                          <th scope="row">
                            <a href={`/desk/requests/${c.requestId}`}>{c.reference}</a>
                          </th>
                          <td>{c.jurisdiction}</td>
                          <td>{c.process}</td>
                          <td>{c.status}</td>
                          <td>{c.before}</td>
                          <td>
                            <strong>{c.after}</strong>
                          </td>
                          <td>
                            <ul class="compact">
                              {c.items.slice(0, 20).map((i) => (
                                <li key={i}>{i}</li>
                              ))}
                              {c.items.length > 20 && <li>… {c.items.length - 20} more</li>}
                            </ul>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {canActivate && (
                  <form method="post" action="/admin/policy/activate">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="sha256" value={sha256Hex(candidate.text)} />
                    <div class="field">
                      <label for="f-activate-doc">The document that will be activated</label>
                      <textarea id="f-activate-doc" name="document" rows={8} readOnly class="mono">
                        {candidate.text}
                      </textarea>
                    </div>
                    <button type="submit">
                      Activate {candidate.preview.name} {candidate.preview.version}
                    </button>
                  </form>
                )}
              </>
            )}
          </section>
        )}
        {canActivate && (
          <form method="post" action="/admin/policy/preview" enctype="multipart/form-data" class="card">
            <CsrfField token={csrf} />
            <fieldset>
              <legend>Upload a new policy (YAML, DESIGN §4)</legend>
              <div class="field">
                <label for="f-policy-file">Policy file</label>
                <input id="f-policy-file" name="file" type="file" accept=".yaml,.yml,text/yaml" />
              </div>
              <div class="field">
                <label for="f-policy-text">…or paste it</label>
                <textarea id="f-policy-text" name="document" rows={6} class="mono">
                  {candidate && candidate.problems.length > 0 ? candidate.text : ""}
                </textarea>
              </div>
              <p class="hint">
                It is validated and compared with every open request; nothing changes until you activate it.
              </p>
              <button type="submit">Check and preview</button>
            </fieldset>
          </form>
        )}
        {active && (
          <details>
            <summary>The policy in force</summary>
            <pre class="policy">{active.document}</pre>
          </details>
        )}
      </Layout>
    );
  };

  app.get(
    "/admin/policy",
    { config: { access: "policy.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) =>
      sendPage(reply, await PolicyPage(principalOf(request), pageCsrf(request), noticeText(request.query.notice))),
  );

  app.post(
    "/admin/policy/preview",
    { config: { access: "policy.activate", page: true }, schema: { hide: true } },
    async (request, reply) => {
      const { fields, uploads } = await readMultipartForm(request, config.maxUploadBytes);
      const text = uploads[0]?.content.toString("utf8") ?? fields.document?.[0] ?? "";
      const principal = principalOf(request);
      if (text.trim() === "") {
        const page = await PolicyPage(principal, pageCsrf(request), undefined, {
          text,
          problems: [{ path: "file", message: "choose a policy file or paste one" }],
        });
        return sendPage(reply, page, 400);
      }
      try {
        const preview = await previewPolicy(db, text);
        return sendPage(
          reply,
          await PolicyPage(principal, pageCsrf(request), undefined, { text, problems: [], preview }),
        );
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const page = await PolicyPage(principal, pageCsrf(request), undefined, { text, problems: error.problems });
        return sendPage(reply, page, 400);
      }
    },
  );

  app.post(
    "/admin/policy/activate",
    {
      config: { access: "policy.activate", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          document: z.string().min(1).max(1_000_000),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
        }),
      },
    },
    async (request, reply) => {
      // Browsers send a textarea's line breaks as CRLF; the policy is kept as it was previewed.
      const text = request.body.document.replace(/\r\n/g, "\n");
      if (sha256Hex(text) !== request.body.sha256) {
        throw conflict("the document is not the one that was previewed; preview it again");
      }
      await db.transaction().execute((tx) => activatePolicy(tx, text, principalOf(request).email, now(), "policy"));
      return seeOther(reply, "/admin/policy?notice=activated");
    },
  );

  // ---- Agencies ------------------------------------------------------------------------------------
  const AgenciesPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    failure?: FormFailure,
  ) => {
    const agencies = await listAgencies(db);
    const canManage = may(principal, "agency.manage");
    return (
      <Layout title="Agencies" principal={principal} csrf={csrf} current="/admin/agencies" notice={notice}>
        <h1>Agencies</h1>
        <p class="muted">
          An officer can register only with an e-mail on a verified domain, and is activated only after a call-back to
          the phone on file. Changes to either are proposed by one admin and applied by another.
        </p>
        <table>
          <caption>Agencies, their verified domains and phone on file</caption>
          <thead>
            <tr>
              <th scope="col">Agency</th>
              <th scope="col">Jurisdiction</th>
              <th scope="col">Verified domains</th>
              <th scope="col">Phone on file</th>
              <th scope="col">Pending changes</th>
            </tr>
          </thead>
          <tbody>
            {agencies.map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.name}</th>
                <td>{a.jurisdiction}</td>
                <td>{a.domains.join(", ") || <span class="muted">none</span>}</td>
                <td>{a.phoneOnFile ?? <span class="muted">none</span>}</td>
                <td>
                  {a.pendingChanges.length === 0 && <span class="muted">none</span>}
                  {a.pendingChanges.map((c) => (
                    <div key={c.id} class="pending-change">
                      {c.kind.replace("_", " ")} <strong>{c.value}</strong>{" "}
                      <span class="muted">proposed by {c.proposedBy}</span>
                      {canManage && (
                        <form method="post" action={`/admin/agency-changes/${c.id}/decide`} class="inline-form">
                          <CsrfField token={csrf} />
                          <FormErrors form={`decide-${c.id}`} failure={failure} fields={[]} />
                          <button type="submit" name="decision" value="approve">
                            Approve
                          </button>
                          <button type="submit" name="decision" value="reject" class="secondary">
                            Reject
                          </button>
                        </form>
                      )}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {canManage && (
          <div class="columns">
            <form method="post" action="/admin/agencies/changes" class="card">
              <CsrfField token={csrf} />
              <fieldset>
                <legend>Propose a change</legend>
                <FormErrors form="change" failure={failure} fields={["agencyId", "kind", "value"]} />
                <SelectField
                  form="change"
                  name="agencyId"
                  label="Agency"
                  failure={failure}
                  options={agencies.map((a) => [a.id, a.name] as const)}
                />
                <SelectField
                  form="change"
                  name="kind"
                  label="Change"
                  failure={failure}
                  options={[
                    ["add_domain", "add a verified domain"],
                    ["remove_domain", "remove a verified domain"],
                    ["set_phone", "set the phone on file"],
                  ]}
                />
                <TextField
                  form="change"
                  name="value"
                  label="Domain or phone (E.164, like +442072301212)"
                  failure={failure}
                  required
                  maxLength={253}
                />
                <button type="submit">Propose</button>
              </fieldset>
            </form>
            <form method="post" action="/admin/agencies" class="card">
              <CsrfField token={csrf} />
              <fieldset>
                <legend>Register an agency</legend>
                <FormErrors form="agency" failure={failure} fields={["name", "jurisdiction"]} />
                <TextField form="agency" name="name" label="Name" failure={failure} required maxLength={200} />
                <TextField
                  form="agency"
                  name="jurisdiction"
                  label="Jurisdiction"
                  failure={failure}
                  required
                  maxLength={6}
                />
                <button type="submit">Register</button>
              </fieldset>
            </form>
          </div>
        )}
      </Layout>
    );
  };

  app.get(
    "/admin/agencies",
    { config: { access: "agency.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === "agency") return seeOther(reply, "/portal");
      return sendPage(reply, await AgenciesPage(principal, pageCsrf(request), noticeText(request.query.notice)));
    },
  );

  app.post(
    "/admin/agencies",
    {
      attachValidation: true,
      config: { access: "agency.manage", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          name: z.string().trim().min(1).max(200),
          jurisdiction: z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase() : v), jurisdictionSchema),
        }),
      },
    },
    async (request, reply) => {
      const outcome = await attemptForm("agency", request, () =>
        createAgency(
          db,
          principalOf(request),
          { name: request.body.name, jurisdiction: request.body.jurisdiction },
          now(),
        ),
      );
      if (!outcome.ok) return sendRefused(request, reply, AgenciesPage, outcome.failure);
      return seeOther(reply, "/admin/agencies?notice=agency-created");
    },
  );

  app.post(
    "/admin/agencies/changes",
    {
      attachValidation: true,
      config: { access: "agency.manage", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          agencyId: z.uuid(),
          kind: z.enum(["add_domain", "remove_domain", "set_phone"]),
          value: z.string().trim().min(1).max(253),
        }),
      },
    },
    async (request, reply) => {
      const { agencyId, kind, value } = request.body;
      const outcome = await attemptForm("change", request, () =>
        proposeAgencyChange(db, principalOf(request), agencyId, { kind, value }, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, AgenciesPage, outcome.failure);
      return seeOther(reply, "/admin/agencies?notice=proposed");
    },
  );

  app.post(
    "/admin/agency-changes/:id/decide",
    {
      attachValidation: true,
      config: { access: "agency.manage", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ ...csrfField, decision: z.enum(["approve", "reject"]) }),
      },
    },
    async (request, reply) => {
      const approve = request.body.decision === "approve";
      const outcome = await attemptForm(`decide-${request.params.id}`, request, () =>
        decideAgencyChange(db, principalOf(request), request.params.id, approve, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, AgenciesPage, outcome.failure);
      return seeOther(reply, `/admin/agencies?notice=${approve ? "applied" : "rejected"}`);
    },
  );

  // ---- Users ---------------------------------------------------------------------------------------
  const UsersPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    failure?: FormFailure,
    created?: { email: string; password: string; totpSecret: string },
  ) => {
    const users = await listUsers(db);
    const agencies = new Map((await listAgencies(db)).map((a) => [a.id, a.name]));
    const canManage = may(principal, "user.manage");
    const canActivate = may(principal, "user.activate");
    return (
      <Layout title="Users" principal={principal} csrf={csrf} current="/admin/users" notice={notice}>
        <h1>Users and roles</h1>
        {created && (
          <div class="card" role="status">
            <h2>Account created: {created.email}</h2>
            <p>Hand these over in person or by a second channel; they are shown once and only their hashes are kept.</p>
            <dl class="facts">
              <dt>One-time password</dt>
              <dd class="mono">{created.password}</dd>
              <dt>Second-factor secret (for an authenticator app)</dt>
              <dd class="mono">{created.totpSecret}</dd>
            </dl>
          </div>
        )}
        <table>
          <caption>Every account, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Agency</th>
              <th scope="col">Status</th>
              <th scope="col">Second factor</th>
              {(canManage || canActivate) && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.email}</th>
                <td>{u.displayName}</td>
                <td>{u.role}</td>
                <td>{u.agencyId ? (agencies.get(u.agencyId) ?? "") : ""}</td>
                <td>
                  <StatusBadge status={u.status} />
                  {u.flagged && (
                    <span class="badge emergency" title={u.flagged}>
                      flagged
                    </span>
                  )}
                </td>
                <td>{u.secondFactorEnrolled ? "enrolled" : "not yet"}</td>
                {(canManage || canActivate) && (
                  <td>
                    {canActivate && u.role === "agency" && u.status === "pending" && u.callback && !u.callback.dial && (
                      <p class="warning" role="alert">
                        No call-back can be made: {u.callback.refusal}
                        {u.callback.changed ? ` (counsel: POST /api/v1/users/${u.id}/callback-number/review)` : ""}.
                      </p>
                    )}
                    {canActivate &&
                      u.role === "agency" &&
                      u.status === "pending" &&
                      u.secondFactorEnrolled &&
                      u.callback?.dial && (
                        <form method="post" action={`/admin/users/${u.id}/activate`} class="inline-form">
                          <CsrfField token={csrf} />
                          <input type="hidden" name="confirmed" value="yes" />
                          <FormErrors form={`activate-${u.id}`} failure={failure} fields={["note"]} />
                          <TextField
                            form={`activate-${u.id}`}
                            name="note"
                            label={`Call-back to ${u.callback.dial}${u.callback.changed ? " (chosen by counsel after the agency's phone changed)" : " (on file when they registered)"}: what was said`}
                            failure={failure}
                            required
                            maxLength={2000}
                            inline
                          />
                          <button type="submit">Activate after call-back</button>
                        </form>
                      )}
                    {canManage && u.status === "active" && u.id !== principal.userId && (
                      <form method="post" action={`/admin/users/${u.id}/suspend`} class="inline-form">
                        <CsrfField token={csrf} />
                        <FormErrors form={`suspend-${u.id}`} failure={failure} fields={["reason"]} />
                        <TextField
                          form={`suspend-${u.id}`}
                          name="reason"
                          label={`Reason to suspend ${u.email}`}
                          failure={failure}
                          required
                          maxLength={2000}
                          inline
                        />
                        <button type="submit" class="danger">
                          Suspend
                        </button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {canManage && (
          <form method="post" action="/admin/users" class="card narrow">
            <CsrfField token={csrf} />
            <fieldset>
              <legend>Create a staff account</legend>
              <FormErrors form="user" failure={failure} fields={["email", "displayName", "role"]} />
              <TextField form="user" name="email" label="E-mail" failure={failure} email required maxLength={254} />
              <TextField form="user" name="displayName" label="Name" failure={failure} required maxLength={200} />
              <SelectField
                form="user"
                name="role"
                label="Role"
                failure={failure}
                options={[
                  ["intake", "intake: registers and verifies requests"],
                  ["reviewer", "reviewer: reviews and recommends"],
                  ["counsel", "counsel: approves or rejects"],
                  ["admin", "admin: users, agencies, policy, jurisdictions"],
                  ["auditor", "auditor: reads everything, changes nothing"],
                ]}
              />
              <button type="submit">Create</button>
            </fieldset>
          </form>
        )}
      </Layout>
    );
  };

  app.get(
    "/admin/users",
    { config: { access: "user.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) =>
      sendPage(reply, await UsersPage(principalOf(request), pageCsrf(request), noticeText(request.query.notice))),
  );

  app.post(
    "/admin/users",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: {
        hide: true,
        body: z.strictObject({
          ...csrfField,
          email: z.email().max(254),
          displayName: z.string().trim().min(1).max(200),
          role: z.enum(["intake", "reviewer", "counsel", "admin", "auditor"]),
        }),
      },
    },
    async (request, reply) => {
      const { email, displayName, role } = request.body;
      const principal = principalOf(request);
      const outcome = await attemptForm("user", request, () =>
        createStaffUser(db, principal, { email, displayName, role }, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      const created = outcome.value;
      return sendPage(
        reply,
        await UsersPage(principal, pageCsrf(request), undefined, undefined, {
          email,
          password: created.password,
          totpSecret: created.totpSecret,
        }),
        201,
      );
    },
  );

  app.post(
    "/admin/users/:id/suspend",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }), body: z.strictObject({ ...csrfField, reason }) },
    },
    async (request, reply) => {
      const outcome = await attemptForm(`suspend-${request.params.id}`, request, () =>
        suspendUser(db, principalOf(request), request.params.id, request.body.reason, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, "/admin/users?notice=suspended");
    },
  );

  app.post(
    "/admin/users/:id/activate",
    {
      attachValidation: true,
      config: { access: "user.activate", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ ...csrfField, confirmed: z.literal("yes"), note: reason }),
      },
    },
    async (request, reply) => {
      const outcome = await attemptForm(`activate-${request.params.id}`, request, () =>
        activateOfficer(
          db,
          principalOf(request),
          request.params.id,
          { confirmed: true, note: request.body.note },
          now(),
        ),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, "/admin/users?notice=officer-activated");
    },
  );
}
