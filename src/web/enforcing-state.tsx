import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { may, type Principal } from "../authz/authz.js";
import {
  ENFORCING_ANSWERS,
  ENFORCING_GROUND_CODES,
  ENFORCING_GROUNDS,
  NOTIFIED_EU_CATEGORIES,
} from "../domain/vocabulary.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { describeGround } from "../requests/enforcing-state.js";
import {
  type EnforcingView,
  recordEnforcingAnswer,
  recordEnforcingNotification,
} from "../requests/enforcing-state.service.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { CsrfField, FormErrors, SelectField, TextField, When } from "./layout.js";
import { seeOther } from "./render.js";

/**
 * An EU production order's enforcing State on the desk's request page (docs/regimes.md#the-enforcing-state):
 * the notification and its window, whether traffic and content data may leave now, the authority's answers,
 * and the staff's forms to record a notification the order did not state and each answer as it arrives.
 */

export const ENFORCING_NOTIFICATION_FORM = "enforcing-notification";
export const ENFORCING_ANSWER_FORM = "enforcing-answer";

const ANSWER_TEXT: Record<(typeof ENFORCING_ANSWERS)[number], string> = {
  no_ground: "No ground for refusal: the data may leave",
  refusal: "Refusal on grounds of Art. 12(1)",
  objection: "Objection to the use of data already delivered (Art. 10(4))",
  conditions: "Conditions on the use of the data",
};

const STATUS_TEXT = { release: "may leave", wait: "waits", refused: "refused: not produced" } as const;

export function EnforcingStatePanel({
  principal,
  csrf,
  requestId,
  view,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  requestId: string;
  view: EnforcingView | null;
  failure: FormFailure | undefined;
}) {
  if (!view) return null;
  const n = view.notification;
  const records = may(principal, "request.enforcing_state");
  const waiting = view.release.some((r) => r.status === "wait");
  return (
    <section class={waiting ? "warning" : undefined} aria-labelledby="enforcing-h">
      <h2 id="enforcing-h">Enforcing State</h2>
      {n ? (
        <>
          <p>
            The authority of {n.enforcingState} was notified at <When at={n.notifiedAt} />. It may raise a ground for
            refusal until <When at={n.windowClosesAt} /> ({n.emergency ? "96 hours: an emergency" : "10 days"}).
          </p>
          <ul>
            {view.release.map((r) => (
              <li key={r.category}>
                {r.category} data: <strong>{STATUS_TEXT[r.status]}</strong>
                {r.until && (
                  <>
                    {" "}
                    until <When at={r.until} />
                  </>
                )}
                {r.status === "refused" && r.reason ? ` (${r.reason})` : ""}
              </li>
            ))}
          </ul>
          {view.useBarred.length > 0 && (
            <p>
              <strong>Refused after delivery:</strong> the {view.useBarred.join(" and ")} data delivered may not be
              used.
            </p>
          )}
          {view.answers.length === 0 ? (
            <p>No answer from the enforcing authority yet.</p>
          ) : (
            <ol>
              {view.answers.map((a) => (
                <li key={a.answeredAt + a.kind}>
                  <When at={a.answeredAt} />: {ANSWER_TEXT[a.kind]}
                  {a.grounds.length > 0 && ` on ${a.grounds.map((g) => describeGround(g.ground)).join("; ")}`}
                  {a.categories.length > 0 && `, for ${a.categories.join(" and ")} data`}
                  {a.conditions && `: ${a.conditions}`}
                  {a.inTime ? "" : " (after the window closed)"}
                  {a.afterDelivery ? " (after delivery)" : ""}
                </li>
              ))}
            </ol>
          )}
          {records && <AnswerForm csrf={csrf} requestId={requestId} failure={failure} />}
        </>
      ) : view.notificationNotRequired ? (
        <p>
          The order states that the offence and the person are in the issuing State (Art. 8(2)): no enforcing State is
          notified.
        </p>
      ) : (
        <>
          <p>The order does not say that an enforcing State was notified.</p>
          {records && <NotificationForm csrf={csrf} requestId={requestId} failure={failure} />}
        </>
      )}
    </section>
  );
}

function NotificationForm({
  csrf,
  requestId,
  failure,
}: {
  csrf: string | undefined;
  requestId: string;
  failure?: FormFailure;
}) {
  const form = ENFORCING_NOTIFICATION_FORM;
  return (
    <form method="post" action={`/desk/requests/${requestId}/enforcing-state/notification`} class="card" novalidate>
      <CsrfField token={csrf} />
      <FormErrors form={form} failure={failure} fields={["enforcingState", "notifiedAt"]} />
      <TextField form={form} name="enforcingState" label="Enforcing State notified (code, e.g. DE)" failure={failure} />
      <TextField form={form} name="notifiedAt" label="Notified at (UTC, 2026-12-01 10:00)" failure={failure} />
      <button type="submit">Record the notification</button>
    </form>
  );
}

function AnswerForm({
  csrf,
  requestId,
  failure,
}: {
  csrf: string | undefined;
  requestId: string;
  failure?: FormFailure;
}) {
  const form = ENFORCING_ANSWER_FORM;
  return (
    <form method="post" action={`/desk/requests/${requestId}/enforcing-state/answers`} class="card" novalidate>
      <CsrfField token={csrf} />
      <FormErrors
        form={form}
        failure={failure}
        fields={["kind", "grounds", "categories", "conditions", "answeredAt"]}
      />
      <SelectField
        form={form}
        name="kind"
        label="The enforcing authority's answer"
        failure={failure}
        options={ENFORCING_ANSWERS.map((kind) => [kind, ANSWER_TEXT[kind]] as const)}
      />
      <fieldset>
        <legend>Grounds (a refusal or an objection)</legend>
        {ENFORCING_GROUND_CODES.map((ground) => (
          <p class="choice" key={ground}>
            <input type="checkbox" id={`f-enforcing-ground-${ground}`} name="grounds" value={ground} />
            <label for={`f-enforcing-ground-${ground}`}>
              {describeGround(ground).replace(` (${ENFORCING_GROUNDS[ground]})`, "")} ({ENFORCING_GROUNDS[ground]})
            </label>
          </p>
        ))}
      </fieldset>
      <fieldset>
        <legend>Data it concerns (a refusal or an objection; both when none is ticked)</legend>
        {NOTIFIED_EU_CATEGORIES.map((category) => (
          <p class="choice" key={category}>
            <input type="checkbox" id={`f-enforcing-category-${category}`} name="categories" value={category} />
            <label for={`f-enforcing-category-${category}`}>{category} data</label>
          </p>
        ))}
      </fieldset>
      <TextField form={form} name="conditions" label="Conditions on use (a conditions answer)" failure={failure} />
      <TextField
        form={form}
        name="answeredAt"
        label="Answered at (UTC, 2026-12-01 10:00; now when empty)"
        failure={failure}
      />
      <button type="submit">Record the answer</button>
    </form>
  );
}

// A person types a moment as `2026-12-01 10:00`, read as UTC; an ISO date-time with its offset is taken as is.
const typedMoment = z
  .string()
  .trim()
  .max(40)
  .transform((value, ctx) => {
    const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$/.test(value) ? `${value.replace(" ", "T")}:00Z` : value;
    const at = Date.parse(iso);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(at)) {
      ctx.addIssue({ code: "custom", message: "Enter the moment as 2026-12-01 10:00 (UTC)" });
      return z.NEVER;
    }
    return new Date(at);
  });
const many = <T extends readonly [string, ...string[]]>(values: T, message: string) =>
  z
    .union([z.enum(values, { error: message }), z.array(z.enum(values, { error: message })).max(values.length)])
    .transform((v) => (Array.isArray(v) ? v : [v]));
const csrfField = { _csrf: z.string().max(200).optional() };
const idParams = z.strictObject({ id: z.uuid() });

/** The desk's forms; `refused` answers with the request's page, the refused form's problems in place. */
export async function enforcingStatePages(
  app: App,
  { db, now }: AppContext,
  refused: (request: FastifyRequest, reply: FastifyReply, requestId: string, failure: FormFailure) => Promise<unknown>,
): Promise<void> {
  app.post(
    "/desk/requests/:id/enforcing-state/notification",
    {
      attachValidation: true,
      config: { access: "request.enforcing_state", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          enforcingState: z
            .string()
            .trim()
            .toUpperCase()
            .regex(/^[A-Z]{2}$/, { error: "Enter the State's two-letter code, like DE" }),
          notifiedAt: typedMoment,
        }),
      },
    },
    async (request, reply) => {
      const outcome = await attemptForm(ENFORCING_NOTIFICATION_FORM, request, () =>
        recordEnforcingNotification(
          db,
          principalOf(request),
          request.params.id,
          { enforcingState: request.body.enforcingState, notifiedAt: request.body.notifiedAt },
          now(),
        ),
      );
      if (!outcome.ok) return refused(request, reply, request.params.id, outcome.failure);
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=enforcing-notified`);
    },
  );

  app.post(
    "/desk/requests/:id/enforcing-state/answers",
    {
      attachValidation: true,
      config: { access: "request.enforcing_state", page: true },
      schema: {
        hide: true,
        params: idParams,
        body: z.strictObject({
          ...csrfField,
          kind: z.enum(ENFORCING_ANSWERS, { error: "Choose what the enforcing authority answered" }),
          grounds: many(ENFORCING_GROUND_CODES, "Choose grounds from the list").optional(),
          categories: many(NOTIFIED_EU_CATEGORIES, "Choose traffic or content").optional(),
          conditions: z
            .string()
            .trim()
            .max(4000, { error: "Write the conditions in 4,000 characters or fewer" })
            .optional()
            .transform((v) => (v ? v : undefined)),
          answeredAt: z
            .string()
            .trim()
            .max(40)
            .optional()
            .transform((v) => (v ? v : undefined))
            .pipe(typedMoment.optional()),
        }),
      },
    },
    async (request, reply) => {
      const { kind, grounds, categories, conditions, answeredAt } = request.body;
      const outcome = await attemptForm(ENFORCING_ANSWER_FORM, request, () =>
        recordEnforcingAnswer(
          db,
          principalOf(request),
          request.params.id,
          { kind, grounds, categories, conditions, answeredAt: answeredAt ?? now() },
          now(),
        ),
      );
      if (!outcome.ok) return refused(request, reply, request.params.id, outcome.failure);
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=enforcing-answered`);
    },
  );
}
