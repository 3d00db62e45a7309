import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { may, type Principal } from "../../authz/authz.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { checkJurisdiction } from "../../domain/jurisdictions.js";
import { type App, type AppContext, principalOf } from "../../http/context.js";
import { pageCsrf } from "../../http/session.js";
import {
  type JurisdictionBoard,
  type JurisdictionStanding,
  jurisdictionBoard,
  jurisdictionStanding,
} from "../../jurisdictions/jurisdictions.queries.js";
import { pauseJurisdiction, resumeJurisdiction } from "../../jurisdictions/jurisdictions.service.js";
import { attemptForm, type FormFailure } from "../forms.js";
import { jurisdictionLabel, jurisdictionName, resolveJurisdiction } from "../jurisdiction-input.js";
import { CsrfField, FormErrors, Layout, NotOffered, StatusBadge, TextField, When } from "../layout.js";
import { noticeText } from "../notices.js";
import { seeOther, sendPage } from "../render.js";
import { formatDay } from "../zones.js";
import { type AdminPage, csrfField, noticeQuery, reason, sendRefused } from "./admin.forms.js";

/** Jurisdictions: which are paused or refused and why, pause and resume (admin), the history of both. */

export function JurisdictionsView({
  principal,
  csrf,
  notice,
  failure,
  board,
}: {
  principal: Principal;
  csrf: string | undefined;
  notice: string | undefined;
  failure: FormFailure | undefined;
  board: JurisdictionBoard;
}) {
  const canChange = may(principal, "jurisdiction.change");
  const canList = may(principal, "request.list");
  return (
    <Layout title="Jurisdictions" principal={principal} csrf={csrf} current="/admin/jurisdictions" notice={notice}>
      <h1>Jurisdictions</h1>
      <p class="muted">
        A paused jurisdiction's requests are recorded and counted but nothing is decided or disclosed; resuming decides
        each held request again under the policy in force.
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
          {board.notActive.map((r) => (
            <tr key={r.code} id={`jurisdiction-${r.code}`}>
              <th scope="row">{jurisdictionLabel(r.code)}</th>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{r.reason}</td>
              <td>{r.since instanceof Date ? <When at={r.since} /> : r.since ? formatDay(r.since) : ""}</td>
              <td>{r.by}</td>
              <td>
                {r.held > 0 && canList ? (
                  <a href={`/desk?view=held&jurisdiction=${r.code}`}>{r.held.toLocaleString("en-US")}</a>
                ) : (
                  r.held.toLocaleString("en-US")
                )}
              </td>
              {canChange && !r.resumable && <td class="muted">Refused by the policy: change the policy to lift it</td>}
              {canChange && r.resumable && (
                <td>
                  <a href={`/admin/jurisdictions/${r.code}/resume`} class="button secondary">
                    Resume {jurisdictionName(r.code)}…
                  </a>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canChange && (
        <form method="get" action="/admin/jurisdictions/pause" class="card narrow">
          <fieldset>
            <legend>Pause a jurisdiction</legend>
            <FormErrors form="pause" failure={failure} fields={["code"]} />
            <TextField
              form="pause"
              name="code"
              label="Country or code"
              failure={failure}
              required
              maxLength={100}
              placeholder="e.g. Hong Kong or HK"
            />
            <p class="hint">
              The next page says what the pause will do and asks for its reason; nothing changes before.
            </p>
            <button type="submit" class="secondary">
              Continue
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
          {board.history.length === 0 && (
            <tr>
              <td colSpan={5}>No changes yet.</td>
            </tr>
          )}
          {board.history.map((h) => (
            <tr key={h.id}>
              <td>
                <When at={h.changedAt} />
              </td>
              <th scope="row">{jurisdictionLabel(h.jurisdiction)}</th>
              <td>{h.status}</td>
              <td>{h.reason}</td>
              <td>{h.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

/**
 * The page between a pause or a resumption and the change: what it will do, named (how many requests it
 * holds or decides again), its reason, and one button; or, when the service would refuse it (a pause of a
 * paused or refused jurisdiction, a resumption of an active one or of a refusal the policy makes), why,
 * with no button at all.
 */
export function JurisdictionChangeView({
  principal,
  csrf,
  verb,
  standing,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  verb: "pause" | "resume";
  standing: JurisdictionStanding;
  failure: FormFailure | undefined;
}) {
  const name = jurisdictionName(standing.code);
  const label = jurisdictionLabel(standing.code);
  const refused = verb === "pause" ? standing.pauseRefused : standing.resumeRefused;
  const requests = (n: number) => `${n.toLocaleString("en-US")} request${n === 1 ? "" : "s"}`;
  const title = `${verb === "pause" ? "Pause" : "Resume"} ${label}`;
  const stands =
    standing.status === "active"
      ? `${name} is active: its requests are decided as they arrive.`
      : `${name} is ${standing.status}${standing.since ? ` since ${formatDay(standing.since)}` : ""}${standing.reason ? ` (${standing.reason})` : ""}${standing.through ? `, through ${jurisdictionLabel(standing.through)}` : ""}.`;
  return (
    <Layout
      title={failure ? `Error: ${title}` : title}
      principal={principal}
      csrf={csrf}
      current="/admin/jurisdictions"
    >
      <p>
        <a href="/admin/jurisdictions">← Jurisdictions</a>
      </p>
      <h1>{title}</h1>
      <p>{stands}</p>
      {refused ? (
        <NotOffered
          why={
            verb === "pause"
              ? `${name} is already ${standing.status}, so it cannot be paused again.`
              : standing.status === "active"
                ? `${name} is not paused, so there is nothing to resume.`
                : `${name} is refused by the policy${standing.through ? " of its country" : ""}: a refusal is not resumed.`
          }
          more={
            verb === "pause"
              ? "Pausing again would only rewrite when the pause began."
              : standing.status === "active"
                ? ""
                : "To lift it, change the policy on the Policy page."
          }
          ways={[
            ...(verb === "pause" && standing.status === "paused" && !standing.resumeRefused
              ? [{ href: `/admin/jurisdictions/${standing.code}/resume`, label: `Resume ${name} instead…` }]
              : []),
            { href: "/admin/jurisdictions", label: "Back to the jurisdictions" },
          ]}
        />
      ) : (
        <form method="post" action={`/admin/jurisdictions/${standing.code}/${verb}`} class="card narrow">
          <CsrfField token={csrf} />
          <FormErrors form={verb} failure={failure} fields={["reason"]} />
          <p class="effect">
            {verb === "pause" ? (
              <>
                <strong>Pause {name}:</strong> new requests from {name} will be held, not decided, until an admin
                resumes it, and the {requests(standing.open)} from {name} not yet delivered will be put on hold now.
                Nothing from {name} is disclosed while it is paused.
              </>
            ) : (
              <>
                <strong>Resume {name}:</strong> the {requests(standing.held)} on hold will be decided again under{" "}
                {standing.policy.name} {standing.policy.version} and go back to where they were (verification or
                review); new requests from {name} will be decided as they arrive.
              </>
            )}
          </p>
          <TextField
            form={verb}
            name="reason"
            label="Reason (published in the audit trail)"
            failure={failure}
            required
            maxLength={2000}
          />
          <button type="submit" class={verb === "pause" ? "danger" : undefined}>
            {verb === "pause" ? "Pause" : "Resume"} {name}
          </button>{" "}
          <a href="/admin/jurisdictions">Cancel</a>
        </form>
      )}
    </Layout>
  );
}

export async function jurisdictionPages(app: App, { db, now }: AppContext): Promise<void> {
  const page: AdminPage = async (principal, csrf, notice, failure) => (
    <JurisdictionsView
      principal={principal}
      csrf={csrf}
      notice={notice}
      failure={failure}
      board={await jurisdictionBoard(db, principal)}
    />
  );
  const confirmation = async (
    request: FastifyRequest,
    verb: "pause" | "resume",
    code: string,
    failure?: FormFailure,
  ) => {
    const principal = principalOf(request);
    return (
      <JurisdictionChangeView
        principal={principal}
        csrf={pageCsrf(request)}
        verb={verb}
        standing={await jurisdictionStanding(db, principal, code)}
        failure={failure}
      />
    );
  };

  const count = z.coerce.number().int().min(0).max(10_000_000).optional();
  app.get(
    "/admin/jurisdictions",
    {
      config: { access: "jurisdiction.read", page: true },
      schema: {
        hide: true,
        querystring: noticeQuery.extend({
          code: jurisdictionSchema.optional(),
          held: count,
          redecided: count,
          released: count,
        }),
      },
    },
    async (request, reply) => {
      const { notice, code, held, redecided, released } = request.query;
      const requests = (n: number) => `${n.toLocaleString("en-US")} request${n === 1 ? "" : "s"}`;
      // The change just made, with how many requests it moved; only numbers and a checked code come from the address.
      const said =
        code && notice === "paused" && held !== undefined
          ? `${jurisdictionName(code)} paused: ${requests(held)} put on hold; new requests from it are held as they arrive.`
          : code && notice === "resumed" && redecided !== undefined
            ? `${jurisdictionName(code)} resumed: ${requests(redecided)} decided again, ${(released ?? 0).toLocaleString("en-US")} of them released from hold.`
            : noticeText(notice);
      return sendPage(reply, await page(principalOf(request), pageCsrf(request), said));
    },
  );

  // The board's pause form asks for a country by name or code; the confirmation is that jurisdiction's page.
  app.get(
    "/admin/jurisdictions/pause",
    {
      config: { access: "jurisdiction.change", page: true },
      schema: { hide: true, querystring: z.strictObject({ code: z.string().max(100).optional() }) },
    },
    async (request, reply) => {
      const resolved = resolveJurisdiction(request.query.code ?? "");
      if ("code" in resolved) return seeOther(reply, `/admin/jurisdictions/${resolved.code}/pause`);
      const failure = {
        form: "pause",
        problems: [
          {
            path: "pause.code",
            message: request.query.code?.trim() ? resolved.problem : "Enter a country or its code",
          },
        ],
        values: { code: request.query.code ?? "" },
        status: 400,
      };
      return sendRefused(request, reply, page, failure);
    },
  );

  for (const verb of ["pause", "resume"] as const) {
    app.get(
      `/admin/jurisdictions/:code/${verb}`,
      {
        config: { access: "jurisdiction.change", page: true },
        schema: { hide: true, params: z.strictObject({ code: jurisdictionSchema }) },
      },
      async (request, reply) => sendPage(reply, await confirmation(request, verb, request.params.code)),
    );

    app.post(
      `/admin/jurisdictions/:code/${verb}`,
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
        if (request.validationError && !checkJurisdiction(String(request.params.code)).ok)
          throw request.validationError;
        const change = {
          jurisdiction: request.params.code,
          reason: request.body.reason,
          by: principalOf(request),
          now: now(),
        };
        const outcome = await attemptForm(verb, request, () =>
          verb === "pause" ? pauseJurisdiction(db, change) : resumeJurisdiction(db, change),
        );
        if (!outcome.ok) {
          const failure = outcome.failure;
          return sendPage(reply, await confirmation(request, verb, request.params.code, failure), failure.status);
        }
        const { held, redecided, released } = outcome.value;
        const counts = verb === "pause" ? `held=${held}` : `redecided=${redecided}&released=${released.length}`;
        return seeOther(
          reply,
          `/admin/jurisdictions?notice=${verb === "pause" ? "paused" : "resumed"}&code=${change.jurisdiction}&${counts}`,
        );
      },
    );
  }
}
