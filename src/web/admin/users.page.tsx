import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { listAgencies } from "../../agencies/agencies.service.js";
import { activateOfficer, listUsers, suspendUser } from "../../auth/accounts.service.js";
import {
  decideStaffChange,
  listStaffChanges,
  proposeReactivation,
  proposeStaffAccount,
  resendSetupLink,
} from "../../auth/staff.service.js";
import { type SuspensionPreview, suspensionPreview } from "../../auth/suspension.view.js";
import { may, type Principal } from "../../authz/authz.js";
import { type App, type AppContext, principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import { isUuid } from "../../shared/ids.js";
import { attemptForm, type FormFailure } from "../forms.js";
import { CsrfField, FormErrors, Layout, NotOffered, SelectField, StatusBadge, TextField, When } from "../layout.js";
import { noticeText } from "../notices.js";
import { seeOther, sendPage } from "../render.js";
import { ScrollBox, SecondAdminDecision, WorkTable } from "../table.js";
import { csrfField, noticeQuery, reason, sendRefused } from "./admin.forms.js";

/**
 * Users: every account; staff accounts proposed by one admin and applied by a second, their owner then
 * setting them up through a link mailed to them (no secret is ever shown here); suspension; an officer's
 * activation after the call-back.
 */

/**
 * The page between "Suspend" and the suspension: what it does to this account, counted now (the sessions
 * signed out, the API tokens revoked, the requests held for staff review), the reason, and one button; or,
 * when the service would refuse it (already suspended, one's own account), why, with no button.
 */
export function SuspendConfirmView({
  principal,
  csrf,
  preview,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  preview: SuspensionPreview;
  failure: FormFailure | undefined;
}) {
  const p = preview;
  const title = `Suspend ${p.email}`;
  const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  const who = p.role === "agency" ? `officer of ${p.agencyName ?? "an agency"}` : p.role;
  return (
    <Layout title={failure ? `Error: ${title}` : title} principal={principal} csrf={csrf} current="/admin/users">
      <p>
        <a href="/admin/users">← Users</a>
      </p>
      <h1>{title}</h1>
      <p>
        {p.displayName} ({who}) is {p.status}.
      </p>
      {p.refused ? (
        <NotOffered why={p.refused} ways={[{ href: "/admin/users", label: "Back to the users" }]} />
      ) : (
        <form method="post" action={`/admin/users/${p.id}/suspend`} class="card narrow" novalidate>
          <CsrfField token={csrf} />
          <FormErrors form="suspend" failure={failure} fields={["reason"]} />
          <p class="effect">
            <strong>Suspend {p.email}:</strong> they cannot sign in from now on;{" "}
            {p.sessions === 0
              ? "no session is signed in now"
              : `${count(p.sessions, "session")} signed in now ${p.sessions === 1 ? "is" : "are"} ended`}{" "}
            and{" "}
            {p.tokens === 0
              ? "they hold no API token"
              : `${count(p.tokens, "API token")} ${p.tokens === 1 ? "stops" : "stop"} working`}
            {p.role !== "agency"
              ? ". Bringing them back takes two admins, and they set up their password and second factor again."
              : p.requests === 0
                ? "; none of the requests they submitted is still open, so none is held."
                : `; ${count(p.requests, "request")} they submitted that ${p.requests === 1 ? "is" : "are"} not finished ${p.requests === 1 ? "is" : "are"} held for staff review, and nothing of ${p.requests === 1 ? "it" : "them"} leaves until staff release ${p.requests === 1 ? "it" : "them"}. Bringing the account back releases none of them.`}
          </p>
          <TextField
            form="suspend"
            name="reason"
            label="Reason (kept in the audit trail)"
            failure={failure}
            required
            maxLength={2000}
          />
          <button type="submit" class="danger">
            Suspend {p.email}
          </button>{" "}
          <a href="/admin/users">Cancel</a>
        </form>
      )}
    </Layout>
  );
}

export async function userPages(app: App, { db, now, config }: AppContext): Promise<void> {
  // ---- Users ---------------------------------------------------------------------------------------
  const UsersPage = async (
    principal: Principal,
    csrf: string | undefined,
    notice: string | undefined,
    failure?: FormFailure,
  ) => {
    const users = await listUsers(db, principal);
    const proposals = await listStaffChanges(db, { status: "pending" });
    const agencies = new Map((await listAgencies(db, principal)).map((a) => [a.id, a.name]));
    const canManage = may(principal, "user.manage");
    const canActivate = may(principal, "user.activate");
    return (
      <Layout title="Users" principal={principal} csrf={csrf} current="/admin/users" notice={notice}>
        <h1>Users and roles</h1>
        <p class="muted">
          A staff account is proposed by one admin and made by a second who was an admin before the proposal and whom
          the proposer did not bring in. Its owner is mailed a one-time link with which they choose their password and
          set up their second factor; no one else sees either.
        </p>
        {proposals.length > 0 && (
          <WorkTable
            caption="Staff accounts waiting for a second admin"
            rows={proposals}
            rowKey={(c) => c.id}
            empty={null}
            columns={[
              { header: "E-mail", rowHeader: true, cell: (c) => c.email },
              { header: "Name", cell: (c) => c.displayName },
              { header: "Role", cell: (c) => c.role },
              {
                header: "Proposed by",
                cell: (c) => (
                  <>
                    {c.proposedBy}{" "}
                    <span class="muted">
                      at <When at={c.proposedAt} />
                    </span>
                  </>
                ),
              },
              ...(canManage
                ? [
                    {
                      header: "Decision",
                      cell: (c: (typeof proposals)[number]) => (
                        <SecondAdminDecision
                          action={`/admin/user-changes/${c.id}/decide`}
                          form={`staff-${c.id}`}
                          csrf={csrf}
                          failure={failure}
                          proposedBy={c.proposedBy}
                          principal={principal}
                        />
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
        <ScrollBox label="Every account">
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
                  <td>
                    {u.secondFactorEnrolled
                      ? "enrolled"
                      : u.role !== "agency" && u.status === "pending"
                        ? "set-up link sent"
                        : "not yet"}
                  </td>
                  {(canManage || canActivate) && (
                    <td>
                      {canActivate &&
                        u.role === "agency" &&
                        u.status === "pending" &&
                        u.callback &&
                        !u.callback.dial && (
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
                      {canManage && u.role !== "agency" && u.status === "pending" && !u.secondFactorEnrolled && (
                        <form method="post" action={`/admin/users/${u.id}/setup-link`} class="inline-form">
                          <CsrfField token={csrf} />
                          <FormErrors form={`setup-${u.id}`} failure={failure} fields={[]} />
                          <button type="submit" class="secondary">
                            Send a new setup link to {u.email}
                          </button>
                        </form>
                      )}
                      {canManage && u.role !== "agency" && u.status === "suspended" && (
                        <form method="post" action={`/admin/users/${u.id}/reactivate`} class="inline-form">
                          <CsrfField token={csrf} />
                          <FormErrors form={`reactivate-${u.id}`} failure={failure} fields={[]} />
                          <button type="submit" class="secondary">
                            Propose bringing {u.email} back
                          </button>
                        </form>
                      )}
                      {canManage && u.status !== "suspended" && u.id !== principal.userId && (
                        <a class="button danger small" href={`/admin/users/${u.id}/suspend`}>
                          Suspend {u.email}…
                        </a>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
        {canManage && (
          <form method="post" action="/admin/users" class="card narrow">
            <CsrfField token={csrf} />
            <fieldset>
              <legend>Propose a staff account</legend>
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
              <p class="hint">A second admin approves it; then its owner is mailed a link to set it up.</p>
              <button type="submit">Propose</button>
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
      const outcome = await attemptForm("user", request, () =>
        proposeStaffAccount(db, principalOf(request), { email, displayName, role }, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, "/admin/users?notice=staff-proposed");
    },
  );

  app.post(
    "/admin/user-changes/:id/decide",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ ...csrfField, decision: z.enum(["approve", "reject"]) }),
      },
    },
    async (request, reply) => {
      const approve = request.body.decision === "approve";
      const outcome = await attemptForm(`staff-${request.params.id}`, request, () =>
        decideStaffChange(db, principalOf(request), request.params.id, approve, config.publicUrl, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, `/admin/users?notice=${approve ? "staff-applied" : "staff-rejected"}`);
    },
  );

  app.post(
    "/admin/users/:id/reactivate",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }), body: z.strictObject({ ...csrfField }) },
    },
    async (request, reply) => {
      const outcome = await attemptForm(`reactivate-${request.params.id}`, request, () =>
        proposeReactivation(db, principalOf(request), request.params.id, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, "/admin/users?notice=staff-proposed");
    },
  );

  app.post(
    "/admin/users/:id/setup-link",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }), body: z.strictObject({ ...csrfField }) },
    },
    async (request, reply) => {
      const outcome = await attemptForm(`setup-${request.params.id}`, request, () =>
        resendSetupLink(db, principalOf(request), request.params.id, config.publicUrl, now()),
      );
      if (!outcome.ok) return sendRefused(request, reply, UsersPage, outcome.failure);
      return seeOther(reply, "/admin/users?notice=setup-link-sent");
    },
  );

  const suspendPage = async (request: FastifyRequest, id: string, failure?: FormFailure) => {
    const principal = principalOf(request);
    return (
      <SuspendConfirmView
        principal={principal}
        csrf={pageCsrf(request)}
        preview={await suspensionPreview(db, principal, id, now())}
        failure={failure}
      />
    );
  };

  app.get(
    "/admin/users/:id/suspend",
    {
      config: { access: "user.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }) },
    },
    async (request, reply) => sendPage(reply, await suspendPage(request, request.params.id)),
  );

  app.post(
    "/admin/users/:id/suspend",
    {
      attachValidation: true,
      config: { access: "user.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }), body: z.strictObject({ ...csrfField, reason }) },
    },
    async (request, reply) => {
      if (request.validationError && !isUuid(String(request.params.id))) throw request.validationError;
      const outcome = await attemptForm("suspend", request, () =>
        suspendUser(db, principalOf(request), request.params.id, request.body.reason, now()),
      );
      if (!outcome.ok) {
        return sendPage(reply, await suspendPage(request, request.params.id, outcome.failure), outcome.failure.status);
      }
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
