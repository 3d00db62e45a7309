import { z } from "zod";
import { listAgencies } from "../agencies/agencies.service.js";
import { callbackNumberOf } from "../agencies/callback-number.js";
import type { Principal } from "../authz/authz.js";
import { listMessages } from "../correspondence/correspondence.service.js";
import { TARGET_TYPES } from "../domain/vocabulary.js";
import { listProductions, requestOfProduction } from "../fulfilment/productions.queries.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { sendProductionDownload } from "../http/replies.js";
import { pageCsrf } from "../http/session.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { discardUnlinkedBlobs } from "../requests/documents.store.js";
import { submitRequest, withdrawRequest } from "../requests/request.actions.js";
import { getRequest, listRequests } from "../requests/request.queries.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import { documentStore, readMultipartForm } from "./forms.js";
import { guideFor, type JurisdictionGuide, PROCESS_TEXT } from "./guide.js";
import {
  CsrfField,
  describedBy,
  ErrorSummary,
  FieldError,
  fieldId,
  Layout,
  StatusBadge,
  statusText,
  When,
} from "./layout.js";
import { noticeText } from "./notices.js";
import { PortalRequestPage } from "./portal.request.js";
import { seeOther, sendPage } from "./render.js";
import {
  documentFromForm,
  emptySubmissionForm,
  formPath,
  formProblems,
  readSubmissionForm,
  type SubmissionForm,
  TARGET_ROWS,
} from "./submission.form.js";

/** The agency portal: an officer's requests, the request form (docs/request.md) and each request's status. */

const PAGE_SIZE = 25;

const idParams = z.strictObject({ id: z.uuid() });
const noticeQuery = z.strictObject({ notice: z.string().max(40).optional(), after: z.string().max(200).optional() });

interface FormPageProps {
  principal: Principal;
  csrf: string | undefined;
  form: SubmissionForm;
  problems: Problem[];
  guide: JurisdictionGuide;
  agencies: Array<{ id: string; name: string }> | undefined;
  agencyId: string | undefined;
}

function Input({
  name,
  label,
  problems,
  value,
  hint,
  type = "text",
  required,
  maxLength,
}: {
  name: string;
  label: string;
  problems: Problem[];
  value: string;
  hint?: string;
  type?: "text" | "date";
  required?: boolean;
  maxLength?: number;
}) {
  const id = fieldId(name);
  const invalid = problems.some((p) => p.path === name);
  const common = {
    id,
    name,
    value,
    required,
    maxLength,
    "aria-invalid": invalid ? ("true" as const) : undefined,
    "aria-describedby": describedBy(problems, name, hint ? `${id}-hint` : undefined),
  };
  return (
    <div class={`field${invalid ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      <FieldError problems={problems} name={name} />
      {type === "date" ? <input type="date" {...common} /> : <input type="text" {...common} />}
    </div>
  );
}

function RequestForm({ principal, csrf, form, problems, guide, agencies, agencyId }: FormPageProps) {
  const rows = Math.max(TARGET_ROWS, form.targets.length + 1);
  const fields = new Set<string>([
    "reference",
    "jurisdiction",
    "process",
    "issuedBy",
    "findings",
    "categories",
    "dateRange.from",
    "dateRange.to",
    "nonDisclosure.until",
    "emergency.justification",
    "documents",
    ...Array.from({ length: rows }, (_, i) => [`targets.${i}.type`, `targets.${i}.value`]).flat(),
  ]);
  const paused = guide.status !== "active";
  return (
    <Layout title="New request" principal={principal} csrf={csrf} current="/portal/requests/new">
      <h1>New request for user data</h1>
      <p class="muted">
        Decided under the policy in force ({guide.policy}) for {guide.jurisdiction}. Every field is checked when you
        submit; problems are shown beside the field they concern.
      </p>
      {paused && (
        <p class="warning" role="note">
          Requests from {guide.jurisdiction} are currently {guide.status}
          {guide.statusReason ? `: ${guide.statusReason}` : ""}. A request you submit is recorded and counted, but
          nothing is decided or disclosed while this lasts.
        </p>
      )}
      <ErrorSummary problems={problems} fields={fields} />
      <form method="post" action="/portal/requests" enctype="multipart/form-data" class="request-form" novalidate>
        <CsrfField token={csrf} />
        <fieldset>
          <legend>The request</legend>
          {agencies && (
            <div class="field">
              <label for="f-agencyId">Agency the request came from (registered from the mail)</label>
              <FieldError problems={problems} name="agencyId" />
              <select id="f-agencyId" name="agencyId" required>
                {agencies.map((a) => (
                  <option key={a.id} value={a.id} selected={a.id === agencyId}>
                    {a.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <Input
            name="reference"
            label="Your reference"
            hint="Your agency's own case or document number, e.g. FBI-SF-2020-1187."
            value={form.reference}
            problems={problems}
            maxLength={128}
            required
          />
          <Input
            name="jurisdiction"
            label="Jurisdiction"
            hint="ISO 3166 code of the country (or subdivision, like US-CA) whose law the request is made under."
            value={form.jurisdiction}
            problems={problems}
            maxLength={6}
            required
          />
          <Input
            name="issuedBy"
            label="Issued by (optional)"
            hint="The court or authority that issued the legal process."
            value={form.issuedBy}
            problems={problems}
            maxLength={300}
          />
          <Input
            name="findings"
            label="Findings of the issuing court (optional)"
            hint="Separated by commas, e.g. terrorism_suspect."
            value={form.findings}
            problems={problems}
          />
        </fieldset>

        <fieldset class={problems.some((p) => p.path === "process") ? "invalid" : ""}>
          <legend>Legal process</legend>
          <FieldError problems={problems} name="process" />
          <div class="choices" id={fieldId("process")}>
            {Object.entries(PROCESS_TEXT).map(([process, text]) => (
              <p class="choice" key={process}>
                <input
                  type="radio"
                  name="process"
                  id={fieldId(`process-${process}`)}
                  value={process}
                  checked={form.process === process}
                  aria-describedby={`${fieldId(`process-${process}`)}-hint`}
                />
                <label for={fieldId(`process-${process}`)}>{text.label}</label>
                <span class="hint" id={`${fieldId(`process-${process}`)}-hint`}>
                  {text.explain}
                </span>
              </p>
            ))}
          </div>
        </fieldset>

        <fieldset class="emergency-only" data-show-when-process="emergency">
          <legend>Emergency</legend>
          <p class="hint">
            Only for an emergency request. Emergencies are answered for{" "}
            {guide.emergencyTiers.length > 0 ? guide.emergencyTiers.join(" and ") : "no"} records, and only after we
            call your agency back on the number we hold for it.
          </p>
          <div class="field">
            <label for={fieldId("emergency.justification")}>Justification</label>
            <FieldError problems={problems} name="emergency.justification" />
            <textarea
              id={fieldId("emergency.justification")}
              name="emergency.justification"
              rows={4}
              maxLength={4000}
              aria-describedby={describedBy(problems, "emergency.justification")}
            >
              {form.emergencyJustification}
            </textarea>
          </div>
        </fieldset>

        <fieldset>
          <legend>Accounts (targets)</legend>
          <p class="hint">
            One account per row: an account id, username, e-mail address or phone number (+85291234567).
          </p>
          <FieldError problems={problems} name="targets" />
          <div id="target-rows">
            {Array.from({ length: rows }, (_, i) => {
              const target = form.targets[i] ?? { type: "account_id", value: "" };
              return (
                <div class="target-row" key={i}>
                  <div class="field">
                    <label for={fieldId(`targets.${i}.type`)}>Target {i + 1}: kind</label>
                    <FieldError problems={problems} name={`targets.${i}.type`} />
                    <select id={fieldId(`targets.${i}.type`)} name={`targets.${i}.type`}>
                      {TARGET_TYPES.map((type) => (
                        <option key={type} value={type} selected={target.type === type}>
                          {type.replace("_", " ")}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div class={`field${problems.some((p) => p.path === `targets.${i}.value`) ? " invalid" : ""}`}>
                    <label for={fieldId(`targets.${i}.value`)}>Target {i + 1}: value</label>
                    <FieldError problems={problems} name={`targets.${i}.value`} />
                    <input
                      id={fieldId(`targets.${i}.value`)}
                      name={`targets.${i}.value`}
                      value={target.value}
                      maxLength={254}
                      aria-describedby={describedBy(problems, `targets.${i}.value`)}
                    />
                  </div>
                </div>
              );
            })}
          </div>
          <button type="button" class="secondary" data-add-target="" hidden>
            Add another account
          </button>
        </fieldset>

        <fieldset class={problems.some((p) => p.path.startsWith("categories")) ? "invalid" : ""}>
          <legend>Data asked for</legend>
          <p class="hint">
            What each kind of record needs, under {guide.policy} for {guide.jurisdiction}. Ask only for what the legal
            process you hold opens; anything else is withheld, item by item.
          </p>
          <FieldError problems={problems} name="categories" />
          {problems
            .filter((p) => /^categories\.\d+$/.test(p.path))
            .map((p) => (
              <div class="field-error" key={p.path}>
                {p.message}
              </div>
            ))}
          <div id={fieldId("categories")} class="tiers">
            {guide.tiers.map((tier) => (
              <fieldset key={tier.tier} class="tier">
                <legend>
                  {tier.label[0]?.toUpperCase()}
                  {tier.label.slice(1)} <span class="hint">— {tier.opensWith}</span>
                </legend>
                {tier.categories.map((c) => (
                  <p class={`choice${c.available ? "" : " unavailable"}`} key={c.category}>
                    <input
                      type="checkbox"
                      name="categories"
                      id={fieldId(`cat-${c.category}`)}
                      value={c.category}
                      checked={form.categories.includes(c.category)}
                      aria-describedby={`${fieldId(`cat-${c.category}`)}-hint`}
                    />
                    <label for={fieldId(`cat-${c.category}`)}>
                      {c.label} <code>{c.category}</code>
                    </label>
                    <span class="hint" id={`${fieldId(`cat-${c.category}`)}-hint`}>
                      {c.explain}
                    </span>
                  </p>
                ))}
              </fieldset>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend>Period and secrecy</legend>
          <div class="row">
            <Input
              name="dateRange.from"
              label="Records from (optional)"
              type="date"
              value={form.dateFrom}
              problems={problems}
            />
            <Input name="dateRange.to" label="Records to" type="date" value={form.dateTo} problems={problems} />
          </div>
          <Input
            name="nonDisclosure.until"
            label="Non-disclosure order until (optional)"
            hint="If a court has ordered that the user is not told, the date the order ends."
            type="date"
            value={form.nonDisclosureUntil}
            problems={problems}
          />
        </fieldset>

        <fieldset>
          <legend>Documents</legend>
          <div class="field">
            <label for={fieldId("documents")}>The signed legal process (PDF or scans)</label>
            <span class="hint" id="f-documents-hint">
              Each file's SHA-256 is recorded with the request. Choose several at once if there are several.
            </span>
            <FieldError problems={problems} name="documents" />
            <input
              id={fieldId("documents")}
              name="documents"
              type="file"
              multiple
              aria-describedby="f-documents-hint"
            />
          </div>
        </fieldset>
        <p>
          <button type="submit">Submit the request</button>
        </p>
      </form>
    </Layout>
  );
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
          <table>
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
                  <td>{r.process.replace("_", " ")}</td>
                  <td>
                    <StatusBadge status={r.status} /> <span class="muted">{statusText(r.status)}</span>
                  </td>
                  <td>
                    <When at={r.receivedAt} jurisdiction={r.jurisdiction} />
                  </td>
                  <td>
                    <When at={r.deadlineAt} jurisdiction={r.jurisdiction} />
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
            problems={problems}
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
      const early = formProblems(form);
      if (early.length > 0) {
        await discardUnlinkedBlobs(
          db,
          uploads.map((u) => u.blobId),
        );
        return rerender(early, 400);
      }
      const document = documentFromForm(form, { agencyName: agency?.name ?? "unknown", email: principal.email }, now());
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

  app.post(
    "/portal/requests/:id/withdraw",
    {
      config: { access: "request.withdraw", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({ _csrf: z.string().max(200).optional(), reason: z.string().trim().min(1).max(2000) }),
      },
    },
    async (request, reply) => {
      await withdrawRequest(db, principalOf(request), request.params.id, request.body.reason, now());
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
    async (request, reply) => sendProductionDownload(reply, context, principalOf(request), request.params.id),
  );
}
