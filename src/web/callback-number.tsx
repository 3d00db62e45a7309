import type { CallbackNumber } from "../agencies/callback-number.js";
import { may, type Principal } from "../authz/authz.js";
import { CsrfField, When } from "./layout.js";

/**
 * The number a call-back dials, as the desk and the users page show it: the agency's phone on file when the
 * emergency arrived or the officer registered; a number changed since, marked as such; counsel's look at
 * the change, or (for counsel) the form to make it.
 */
export function CallbackNumberPanel({
  state,
  principal,
  csrf,
  reviewAction,
  idPrefix,
}: {
  state: CallbackNumber;
  principal: Principal;
  csrf: string | undefined;
  /** Where counsel's look at a changed number is posted. */
  reviewAction: string;
  idPrefix: string;
}) {
  return (
    <div class={state.dial ? "callback-number" : "callback-number warning"}>
      <p>
        Call-back number (the agency's phone on file when it arrived):{" "}
        <strong class="mono">{state.numberOnRecord ?? "none"}</strong>
      </p>
      {state.changed && (
        <p>
          <strong>Changed since:</strong> the agency's phone on file is now{" "}
          <span class="mono">{state.numberOnFile ?? "none"}</span>.
        </p>
      )}
      {state.review && (
        <p>
          Counsel {state.review.reviewedBy} looked at the change (<When at={state.review.reviewedAt} />) and chose the{" "}
          {state.review.dial === "on_record" ? "number on record" : "new number"}: {state.review.note}
        </p>
      )}
      {state.dial ? (
        <p>
          A call-back dials <strong class="mono">{state.dial}</strong>, and no other number.
        </p>
      ) : (
        <p role="alert">No call-back can be made: {state.refusal}.</p>
      )}
      {state.changed && !state.review && may(principal, "callback.review_number") && (
        <form method="post" action={reviewAction} class="card">
          <CsrfField token={csrf} />
          <fieldset>
            <legend>Counsel: which number does the call-back dial?</legend>
            {state.numberOnRecord && (
              <p class="choice">
                <input type="radio" id={`${idPrefix}-record`} name="dial" value="on_record" required />
                <label for={`${idPrefix}-record`}>
                  The number on record, <span class="mono">{state.numberOnRecord}</span>
                </label>
              </p>
            )}
            {state.numberOnFile && (
              <p class="choice">
                <input type="radio" id={`${idPrefix}-file`} name="dial" value="on_file" required />
                <label for={`${idPrefix}-file`}>
                  The new number, <span class="mono">{state.numberOnFile}</span> (the change was the agency's own)
                </label>
              </p>
            )}
            <div class="field">
              <label for={`${idPrefix}-note`}>What you checked, and why this number</label>
              <input id={`${idPrefix}-note`} name="note" required maxLength={2000} />
            </div>
            <button type="submit">Record counsel's review</button>
          </fieldset>
        </form>
      )}
    </div>
  );
}
