import type { FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { z } from "zod";
import { may, type Principal } from "../authz/authz.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { PUBLISHABLE_FIELDS, type PublishableField, type PublishedDemand } from "../reports/publication.format.js";
import { demandArticle } from "../reports/publication.page.js";
import {
  approvePublication,
  draftPublication,
  type Publication,
  previewPublication,
  readPublication,
} from "../reports/publication.service.js";
import { DomainError } from "../shared/errors.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import { inSentences, PUBLICATION_FIELD_NAMES, SENTENCES } from "./form-sentences.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { CsrfField, describedBy, ErrorSummary, FieldError, fieldId, Layout, When } from "./layout.js";
import { seeOther, sendPage } from "./render.js";

/**
 * A demand's publication on the desk (docs/publications.md): on the request page, staff who may draft see
 * whether it may be published, its draft or approved publication as the public page shows it, and a form to
 * draft it (the fields to withhold, each with its reason, and a summary) with a preview before saving;
 * counsel other than the drafter approves through a page that names the effect. The forms call the
 * service the API calls (reports/publication.service.ts), and its refusals come back in sentences.
 */

export const PUBLICATION_FORM = "publication";
export const APPROVAL_FORM = "approval";
/** Where the published demands are public; the confirmation names it. */
const PUBLIC_PAGE = "/reports/demands";

/** What the drafting form holds: sent back with a preview or a refusal, or read from the draft. */
export interface PublicationFormState {
  redact: PublishableField[];
  reasons: Partial<Record<PublishableField, string>>;
  summary: string;
}

/** What the request page shows of the publication, for staff who may draft. */
export interface PublicationView {
  blocked: string | null;
  publication: Publication | null;
  /** A preview of the form as sent, not saved. */
  preview?: PublishedDemand;
  /** The form as sent (a preview, or a refusal); else the draft's. */
  posted?: PublicationFormState;
}

/**
 * The public page's own rendering of a demand (publication.page.ts's demandArticle, every value escaped),
 * so the preview is exactly what the public will read, not a second rendering that could drift from it.
 * That HTML is built with escapeHtml around every value, which is why it may be set as is.
 */
function Preview({ demand, label }: { demand: PublishedDemand; label: string }) {
  return (
    <section class="card preview" aria-label={label}>
      <div dangerouslySetInnerHTML={{ __html: demandArticle(demand) }} />
    </section>
  );
}

function stateOf(publication: Publication | null): PublicationFormState {
  if (!publication) return { redact: [], reasons: {}, summary: "" };
  const kept = publication.redactions.filter((r) => r.field !== "targets") as {
    field: PublishableField;
    reason: string;
  }[];
  return {
    redact: kept.map((r) => r.field),
    reasons: Object.fromEntries(kept.map((r) => [r.field, r.reason])),
    summary: publication.summary ?? "",
  };
}

const sentence = (message: string) =>
  inSentences([{ path: PUBLICATION_FORM, message }], SENTENCES.publication)[0]?.message ?? message;

export function PublicationPanel({
  principal,
  csrf,
  requestId,
  view,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  requestId: string;
  view: PublicationView | null;
  failure: FormFailure | undefined;
}) {
  if (!view) return null;
  const { publication, blocked } = view;
  const approved = publication?.approvedBy ? publication : null;
  const draft = publication && !approved ? publication : null;
  const drafter = draft?.draftedBy === principal.email;
  return (
    <section aria-labelledby="publication-h">
      <h2 id="publication-h">Publication</h2>
      {approved ? (
        <>
          <p>
            Approved by {approved.approvedBy} on <When at={approved.approvedAt} />: public at{" "}
            <a href={PUBLIC_PAGE}>{PUBLIC_PAGE}</a> as below.
          </p>
          <Preview demand={approved} label="What the public sees" />
        </>
      ) : (
        <>
          {blocked && <p class="warning">{sentence(blocked)}</p>}
          {draft && (
            <>
              <p>
                Draft version {draft.version} by {draft.draftedBy}, <When at={draft.draftedAt} />. Nothing is public
                until counsel, someone other than the drafter, approves it. What the public will see:
              </p>
              <Preview demand={draft} label={`Draft version ${draft.version}, as the public will see it`} />
              {!blocked &&
                (!may(principal, "publication.approve") ? (
                  <p>Counsel, someone other than the drafter, approves it.</p>
                ) : drafter ? (
                  <p>You drafted this version, so another member of counsel must approve it.</p>
                ) : (
                  <p>
                    <a class="button" href={`/desk/requests/${requestId}/publication/approval`}>
                      Approve for publication…
                    </a>
                  </p>
                ))}
            </>
          )}
          {!blocked && (
            <DraftForm
              csrf={csrf}
              requestId={requestId}
              state={view.posted ?? stateOf(draft)}
              failure={failure}
              redraft={draft !== null}
            />
          )}
          {view.preview && (
            <>
              <h3 id="publication-preview-h">Preview: what the public will see (not saved)</h3>
              <Preview demand={view.preview} label="Preview of the draft, not saved" />
            </>
          )}
        </>
      )}
    </section>
  );
}

function DraftForm({
  csrf,
  requestId,
  state,
  failure,
  redraft,
}: {
  csrf: string | undefined;
  requestId: string;
  state: PublicationFormState;
  failure: FormFailure | undefined;
  redraft: boolean;
}) {
  const form = PUBLICATION_FORM;
  const problems = failure?.form === form ? failure.problems : [];
  const summaryPath = `${form}.summary`;
  return (
    <form method="post" action={`/desk/requests/${requestId}/publication`} class="card" novalidate>
      <CsrfField token={csrf} />
      {failure?.form === form && (
        <ErrorSummary
          problems={problems}
          fields={new Set([...PUBLISHABLE_FIELDS.map((f) => `${form}.reason_${f}`), summaryPath, `${form}.redact`])}
          named={() => ""}
        />
      )}
      <fieldset>
        <legend>
          {redraft ? "Redraft: " : ""}what to withhold from the public (the accounts named are always withheld)
        </legend>
        {PUBLISHABLE_FIELDS.map((field) => {
          const reasonPath = `${form}.reason_${field}`;
          return (
            <div class="field" key={field}>
              <p class="choice">
                <input
                  type="checkbox"
                  id={`f-publication-redact-${field}`}
                  name="redact"
                  value={field}
                  checked={state.redact.includes(field)}
                />
                <label for={`f-publication-redact-${field}`}>Withhold {PUBLICATION_FIELD_NAMES[field]}</label>
              </p>
              <label for={fieldId(reasonPath)}>Why {PUBLICATION_FIELD_NAMES[field]} is withheld</label>
              <input
                type="text"
                id={fieldId(reasonPath)}
                name={`reason_${field}`}
                maxLength={500}
                value={state.reasons[field] ?? ""}
                aria-invalid={problems.some((p) => p.path === reasonPath) ? "true" : undefined}
                aria-describedby={describedBy(problems, reasonPath)}
              />
              <FieldError problems={problems} name={reasonPath} />
            </div>
          );
        })}
      </fieldset>
      <div class="field">
        <label for={fieldId(summaryPath)}>Summary for the public (optional)</label>
        <textarea
          id={fieldId(summaryPath)}
          name="summary"
          maxLength={4000}
          rows={3}
          aria-describedby={describedBy(problems, summaryPath)}
        >
          {state.summary}
        </textarea>
        <FieldError problems={problems} name={summaryPath} />
      </div>
      <button type="submit" name="intent" value="preview">
        Preview
      </button>{" "}
      <button type="submit" name="intent" value="save">
        Save the draft
      </button>
    </form>
  );
}

/** Counsel's confirmation: the draft exactly as the public will see it, the effect named, one button. */
function ApprovalPage({
  principal,
  csrf,
  requestId,
  reference,
  publication,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  requestId: string;
  reference: string;
  publication: Publication;
  failure: FormFailure | undefined;
}) {
  const drafter = publication.draftedBy === principal.email;
  return (
    <Layout title={failure ? `Error: publish ${reference}` : `Publish ${reference}`} principal={principal} csrf={csrf}>
      <p>
        <a href={`/desk/requests/${requestId}`}>← {reference}</a>
      </p>
      <h1>Publish {reference}</h1>
      {failure && <ErrorSummary problems={failure.problems} named={() => ""} />}
      {publication.approvedBy ? (
        <p>
          This publication was approved by {publication.approvedBy}: it is public at{" "}
          <a href={PUBLIC_PAGE}>{PUBLIC_PAGE}</a>.
        </p>
      ) : (
        <>
          <p class="effect">
            This will be public at <a href={PUBLIC_PAGE}>{PUBLIC_PAGE}</a>: anyone will be able to read what is shown
            below, and it will be exported as a Lumen notice, from the moment you approve. Draft version{" "}
            {publication.version} by {publication.draftedBy}.
          </p>
          <Preview demand={publication} label={`Draft version ${publication.version}, as the public will see it`} />
          {drafter ? (
            <p>You drafted this version, so another member of counsel must approve it.</p>
          ) : (
            <form method="post" action={`/desk/requests/${requestId}/publication/approval`} novalidate>
              <CsrfField token={csrf} />
              <input type="hidden" name="version" value={String(publication.version)} />
              <button type="submit">Approve and publish</button>
            </form>
          )}
        </>
      )}
    </Layout>
  );
}

const many = <T extends readonly [string, ...string[]]>(values: T, message: string) =>
  z
    .union([z.enum(values, { error: message }), z.array(z.enum(values, { error: message })).max(values.length)])
    .transform((v) => (Array.isArray(v) ? v : [v]));
const reasonFields = Object.fromEntries(
  PUBLISHABLE_FIELDS.map((f) => [`reason_${f}`, z.string().trim().max(500).optional()]),
) as Record<`reason_${PublishableField}`, z.ZodOptional<z.ZodString>>;
const draftBody = z.strictObject({
  _csrf: z.string().max(200).optional(),
  intent: z.enum(["preview", "save"], { error: "Choose Preview or Save the draft" }),
  redact: many(PUBLISHABLE_FIELDS, "Choose fields from the list").optional(),
  summary: z.string().trim().max(4000).optional(),
  ...reasonFields,
});
const idParams = z.strictObject({ id: z.uuid() });

/** The form as sent, whatever came of it, so nothing typed is lost. */
function postedState(body: unknown): PublicationFormState {
  const b = (body ?? {}) as Record<string, unknown>;
  const redact = (Array.isArray(b.redact) ? b.redact : b.redact ? [b.redact] : []).filter((f): f is PublishableField =>
    (PUBLISHABLE_FIELDS as readonly unknown[]).includes(f),
  );
  const reasons: Partial<Record<PublishableField, string>> = {};
  for (const f of PUBLISHABLE_FIELDS) {
    const v = b[`reason_${f}`];
    if (typeof v === "string") reasons[f] = v;
  }
  return { redact, reasons, summary: typeof b.summary === "string" ? b.summary : "" };
}

/** The redactions the form asks for; a field ticked without a reason is refused beside its reason. */
function redactionsOf(body: z.output<typeof draftBody>) {
  const fields = body.redact ?? [];
  const problems: Problem[] = [];
  const redactions = fields.map((field) => {
    const reason = body[`reason_${field}`] ?? "";
    if (reason === "") problems.push({ path: `reason_${field}`, message: "required" });
    return { field, reason };
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return redactions;
}

export type RequestPageFor = (
  request: FastifyRequest,
  id: string,
  extra: { failure?: FormFailure; publication?: Pick<PublicationView, "preview" | "posted"> },
) => Promise<VNode>;

export async function publicationPages(app: App, { db, now }: AppContext, requestPage: RequestPageFor): Promise<void> {
  app.post(
    "/desk/requests/:id/publication",
    {
      attachValidation: true,
      config: { access: "publication.draft", page: true },
      schema: { hide: true, params: idParams, body: draftBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.id;
      const posted = postedState(request.body);
      const outcome = await attemptForm(PUBLICATION_FORM, request, async () => {
        const input = { redactions: redactionsOf(request.body), summary: request.body.summary || undefined };
        return request.body.intent === "preview"
          ? { preview: await previewPublication(db, principal, id, input, now()) }
          : { saved: await draftPublication(db, principal, id, input, now()) };
      });
      if (!outcome.ok) {
        const failure = { ...outcome.failure, problems: inSentences(outcome.failure.problems, SENTENCES.publication) };
        return sendPage(reply, await requestPage(request, id, { failure, publication: { posted } }), failure.status);
      }
      if ("preview" in outcome.value)
        return sendPage(
          reply,
          await requestPage(request, id, { publication: { preview: outcome.value.preview, posted } }),
        );
      return seeOther(reply, `/desk/requests/${id}?notice=publication-drafted#publication-h`);
    },
  );

  const approvalPage = async (request: FastifyRequest, id: string, failure?: FormFailure) => {
    const principal = principalOf(request);
    const publication = await readPublication(db, principal, id);
    const { reference } = await db
      .selectFrom("request")
      .select("reference")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    return (
      <ApprovalPage
        principal={principal}
        csrf={pageCsrf(request)}
        requestId={id}
        reference={reference}
        publication={publication}
        failure={failure}
      />
    );
  };

  app.get(
    "/desk/requests/:id/publication/approval",
    { config: { access: "publication.approve", page: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => sendPage(reply, await approvalPage(request, request.params.id)),
  );

  app.post(
    "/desk/requests/:id/publication/approval",
    {
      attachValidation: true,
      config: { access: "publication.approve", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          _csrf: z.string().max(200).optional(),
          version: z.coerce.number().int().min(1).max(1_000_000),
        }),
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const outcome = await attemptForm(APPROVAL_FORM, request, () =>
        approvePublication(db, principalOf(request), id, { version: request.body.version }, now()).catch(
          (error: unknown) => {
            // The drafter's own approval is a refusal of this person, audited as one by the service; on the
            // page it is said like the form's other refusals, beside the draft, not as an error page.
            if (error instanceof DomainError && error.code === "forbidden" && /drafted/.test(error.message))
              throw new ValidationError([{ path: "", message: error.message }]);
            throw error;
          },
        ),
      );
      if (!outcome.ok) {
        const drafterRefused = outcome.failure.problems.some((p) => /drafted/.test(p.message));
        const failure = {
          ...outcome.failure,
          problems: inSentences(outcome.failure.problems, SENTENCES.publication),
          status: drafterRefused ? 403 : outcome.failure.status,
        };
        return sendPage(reply, await approvalPage(request, id, failure), failure.status);
      }
      return seeOther(reply, `/desk/requests/${id}?notice=publication-approved#publication-h`);
    },
  );
}
