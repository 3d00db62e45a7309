import { z } from "zod";
import { answerClarification, type Correspondence } from "../correspondence/correspondence.service.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { CsrfField, When } from "./layout.js";
import { seeOther } from "./render.js";

/**
 * The correspondence on the officer's request page: every form the provider sent (each as its PDF and its
 * JSON) and every answer, and, for a clarification still open, the form that answers it.
 */
export function CorrespondenceSection({
  requestId,
  correspondence,
  csrf,
  jurisdiction,
}: {
  requestId: string;
  correspondence: Correspondence;
  csrf: string | undefined;
  jurisdiction: string;
}) {
  if (correspondence.items.length === 0) return null;
  const base = `/api/v1/requests/${requestId}/messages`;
  return (
    <section id="correspondence" aria-labelledby="correspondence-h">
      <h2 id="correspondence-h">Correspondence</h2>
      {correspondence.clock.pausedSince && (
        <p class="warning" role="status">
          The time to answer this order stands still since{" "}
          <When at={correspondence.clock.pausedSince} jurisdiction={jurisdiction} />: we asked for a clarification
          below. It runs again when you answer.
        </p>
      )}
      <ol class="messages">
        {correspondence.items.map((m) => (
          <li key={m.id} data-message={m.id} data-kind={m.kind}>
            <p>
              <strong>{m.title}</strong> ({m.direction === "outbound" ? "from us" : "from you"}),{" "}
              <When at={m.sentAt} jurisdiction={jurisdiction} /> · <a href={`${base}/${m.id}/pdf`}>PDF</a> ·{" "}
              <a href={`${base}/${m.id}`}>JSON</a>
            </p>
            {m.kind === "annex_iii" && (
              <ul>
                {((m.form.reasons ?? []) as Array<{ code: string; text: string; explanation?: string }>).map((r) => (
                  <li key={r.code}>
                    {r.text}
                    {r.explanation ? `: ${r.explanation}` : ""}
                  </li>
                ))}
              </ul>
            )}
            {typeof m.form.question === "string" && <blockquote>{m.form.question}</blockquote>}
            {typeof m.form.answer === "string" && <blockquote>{m.form.answer}</blockquote>}
            {m.awaitsAnswer && !m.answeredAt && (
              <form method="post" action={`/portal/requests/${requestId}/messages/${m.id}/answer`} class="narrow">
                <CsrfField token={csrf} />
                <div class="field">
                  <label for={`f-answer-${m.sequence}`}>Your answer</label>
                  <textarea id={`f-answer-${m.sequence}`} name="answer" required maxLength={8000} rows={5} />
                </div>
                <button type="submit">Send the answer</button>
              </form>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

export async function correspondencePages(app: App, { db, now }: AppContext): Promise<void> {
  app.post(
    "/portal/requests/:id/messages/:messageId/answer",
    {
      config: { access: "request.reply", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid(), messageId: z.uuid() }),
        body: z.strictObject({ _csrf: z.string().max(200).optional(), answer: z.string().trim().min(1).max(8000) }),
      },
    },
    async (request, reply) => {
      const { id, messageId } = request.params;
      await answerClarification(db, principalOf(request), id, messageId, request.body.answer, now());
      return seeOther(reply, `/portal/requests/${id}?notice=answered#correspondence`);
    },
  );
}
