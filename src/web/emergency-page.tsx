import { z } from "zod";
import { may, type Principal } from "../authz/authz.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { acknowledgeEmergencyPage, type EmergencyPageView } from "../paging/emergency-page.service.js";
import { CsrfField, When } from "./layout.js";
import { seeOther } from "./render.js";

/** An emergency's page to the on-call person, on the desk's request page: whether anyone was woken, and who has it. */

function PageState({ page }: { page: EmergencyPageView }) {
  switch (page.status) {
    case "queued":
      return <p>The on-call person is being paged now.</p>;
    case "paging":
      return (
        <p>
          Paging has not got through yet ({page.attempts} {page.attempts === 1 ? "attempt" : "attempts"}; the last
          failed: {page.lastError}). It is tried again shortly.
        </p>
      );
    case "sent":
      return (
        <p>
          The on-call person was paged at {page.sentAt && <When at={page.sentAt} />}
          {page.attempts > 1 ? ` (after ${page.attempts} attempts)` : ""}.
        </p>
      );
    case "failed":
      return (
        <p>
          <strong>Paging failed</strong> after {page.attempts} attempts ({page.lastError}). Nobody was woken by it: call
          the on-call person.
        </p>
      );
    case "not_configured":
      return (
        <p>
          <strong>Nobody was paged</strong>: no pager is configured for this deployment. Make sure someone is working on
          this emergency.
        </p>
      );
    case "not_needed":
      return <p>Nobody had to be paged: the desk had it first.</p>;
  }
}

export function EmergencyPagePanel({
  principal,
  csrf,
  requestId,
  page,
}: {
  principal: Principal;
  csrf: string | undefined;
  requestId: string;
  page: EmergencyPageView | null;
}) {
  if (!page) return null;
  const unanswered = !page.acknowledgedAt;
  return (
    <section class={unanswered ? "warning" : undefined} aria-labelledby="emergency-page-h">
      <h2 id="emergency-page-h">Emergency: who has it</h2>
      <PageState page={page} />
      {page.acknowledgedAt ? (
        <p>
          Acknowledged by {page.acknowledgedBy} at <When at={page.acknowledgedAt} />.
        </p>
      ) : (
        <p>Nobody on the desk has acknowledged it yet.</p>
      )}
      {unanswered && may(principal, "emergency.acknowledge") && (
        <form method="post" action={`/desk/requests/${requestId}/emergency-page/acknowledge`}>
          <CsrfField token={csrf} />
          <button type="submit">I have it: acknowledge the emergency</button>
        </form>
      )}
    </section>
  );
}

export async function emergencyPagePages(app: App, { db, now }: AppContext): Promise<void> {
  app.post(
    "/desk/requests/:id/emergency-page/acknowledge",
    {
      config: { access: "emergency.acknowledge", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ _csrf: z.string().max(200).optional() }),
      },
    },
    async (request, reply) => {
      await acknowledgeEmergencyPage(db, principalOf(request), request.params.id, now());
      return seeOther(reply, `/desk/requests/${request.params.id}?notice=acknowledged`);
    },
  );
}
