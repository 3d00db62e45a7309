import { z } from "zod";
import {
  type AgencyView,
  agencyChangePreview,
  createAgency,
  decideAgencyChange,
  listAgencies,
  proposeAgencyChange,
} from "../../agencies/agencies.service.js";
import { may, type Principal } from "../../authz/authz.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { type App, type AppContext, principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import { attemptForm, type FormFailure } from "../forms.js";
import { CsrfField, FormErrors, Layout, NotOffered, SelectField, TextField, When } from "../layout.js";
import { noticeText } from "../notices.js";
import { seeOther, sendPage } from "../render.js";
import { SecondAdminDecision } from "../table.js";
import { type AdminPage, csrfField, noticeQuery, sendRefused } from "./admin.forms.js";

/** Agencies: their verified domains and phone on file, changes proposed by one admin and applied by another. */

export function AgenciesView({
  principal,
  csrf,
  notice,
  failure,
  agencies,
}: {
  principal: Principal;
  csrf: string | undefined;
  notice: string | undefined;
  failure: FormFailure | undefined;
  agencies: AgencyView[];
}) {
  const canManage = may(principal, "agency.manage");
  return (
    <Layout title="Agencies" principal={principal} csrf={csrf} current="/admin/agencies" notice={notice}>
      <h1>Agencies</h1>
      <p class="muted">
        An officer can register only with an e-mail on a verified domain, and is activated only after a call-back to the
        phone on file. Changes to either are proposed by one admin and applied by another who was an admin before the
        proposal and whom the proposer did not bring in.
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
                      <SecondAdminDecision
                        action={`/admin/agency-changes/${c.id}/decide`}
                        form={`decide-${c.id}`}
                        csrf={csrf}
                        failure={failure}
                        proposedBy={c.proposedBy}
                        principal={principal}
                        confirmHref={c.kind === "add_domain" ? undefined : `/admin/agency-changes/${c.id}/approve`}
                      />
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
}

/**
 * The second admin's page before a change that takes something away is applied: removing a verified
 * domain (no one registers with an address at it any more; the officers already registered keep their
 * accounts, counted) or setting the phone on file (call-backs from now on dial the new number; one already
 * waiting on the old number waits for counsel to choose). The proposer is told it waits for someone else.
 */
export function AgencyChangeConfirmView({
  principal,
  csrf,
  agency,
  change,
  officersAtDomain,
}: {
  principal: Principal;
  csrf: string | undefined;
  agency: AgencyView;
  change: AgencyView["pendingChanges"][number];
  officersAtDomain: number;
}) {
  const officers = `${officersAtDomain.toLocaleString("en-US")} officer${officersAtDomain === 1 ? "" : "s"}`;
  const title =
    change.kind === "remove_domain"
      ? `Remove ${change.value} from ${agency.name}`
      : change.kind === "set_phone"
        ? `Set ${agency.name}'s phone on file to ${change.value}`
        : `Add ${change.value} to ${agency.name}`;
  const own = change.proposedBy === principal.email;
  return (
    <Layout title={title} principal={principal} csrf={csrf} current="/admin/agencies">
      <p>
        <a href="/admin/agencies">← Agencies</a>
      </p>
      <h1>{title}</h1>
      <p>
        Proposed by {change.proposedBy} at <When at={change.proposedAt} />.
      </p>
      {own ? (
        <NotOffered
          why="You proposed this change, so a second admin must apply it."
          ways={[{ href: "/admin/agencies", label: "Back to the agencies" }]}
        />
      ) : (
        <form method="post" action={`/admin/agency-changes/${change.id}/decide`} class="card narrow">
          <CsrfField token={csrf} />
          <p class="effect">
            {change.kind === "remove_domain" ? (
              <>
                <strong>{title}:</strong> no one can register as an officer of {agency.name} with an address at{" "}
                {change.value} from now on. The {officers} already registered with such an address keep their accounts;
                suspend them on the Users page if they should not.
              </>
            ) : change.kind === "set_phone" ? (
              <>
                <strong>{title}</strong> (now {agency.phoneOnFile ?? "none"}): call-backs for the requests and
                registrations that arrive from now on dial {change.value}. A call-back already waiting whose number on
                record was {agency.phoneOnFile ?? "none"} is not made until counsel chooses which number to dial.
              </>
            ) : (
              <>
                <strong>{title}:</strong> officers with an address at {change.value} may register for {agency.name},
                each activated only after a call-back to the phone on file.
              </>
            )}
          </p>
          <button
            type="submit"
            name="decision"
            value="approve"
            class={change.kind === "add_domain" ? undefined : "danger"}
          >
            {change.kind === "remove_domain"
              ? `Remove ${change.value}`
              : change.kind === "set_phone"
                ? `Set the phone to ${change.value}`
                : `Add ${change.value}`}
          </button>{" "}
          <a href="/admin/agencies">Cancel</a>
        </form>
      )}
    </Layout>
  );
}

export async function agencyPages(app: App, { db, now }: AppContext): Promise<void> {
  const page: AdminPage = async (principal, csrf, notice, failure) => (
    <AgenciesView
      principal={principal}
      csrf={csrf}
      notice={notice}
      failure={failure}
      agencies={await listAgencies(db, principal)}
    />
  );

  app.get(
    "/admin/agencies",
    { config: { access: "agency.read", page: true }, schema: { hide: true, querystring: noticeQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === "agency") return seeOther(reply, "/portal");
      return sendPage(reply, await page(principal, pageCsrf(request), noticeText(request.query.notice)));
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
      if (!outcome.ok) return sendRefused(request, reply, page, outcome.failure);
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
      if (!outcome.ok) return sendRefused(request, reply, page, outcome.failure);
      return seeOther(reply, "/admin/agencies?notice=proposed");
    },
  );

  app.get(
    "/admin/agency-changes/:id/approve",
    {
      config: { access: "agency.manage", page: true },
      schema: { hide: true, params: z.strictObject({ id: z.uuid() }) },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const preview = await agencyChangePreview(db, principal, request.params.id);
      return sendPage(reply, <AgencyChangeConfirmView principal={principal} csrf={pageCsrf(request)} {...preview} />);
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
      if (!outcome.ok) return sendRefused(request, reply, page, outcome.failure);
      return seeOther(reply, `/admin/agencies?notice=${approve ? "applied" : "rejected"}`);
    },
  );
}
