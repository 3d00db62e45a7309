import {
  CHECK_ITEMS,
  type CheckItem,
  HIGH_RISK_REASONING_MIN,
  ITEM_TEXT,
  noteOf,
  type ReviewVerdict,
  RISKS,
} from "../requests/review.rules.js";
import type { Problem } from "../shared/validation.js";
import { inSentences, SENTENCES } from "./form-sentences.js";
import type { FormFailure } from "./forms.js";
import { CsrfField, describedBy, ErrorSummary, FieldError, fieldId } from "./layout.js";

/**
 * The desk's review form: the standards checklist (requests/review.rules.ts) with nothing pre-selected, a
 * note beside each item for when it is not met, the human-rights risk with its reasoning, and the verdict.
 * Refused, it comes back with the summary at its top linking to each field, the message beside the field
 * and every value as it was sent.
 */

export const VERDICT_TEXT: Record<ReviewVerdict, string> = {
  recommend_approve: "Recommend approval",
  recommend_reject: "Recommend rejection",
  approve: "Approve the disclosure",
  reject: "Reject the request",
};

export const REVIEW_FORM = "review";

const FIELD_TEXT: Record<string, string> = {
  legality: "Legality",
  legalityNote: "Why legality is not met",
  necessityAndProportionality: "Necessity and proportionality",
  necessityAndProportionalityNote: "Why necessity and proportionality is not met",
  dueProcess: "Due process",
  dueProcessNote: "Why due process is not met",
  humanRightsRisk: "Human-rights risk",
  humanRightsRiskNote: "Reasoning on the human-rights risk",
  verdict: "Verdict",
  note: "Note",
};
const FIELDS = Object.keys(FIELD_TEXT);

/**
 * The review's problems as the page names its fields (`checklist.legality` is the form's `review.legality`),
 * each in a sentence for the reviewer (form-sentences.ts).
 */
export function reviewFormProblems(problems: readonly Problem[]): Problem[] {
  return inSentences(
    problems.map((p) => ({
      ...p,
      path: p.path.replace(/^review\.checklist(\.|$)/, (_m, dot: string) => (dot ? "review." : "review")),
    })),
    SENTENCES.review,
  );
}

/** What the form sent, as the review takes it: an empty field is a field not answered. */
export function checklistFromForm(body: Record<string, string | undefined>): Record<string, string> {
  const checklist: Record<string, string> = {};
  for (const name of [...CHECK_ITEMS.flatMap((i) => [i, noteOf(i)]), "humanRightsRisk", "humanRightsRiskNote"]) {
    const value = body[name]?.trim();
    if (value) checklist[name] = value;
  }
  return checklist;
}

export function ReviewForm({
  action,
  csrf,
  canApprove,
  humanRights,
  jurisdiction,
  failure,
}: {
  action: string;
  csrf: string | undefined;
  canApprove: boolean;
  humanRights: boolean;
  jurisdiction: string;
  failure: FormFailure | undefined;
}) {
  const failed = failure?.form === REVIEW_FORM ? failure : undefined;
  const problems = failed?.problems ?? [];
  const values = failed?.values ?? {};
  const path = (name: string) => `${REVIEW_FORM}.${name}`;
  const invalid = (name: string) => (problems.some((p) => p.path === path(name)) ? ("true" as const) : undefined);
  const verdicts: ReviewVerdict[] = canApprove
    ? ["recommend_approve", "recommend_reject", "approve", "reject"]
    : ["recommend_approve", "recommend_reject"];
  const note = (name: string, label: string, hint: string, rows?: number) => {
    const id = fieldId(path(name));
    const attributes = {
      id,
      name,
      maxLength: name === "humanRightsRiskNote" || name === "note" ? 4000 : 2000,
      "aria-invalid": invalid(name),
      "aria-describedby": describedBy(problems, path(name), `${id}-hint`),
    };
    return (
      <div class="field">
        <label for={id}>{label}</label>
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
        {rows ? (
          <textarea rows={rows} {...attributes}>
            {values[name] ?? ""}
          </textarea>
        ) : (
          <input type="text" value={values[name]} {...attributes} />
        )}
        <FieldError problems={problems} name={path(name)} />
      </div>
    );
  };
  /** Radios whose first carries the field's own id, so the summary's link lands on the group. */
  const radios = (name: string, options: ReadonlyArray<readonly [string, string]>) =>
    options.map(([value, text], index) => {
      const id = index === 0 ? fieldId(path(name)) : `${fieldId(path(name))}-${value}`;
      return (
        <span class="choice inline" key={value}>
          <input
            type="radio"
            id={id}
            name={name}
            value={value}
            checked={values[name] === value}
            aria-invalid={invalid(name)}
            aria-describedby={describedBy(problems, path(name))}
          />
          <label for={id}>{text}</label>
        </span>
      );
    });
  const item = (name: CheckItem) => (
    <fieldset key={name}>
      <legend>{ITEM_TEXT[name]}</legend>
      {radios(name, [
        ["met", "Met"],
        ["not_met", "Not met"],
      ])}
      <FieldError problems={problems} name={path(name)} />
      {note(noteOf(name), "Why it is not met", "Required when not met.")}
    </fieldset>
  );
  return (
    <form method="post" action={action} class="card" id="review" novalidate>
      <CsrfField token={csrf} />
      <ErrorSummary problems={problems} fields={new Set(FIELDS.map(path))} named={() => ""} />
      <fieldset>
        <legend>Standards checklist</legend>
        <p class="hint">
          Answer every item against the request as filed. Nothing is presumed: a recommendation to approve, and an
          approval, need each item answered and a note for each not met.
        </p>
        {CHECK_ITEMS.map(item)}
        <fieldset>
          <legend>
            Human-rights risk of the jurisdiction{" "}
            {humanRights && <span class="hint">({jurisdiction} is on the policy's review list)</span>}
          </legend>
          {radios(
            "humanRightsRisk",
            RISKS.map((risk) => [risk, risk] as const),
          )}
          <FieldError problems={problems} name={path("humanRightsRisk")} />
          {note(
            "humanRightsRiskNote",
            "Reasoning on the human-rights risk",
            `Required when the risk is high: why disclosure is still justified (at least ${HIGH_RISK_REASONING_MIN} characters; counsel's, to approve).`,
            3,
          )}
        </fieldset>
      </fieldset>
      <fieldset>
        <legend>Verdict</legend>
        {verdicts.map((verdict, index) => {
          const id = index === 0 ? fieldId(path("verdict")) : `f-verdict-${verdict}`;
          return (
            <p class="choice" key={verdict}>
              <input
                type="radio"
                id={id}
                name="verdict"
                value={verdict}
                checked={values.verdict === verdict}
                aria-invalid={invalid("verdict")}
                aria-describedby={describedBy(problems, path("verdict"))}
              />
              <label for={id}>{VERDICT_TEXT[verdict]}</label>
            </p>
          );
        })}
        <FieldError problems={problems} name={path("verdict")} />
        {note("note", "Note", "Your reasons, for the record.", 3)}
      </fieldset>
      <button type="submit">Record the review</button>
    </form>
  );
}

/** A recorded review's checklist, in words; a review recorded before answers were explicit shows yes/no. */
export function ChecklistSummary({ value }: { value: Record<string, unknown> | null }) {
  if (!value || Object.keys(value).length === 0) return <span class="muted">not completed</span>;
  const answer = (v: unknown) =>
    v === "met" || v === true ? "met" : v === "not_met" || v === false ? "not met" : "not answered";
  const noteFor = (name: string) => {
    const n = value[name];
    return typeof n === "string" && n ? ` (${n})` : "";
  };
  return (
    <ul class="plain">
      {CHECK_ITEMS.map((i) => (
        <li key={i}>
          {FIELD_TEXT[i]}: {answer(value[i])}
          {noteFor(noteOf(i))}
        </li>
      ))}
      <li>
        Human-rights risk: {typeof value.humanRightsRisk === "string" ? value.humanRightsRisk : "not answered"}
        {noteFor("humanRightsRiskNote")}
      </li>
    </ul>
  );
}
