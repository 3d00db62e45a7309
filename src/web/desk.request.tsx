import type { CallbackNumber } from "../agencies/callback-number.js";
import type { Principal } from "../authz/authz.js";
import { categoryLabel } from "../domain/vocabulary.js";
import type { EmergencyPageView } from "../paging/emergency-page.service.js";
import type { EnforcingView } from "../requests/enforcing-state.service.js";
import type { TimelineEntry } from "../requests/request.presenter.js";
import { CallbackNumberPanel } from "./callback-number.js";
import { ActionsPanel, type RequestView } from "./desk.actions.js";
import { EmergencyPagePanel } from "./emergency-page.js";
import { EnforcingStatePanel } from "./enforcing-state.js";
import type { FormFailure } from "./forms.js";
import { StaffHoldPanel } from "./holds.js";
import { actionText, DetailsInWords, type Names, reasonInWords } from "./in-words.js";
import { Layout, StatusBadge, statusText, When } from "./layout.js";
import { PublicationPanel, type PublicationView } from "./publication.js";
import { RequestFiled } from "./request-filed.js";
import { ChecklistSummary, VERDICT_TEXT } from "./review-form.js";
import { ScrollBox } from "./table.js";

/** A request's page on the desk: the request as filed, what the viewer can do now, the decision, the approvals and the audit trail. */

const ACTION_TEXT: Record<string, string> = {
  disclose: "disclose",
  withhold: "withhold",
  unavailable: "unavailable",
  hold: "hold",
  preserve: "preserve",
};

function ApprovalPanel({ r }: { r: RequestView }) {
  const decision = r.decision;
  if (!decision) return null;
  const current = r.reviews.filter((v) => v.decisionId === decision.id);
  const recommended = current.filter((v) => v.verdict === "recommend_approve");
  const approved = current.filter((v) => v.verdict === "approve");
  const steps = decision.needsReview
    ? [
        {
          label: "A reviewer recommends approval",
          done: recommended.map((v) => v.reviewer),
        },
        {
          label: "Counsel approves (someone other than the reviewer)",
          done: approved.map((v) => v.reviewer),
        },
      ]
    : [{ label: "Counsel approves", done: approved.map((v) => v.reviewer) }];
  return (
    <section aria-labelledby="approval-h">
      <h2 id="approval-h">{decision.needsReview ? "Two-person approval" : "Approval"}</h2>
      {decision.needsReview && (
        <ul>
          {decision.reviewReasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <ol class="steps">
        {steps.map((step) => (
          <li key={step.label} class={step.done.length > 0 ? "done" : "pending"}>
            {step.label}:{" "}
            {step.done.length > 0 ? <strong>done by {step.done.join(", ")}</strong> : <span>waiting</span>}
          </li>
        ))}
      </ol>
      {current.length > 0 && (
        <ScrollBox label="Reviews of the decision in force">
          <table>
            <caption>Reviews of the decision in force</caption>
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Verdict</th>
                <th scope="col">Checklist</th>
                <th scope="col">Note</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {current.map((v) => (
                <tr key={`${v.reviewer}${v.createdAt}`}>
                  <th scope="row">{v.reviewer}</th>
                  <td>{VERDICT_TEXT[v.verdict]}</td>
                  <td>
                    <ChecklistSummary value={v.checklist} />
                  </td>
                  <td>{v.note ?? ""}</td>
                  <td>
                    <When at={v.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </section>
  );
}

export function RequestPage({
  principal,
  csrf,
  r,
  timeline,
  notice,
  callbackNumber,
  assignee,
  emergencyPage,
  enforcing,
  publication,
  failure,
}: {
  principal: Principal;
  csrf: string | undefined;
  failure?: FormFailure | undefined;
  r: RequestView;
  /** The audit timeline, with what the ids in it name, for those who may read it. */
  timeline: { entries: TimelineEntry[]; names: Names } | undefined;
  callbackNumber: CallbackNumber | undefined;
  /** Who has taken the request (an e-mail), if anyone has. */
  assignee: string | null;
  /** An emergency's page to the on-call person, for the staff who acknowledge it. */
  emergencyPage: EmergencyPageView | null;
  /** An EPOC's enforcing State (docs/regimes.md#the-enforcing-state). */
  enforcing: EnforcingView | null;
  /** The demand's publication, for staff who may draft it, once the request is answered (docs/publications.md). */
  publication?: PublicationView | null;
  notice: string | undefined;
}) {
  const decision = r.decision;
  const humanRights = decision?.humanRightsReview === true;
  return (
    <Layout
      title={failure?.problems.length ? `Error: ${r.reference}` : r.reference}
      principal={principal}
      csrf={csrf}
      notice={notice}
    >
      <p>
        <a href="/desk">← Queue</a>
      </p>
      <h1>
        {r.reference} <StatusBadge status={r.status} />
      </h1>
      <p class="lead">{statusText(r.status)}</p>
      <StaffHoldPanel principal={principal} csrf={csrf} requestId={r.id} hold={r.staffHold} />
      <EmergencyPagePanel principal={principal} csrf={csrf} requestId={r.id} page={emergencyPage} />
      <EnforcingStatePanel principal={principal} csrf={csrf} requestId={r.id} view={enforcing} failure={failure} />
      <div class="columns">
        <div>
          <RequestFiled r={r} humanRights={humanRights} />
          {r.emergency && (
            <div class="warning">
              <h3>Emergency</h3>
              <p>{r.emergency.justification}</p>
              <p>
                {r.emergency.verified
                  ? "Verified by a call-back to the agency's number on file."
                  : "Not verified: nothing is disclosed until a call-back to the agency's number on file confirms it."}
              </p>
              {r.callbacks.map((c) => (
                <p key={c.madeAt} class="muted">
                  {c.madeBy} called {c.calledNumber}: {c.outcome} — {c.note} (<When at={c.madeAt} />)
                </p>
              ))}
              {callbackNumber && !r.emergency.verified && (
                <CallbackNumberPanel
                  state={callbackNumber}
                  principal={principal}
                  csrf={csrf}
                  reviewAction={`/desk/requests/${r.id}/callback-number/review`}
                  idPrefix="f-cbn"
                />
              )}
            </div>
          )}
          <h3>Documents</h3>
          <ul>
            {r.documents.map((d) => (
              <li key={d.position}>
                {d.stored ? <a href={`/api/v1/requests/${r.id}/documents/${d.position}`}>{d.name}</a> : d.name}{" "}
                <span class="muted mono">{d.sha256.slice(0, 16)}…</span>
              </li>
            ))}
            {r.documents.length === 0 && <li>None.</li>}
          </ul>
        </div>
        <ActionsPanel
          r={r}
          principal={principal}
          csrf={csrf}
          callbackNumber={callbackNumber}
          assignee={assignee}
          failure={failure}
        />
      </div>

      {decision && (
        <section aria-labelledby="decision-h">
          <h2 id="decision-h">
            Decision: {decision.outcome.replace("_", " ")}{" "}
            <span class="muted">
              under {decision.policy.name} {decision.policy.version}, {decision.cause}, <When at={decision.decidedAt} />
            </span>
          </h2>
          <ScrollBox label="Decision, each account × category">
            <table class="decision">
              <caption>Each account × category, with the policy line that decided it</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Category</th>
                  <th scope="col">Action</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Policy</th>
                </tr>
              </thead>
              <tbody>
                {(decision.items as unknown as Array<Record<string, string>>).map((item) => (
                  <tr key={`${item.target}${item.category}`} class={`action-${item.action}`}>
                    <th scope="row">{item.target}</th>
                    <td>{categoryLabel(item.category ?? "")}</td>
                    <td>
                      <span class={`badge action-${item.action}`}>{ACTION_TEXT[item.action ?? ""] ?? item.action}</span>
                    </td>
                    <td>{reasonInWords(item.reason ?? "")}</td>
                    <td>
                      <code>{item.rule}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        </section>
      )}
      <ApprovalPanel r={r} />
      <PublicationPanel
        principal={principal}
        csrf={csrf}
        requestId={r.id}
        view={publication ?? null}
        failure={failure}
      />
      {timeline && (
        <section aria-labelledby="timeline-h">
          <h2 id="timeline-h">Audit timeline</h2>
          <ScrollBox label="Audit timeline">
            <table>
              <caption>Every event recorded about this request, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {timeline.entries.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <When at={e.at} />
                    </td>
                    <td>{e.actor}</td>
                    <th scope="row">{actionText(e.action)}</th>
                    <td class="details">
                      <DetailsInWords details={e.details} names={timeline.names} hideUnnamed />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        </section>
      )}
    </Layout>
  );
}
