import type { CallbackNumber } from "../agencies/callback-number.js";
import { may, type Principal } from "../authz/authz.js";
import type { RequestDetailStaff } from "../requests/request.presenter.js";
import type { FormFailure } from "./forms.js";
import { CsrfField, describedBy, ErrorSummary, FieldError } from "./layout.js";
import { PUBLICATION_FORM } from "./publication.js";
import { REVIEW_FORM, ReviewForm } from "./review-form.js";

/**
 * The request page's answer to "what happens next, and who does it": one sentence naming the step and
 * whose it is, then, when it is the viewer's, the one form that does it (the call-back shows the number to
 * dial; verification says what it records; a review, or counsel's approval which asks for a confirmation
 * of what will leave on the next page). Take and let go sit beside it, as in the queue.
 */

/** The staff view of a request (an officer's view has no decision, reviews or call-backs). */
export type RequestView = RequestDetailStaff;

type StepOwner = "intake" | "reviewer" | "counsel" | "system" | "officer" | "admin" | "nobody";

interface NextStep {
  owner: StepOwner;
  /** Who acts, as the page says it. */
  who: string;
  /** What they do, in a sentence. */
  what: string;
}

const NOBODY = "Nobody: the request is finished.";

/** Where the request stands, as the next step and whose it is. */
export function nextStep(r: RequestView, dial: string | undefined): NextStep {
  const emergencyUnverified = r.process === "emergency" && r.emergency !== null && !r.emergency.verified;
  const open = r.status === "received" || r.status === "verifying" || r.status === "under_review";
  if (r.staffHold && open) {
    return {
      owner: "intake",
      who: "Intake",
      what: "checks the request is genuine and releases the hold (the account that submitted it was suspended).",
    };
  }
  if (emergencyUnverified && open) {
    // Whoever is on call makes the call (authz: intake, reviewers and counsel may record it).
    return {
      owner: "intake",
      who: "Whoever is on call (intake, a reviewer or counsel)",
      what: `calls the agency back on ${dial ?? "its number on file"} to confirm the emergency. Nothing is disclosed until the call confirms it.`,
    };
  }
  switch (r.status) {
    case "received":
    case "verifying":
      return {
        owner: "intake",
        who: "Intake",
        what: "verifies the requester and the documents, then sends the request for legal review.",
      };
    case "under_review": {
      const decision = r.decision;
      const current = r.reviews.filter((v) => v.decisionId === decision?.id);
      const recommended = current.some((v) => v.verdict === "recommend_approve" || v.verdict === "recommend_reject");
      if (decision?.needsReview && !recommended) {
        return {
          owner: "reviewer",
          who: "A reviewer",
          what: "answers the standards checklist and recommends approval or rejection; counsel then decides.",
        };
      }
      return {
        owner: "counsel",
        who: "Counsel",
        what: "approves the disclosure (after checking exactly what will leave) or rejects the request.",
      };
    }
    case "approved":
    case "fulfilling":
      return {
        owner: "system",
        who: "Custodian",
        what: "collects and packages the data approved; the officer is told when the production can be downloaded.",
      };
    case "delivered":
      return { owner: "officer", who: "The officer", what: "downloads the production, once, before it expires." };
    case "preserved":
      return {
        owner: "officer",
        who: "The agency",
        what: "serves legal process for the data preserved; nothing is disclosed before it does.",
      };
    case "on_hold":
      return {
        owner: "admin",
        who: "Nobody for now",
        what: "the request is held while its jurisdiction is paused; it is decided again when an admin resumes the jurisdiction.",
      };
    default:
      return { owner: "nobody", who: "", what: NOBODY };
  }
}

const ROLE_OF: Partial<Record<StepOwner, string>> = { intake: "intake", reviewer: "reviewer", counsel: "counsel" };

function AssignForm({
  r,
  principal,
  csrf,
  assignee,
}: {
  r: RequestView;
  principal: Principal;
  csrf: string | undefined;
  assignee: string | null;
}) {
  if (!may(principal, "request.assign") || ["rejected", "delivered", "closed", "withdrawn"].includes(r.status)) {
    return null;
  }
  const mine = assignee === principal.email;
  return (
    <form method="post" action={`/desk/requests/${r.id}/${assignee ? "let-go" : "take"}`} class="inline-form assignee">
      <CsrfField token={csrf} />
      <input type="hidden" name="back" value={`/desk/requests/${r.id}`} />
      <span>
        Taken by: <strong>{mine ? "you" : (assignee ?? "nobody")}</strong>
      </span>{" "}
      <button type="submit" class="secondary small">
        {assignee ? (mine ? "Let it go" : `Let go for ${assignee}`) : "Take it"}
      </button>
    </form>
  );
}

export function ActionsPanel({
  r,
  principal,
  csrf,
  callbackNumber,
  assignee,
  failure,
}: {
  r: RequestView;
  principal: Principal;
  csrf: string | undefined;
  callbackNumber: CallbackNumber | undefined;
  assignee: string | null;
  failure: FormFailure | undefined;
}) {
  const dial = callbackNumber?.dial ?? undefined;
  const step = nextStep(r, dial);
  const emergencyUnverified = r.process === "emergency" && r.emergency !== null && !r.emergency.verified;
  const open = ["received", "verifying", "under_review"].includes(r.status) && !r.staffHold;
  const canCallback = emergencyUnverified && open && may(principal, "request.callback") && Boolean(dial);
  const canAdvance =
    !emergencyUnverified &&
    open &&
    may(principal, "request.advance") &&
    (r.status === "received" || r.status === "verifying");
  const current = r.reviews.filter((v) => v.decisionId === r.decision?.id);
  const recommended = current.some((v) => v.verdict === "recommend_approve" || v.verdict === "recommend_reject");
  const approves = step.owner === "counsel" && may(principal, "request.approve");
  // A decision that needs no recommendation may still get one, until someone has made it.
  const recommends = may(principal, "request.review") && !recommended;
  const canReview = !emergencyUnverified && open && r.status === "under_review" && (approves || recommends);
  const yours = canCallback || canAdvance || canReview;
  const optional = canReview && !approves && step.owner === "counsel";
  // A form refused because the request moved on (another person acted) is no longer on the page: its
  // problems are said here, above the step as it is now, rather than lost.
  const shown: Record<string, boolean> = {
    [CALLBACK_FORM]: canCallback,
    [ADVANCE_FORM]: canAdvance,
    [REVIEW_FORM]: canReview,
  };
  // The publication's forms have their own section, which says their problems.
  const gone = failure && !shown[failure.form] && failure.form !== PUBLICATION_FORM ? failure : undefined;
  return (
    <section aria-labelledby="actions-h" class="actions">
      <h2 id="actions-h">What happens next</h2>
      {gone && <ErrorSummary problems={gone.problems} named={() => ""} />}
      <p class="next-step" data-owner={step.owner}>
        {step.who && <strong>{step.who} </strong>}
        {step.what}
      </p>
      <p class="next-step-you">
        {optional ? (
          <span>Counsel can decide without a recommendation; you may still record one below.</span>
        ) : yours ? (
          <strong>This is yours to do now.</strong>
        ) : (
          <span class="muted">
            Nothing for you to do on this request in its present state
            {ROLE_OF[step.owner] && step.owner !== principal.role ? `: it waits for ${ROLE_OF[step.owner]}` : ""}.
          </span>
        )}
      </p>
      <AssignForm r={r} principal={principal} csrf={csrf} assignee={assignee} />
      {canCallback && <CallbackForm r={r} csrf={csrf} dial={dial as string} failure={failure} />}
      {canAdvance && <AdvanceForm r={r} csrf={csrf} failure={failure} />}
      {canReview && (
        <ReviewForm
          action={`/desk/requests/${r.id}/review`}
          csrf={csrf}
          canApprove={approves}
          humanRights={r.decision?.humanRightsReview === true}
          jurisdiction={r.jurisdiction}
          failure={failure}
        />
      )}
    </section>
  );
}

export const ADVANCE_FORM = "advance";
export const CALLBACK_FORM = "callback";

/** A small desk form's refusal: its problems and values if it was this form, and how each field is marked. */
function refusalOf(form: string, failure: FormFailure | undefined) {
  const failed = failure?.form === form ? failure : undefined;
  const problems = failed?.problems ?? [];
  const path = (name: string) => `${form}.${name}`;
  return {
    problems,
    values: failed?.values ?? {},
    summary: (fields: string[]) => (
      <ErrorSummary problems={problems} fields={new Set(fields.map(path))} named={() => ""} />
    ),
    field: (name: string, hint?: string) => ({
      "aria-invalid": problems.some((p) => p.path === path(name)) ? ("true" as const) : undefined,
      "aria-describedby": describedBy(problems, path(name), hint),
    }),
    error: (name: string) => <FieldError problems={problems} name={path(name)} />,
  };
}

function AdvanceForm({ r, csrf, failure }: { r: RequestView; csrf: string | undefined; failure?: FormFailure }) {
  const f = refusalOf(ADVANCE_FORM, failure);
  return (
    <form method="post" action={`/desk/requests/${r.id}/advance`} class="card" novalidate>
      <CsrfField token={csrf} />
      {f.summary(["to", "note"])}
      <input type="hidden" name="expectedVersion" value={String(r.version)} />
      <fieldset>
        <legend>Verify the requester and the documents</legend>
        {r.status === "received" ? (
          <>
            {f.error("to")}
            <p class="choice">
              <input
                type="radio"
                id="f-advance-to"
                name="to"
                value="under_review"
                checked={f.values.to === "under_review"}
                {...f.field("to")}
              />
              <label for="f-advance-to">Verified: send it for legal review</label>
            </p>
            <p class="choice">
              <input
                type="radio"
                id="f-advance-to-verifying"
                name="to"
                value="verifying"
                checked={f.values.to === "verifying"}
                {...f.field("to")}
              />
              <label for="f-advance-to-verifying">Not finished: mark it as being verified</label>
            </p>
          </>
        ) : (
          <input type="hidden" name="to" value="under_review" />
        )}
        <div class="field">
          <label for="f-advance-note">What you checked</label>
          <span class="hint" id="f-advance-note-hint">
            Shown to the reviewer and counsel with the request as filed.
          </span>
          {f.error("note")}
          <input
            id="f-advance-note"
            name="note"
            maxLength={2000}
            value={f.values.note ?? ""}
            {...f.field("note", "f-advance-note-hint")}
          />
        </div>
        <button type="submit">{r.status === "received" ? "Record the check" : "Send for legal review"}</button>
      </fieldset>
    </form>
  );
}

function CallbackForm({
  r,
  csrf,
  dial,
  failure,
}: {
  r: RequestView;
  csrf: string | undefined;
  dial: string;
  failure?: FormFailure;
}) {
  const f = refusalOf(CALLBACK_FORM, failure);
  return (
    <form method="post" action={`/desk/requests/${r.id}/callback`} class="card" novalidate>
      <CsrfField token={csrf} />
      {f.summary(["confirmed", "note"])}
      <fieldset>
        <legend>
          Call <span class="mono callback-dial">{dial}</span>, the agency's number on file when the request arrived
        </legend>
        <p class="hint">Dial this number, not one given in the request: the call is what verifies the emergency.</p>
        {f.error("confirmed")}
        <p class="choice">
          <input
            type="radio"
            id="f-callback-confirmed"
            name="confirmed"
            value="yes"
            checked={f.values.confirmed === "yes"}
            {...f.field("confirmed")}
          />
          <label for="f-callback-confirmed">The agency confirmed the emergency</label>
        </p>
        <p class="choice">
          <input
            type="radio"
            id="f-callback-confirmed-no"
            name="confirmed"
            value="no"
            checked={f.values.confirmed === "no"}
            {...f.field("confirmed")}
          />
          <label for="f-callback-confirmed-no">Not confirmed</label>
        </p>
        <div class="field">
          <label for="f-callback-note">Who you spoke to, what they said</label>
          {f.error("note")}
          <input id="f-callback-note" name="note" maxLength={2000} value={f.values.note ?? ""} {...f.field("note")} />
        </div>
        <button type="submit">Record the call-back</button>
      </fieldset>
    </form>
  );
}
