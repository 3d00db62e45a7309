import { z } from "zod";
import { listAgencies } from "../agencies/agencies.service.js";
import { activateOfficer, createStaffUser, listUsers, suspendUser } from "../auth/accounts.service.js";
import { may, type Principal } from "../authz/authz.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { csrfField, noticeQuery, reason, sendRefused } from "./admin/admin.forms.js";
import { agencyPages } from "./admin/agencies.page.js";
import { jurisdictionPages } from "./admin/jurisdictions.page.js";
import { policyPages } from "./admin/policy.page.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { CsrfField, FormErrors, Layout, SelectField, StatusBadge, TextField } from "./layout.js";
import { noticeText } from "./notices.js";
import { seeOther, sendPage } from "./render.js";

/** Administration: jurisdictions (pause and resume), the policy (preview, then activate), agencies, users. */

export async function adminPages(app: App, context: AppContext): Promise<void> {
  await jurisdictionPages(app, context);
  await policyPages(app, context);
  await agencyPages(app, context);
  await userPages(app, context);
}

async function userPages(app: App, { db, now }: AppContext): Promise<void> {
  // ---- Users ---------------------------------------------------------------------------------------
  const UsersPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    failure?: FormFailure,
    created?: { email: string; password: string; totpSecret: string },
  ) => {
    const users = await listUsers(db);
    const agencies = new Map((await listAgencies(db, principal)).map((a) => [a.id, a.name]));
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
