import { z } from "zod";
import { may, type Principal } from "../authz/authz.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { type HoldView, releaseHold, releaseHoldsAlongside } from "../requests/holds.service.js";
import { CsrfField, When } from "./layout.js";
import { seeOther } from "./render.js";

/** A request held for staff review after its submitter's suspension: said on the request, released from the desk. */

/** What the agency's officers see: that it waits for the provider's staff, not why. */
export function PortalHoldNotice({ hold }: { hold: HoldView | null }) {
  if (!hold) return null;
  return (
    <p class="warning" role="status">
      <strong>Held for review by our staff</strong> since <When at={hold.since} />: the account that submitted this
      request was suspended. Nothing is done on it until staff have reviewed it.
    </p>
  );
}

/** The desk's panel: why it is held, and (for the staff who verify requesters) the release, one or all. */
export function StaffHoldPanel({
  principal,
  csrf,
  requestId,
  hold,
}: {
  principal: Principal;
  csrf: string | undefined;
  requestId: string;
  hold: HoldView | null;
}) {
  if (!hold) return null;
  return (
    <section class="warning" aria-labelledby="hold-h">
      <h2 id="hold-h">Held for staff review</h2>
      <p>
        The account that submitted this request ({hold.account?.email}) was suspended by {hold.placedBy} on{" "}
        <When at={hold.since} />: “{hold.reason}”. This is not a jurisdiction pause: nothing moves the request toward
        disclosure until a member of staff has checked it is genuine and released it. Reactivating the account releases
        nothing.
      </p>
      {may(principal, "request.release") && (
        <form method="post" action={`/desk/requests/${requestId}/release`}>
          <CsrfField token={csrf} />
          <div class="field">
            <label for="release-note">What you checked (recorded in the audit trail)</label>
            <textarea id="release-note" name="note" required maxLength={2000} rows={2} />
          </div>
          <div class="field">
            <button type="submit" name="scope" value="this">
              Release this request
            </button>{" "}
            <button type="submit" name="scope" value="all">
              Release every request held for this suspension
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export async function holdPages(app: App, { db, now }: AppContext): Promise<void> {
  app.post(
    "/desk/requests/:id/release",
    {
      config: { access: "request.release", page: true },
      schema: {
        hide: true,
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({
          _csrf: z.string().max(200).optional(),
          note: z.string().trim().min(1).max(2000),
          scope: z.enum(["this", "all"]),
        }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { note, scope } = request.body;
      if (scope === "this") await releaseHold(db, principal, request.params.id, note, now());
      else await releaseHoldsAlongside(db, principal, request.params.id, note, now());
      return seeOther(
        reply,
        `/desk/requests/${request.params.id}?notice=${scope === "this" ? "released" : "released-all"}`,
      );
    },
  );
}
