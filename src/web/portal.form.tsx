import type { Principal } from "../authz/authz.js";
import { TARGET_TYPES } from "../domain/vocabulary.js";
import type { Problem } from "../shared/validation.js";
import { type JurisdictionGuide, PROCESS_TEXT } from "./guide.js";
import { CsrfField, describedBy, ErrorSummary, FieldError, fieldId, Layout } from "./layout.js";
import { type SubmissionForm, TARGET_ROWS } from "./submission.form.js";

/**
 * The request form (docs/request.md) as an officer fills it in: what each category needs under the policy
 * in force, and, refused, every problem at once in sentences, each beside its field, what was typed kept and
 * the documents asked for again by name.
 */

interface FormPageProps {
  principal: Principal;
  csrf: string | undefined;
  form: SubmissionForm;
  problems: Problem[];
  guide: JurisdictionGuide;
  agencies: Array<{ id: string; name: string }> | undefined;
  agencyId: string | undefined;
  /** The names of the files sent with a refused form: they are not kept, so the form asks for them again. */
  dropped?: string[];
}

function Input({
  name,
  label,
  problems,
  value,
  hint,
  type = "text",
  required,
  maxLength,
}: {
  name: string;
  label: string;
  problems: Problem[];
  value: string;
  hint?: string;
  type?: "text" | "date";
  required?: boolean;
  maxLength?: number;
}) {
  const id = fieldId(name);
  const invalid = problems.some((p) => p.path === name);
  const common = {
    id,
    name,
    value,
    required,
    maxLength,
    "aria-invalid": invalid ? ("true" as const) : undefined,
    "aria-describedby": describedBy(problems, name, hint ? `${id}-hint` : undefined),
  };
  return (
    <div class={`field${invalid ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      <FieldError problems={problems} name={name} />
      {type === "date" ? <input type="date" {...common} /> : <input type="text" {...common} />}
    </div>
  );
}

export function RequestForm({
  principal,
  csrf,
  form,
  problems,
  guide,
  agencies,
  agencyId,
  dropped = [],
}: FormPageProps) {
  const rows = Math.max(TARGET_ROWS, form.targets.length + 1);
  const fields = new Set<string>([
    "reference",
    "jurisdiction",
    "process",
    "issuedBy",
    "findings",
    "categories",
    "dateRange.from",
    "dateRange.to",
    "nonDisclosure.until",
    "emergency.justification",
    "documents",
    ...Array.from({ length: rows }, (_, i) => [`targets.${i}.type`, `targets.${i}.value`]).flat(),
  ]);
  const paused = guide.status !== "active";
  return (
    <Layout
      title={problems.length > 0 ? "Error: New request" : "New request"}
      principal={principal}
      csrf={csrf}
      current="/portal/requests/new"
    >
      <h1>New request for user data</h1>
      <p class="muted">
        Decided under the policy in force ({guide.policy}) for {guide.jurisdiction}. Every field is checked when you
        submit; problems are shown beside the field they concern.
      </p>
      {paused && (
        <p class="warning" role="note">
          Requests from {guide.jurisdiction} are currently {guide.status}
          {guide.statusReason ? `: ${guide.statusReason}` : ""}. A request you submit is recorded and counted, but
          nothing is decided or disclosed while this lasts.
        </p>
      )}
      <ErrorSummary problems={problems} fields={fields} named={() => ""} />
      <form method="post" action="/portal/requests" enctype="multipart/form-data" class="request-form" novalidate>
        <CsrfField token={csrf} />
        <fieldset>
          <legend>The request</legend>
          {agencies && (
            <div class="field">
              <label for="f-agencyId">Agency the request came from (registered from the mail)</label>
              <FieldError problems={problems} name="agencyId" />
              <select id="f-agencyId" name="agencyId" required>
                {agencies.map((a) => (
                  <option key={a.id} value={a.id} selected={a.id === agencyId}>
                    {a.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <Input
            name="reference"
            label="Your reference"
            hint="Your agency's own case or document number, e.g. FBI-SF-2020-1187."
            value={form.reference}
            problems={problems}
            maxLength={128}
            required
          />
          <Input
            name="jurisdiction"
            label="Jurisdiction"
            hint="ISO 3166 code of the country (or subdivision, like US-CA) whose law the request is made under."
            value={form.jurisdiction}
            problems={problems}
            maxLength={6}
            required
          />
          <Input
            name="issuedBy"
            label="Issued by (optional)"
            hint="The court or authority that issued the legal process."
            value={form.issuedBy}
            problems={problems}
            maxLength={300}
          />
          <Input
            name="findings"
            label="Findings of the issuing court (optional)"
            hint="Separated by commas, e.g. terrorism_suspect."
            value={form.findings}
            problems={problems}
          />
        </fieldset>

        <fieldset class={problems.some((p) => p.path === "process") ? "invalid" : ""}>
          <legend>Legal process</legend>
          <FieldError problems={problems} name="process" />
          <div class="choices" id={fieldId("process")}>
            {Object.entries(PROCESS_TEXT).map(([process, text]) => (
              <p class="choice" key={process}>
                <input
                  type="radio"
                  name="process"
                  id={fieldId(`process-${process}`)}
                  value={process}
                  checked={form.process === process}
                  aria-describedby={`${fieldId(`process-${process}`)}-hint`}
                />
                <label for={fieldId(`process-${process}`)}>{text.label}</label>
                <span class="hint" id={`${fieldId(`process-${process}`)}-hint`}>
                  {text.explain}
                </span>
              </p>
            ))}
          </div>
        </fieldset>

        <fieldset class="emergency-only" data-show-when-process="emergency">
          <legend>Emergency</legend>
          <p class="hint">
            Only for an emergency request. Emergencies are answered for{" "}
            {guide.emergencyTiers.length > 0 ? guide.emergencyTiers.join(" and ") : "no"} records, and only after we
            call your agency back on the number we hold for it.
          </p>
          <div class="field">
            <label for={fieldId("emergency.justification")}>Justification</label>
            <FieldError problems={problems} name="emergency.justification" />
            <textarea
              id={fieldId("emergency.justification")}
              name="emergency.justification"
              rows={4}
              maxLength={4000}
              aria-describedby={describedBy(problems, "emergency.justification")}
            >
              {form.emergencyJustification}
            </textarea>
          </div>
        </fieldset>

        <fieldset>
          <legend>Accounts (targets)</legend>
          <p class="hint">
            One account per row: an account id, username, e-mail address or phone number (+85291234567).
          </p>
          <FieldError problems={problems} name="targets" />
          <div id="target-rows">
            {Array.from({ length: rows }, (_, i) => {
              const target = form.targets[i] ?? { type: "account_id", value: "" };
              return (
                <div class="target-row" key={i}>
                  <div class="field">
                    <label for={fieldId(`targets.${i}.type`)}>Target {i + 1}: kind</label>
                    <FieldError problems={problems} name={`targets.${i}.type`} />
                    <select id={fieldId(`targets.${i}.type`)} name={`targets.${i}.type`}>
                      {TARGET_TYPES.map((type) => (
                        <option key={type} value={type} selected={target.type === type}>
                          {type.replace("_", " ")}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div class={`field${problems.some((p) => p.path === `targets.${i}.value`) ? " invalid" : ""}`}>
                    <label for={fieldId(`targets.${i}.value`)}>Target {i + 1}: value</label>
                    <FieldError problems={problems} name={`targets.${i}.value`} />
                    <input
                      id={fieldId(`targets.${i}.value`)}
                      name={`targets.${i}.value`}
                      value={target.value}
                      maxLength={254}
                      aria-describedby={describedBy(problems, `targets.${i}.value`)}
                    />
                  </div>
                </div>
              );
            })}
          </div>
          <button type="button" class="secondary" data-add-target="" hidden>
            Add another account
          </button>
        </fieldset>

        <fieldset class={problems.some((p) => p.path.startsWith("categories")) ? "invalid" : ""}>
          <legend>Data asked for</legend>
          <p class="hint">
            What each kind of record needs, under {guide.policy} for {guide.jurisdiction}. Ask only for what the legal
            process you hold opens; anything else is withheld, item by item.
          </p>
          <FieldError problems={problems} name="categories" />
          {problems
            .filter((p) => /^categories\.\d+$/.test(p.path))
            .map((p) => (
              <div class="field-error" key={p.path}>
                {p.message}
              </div>
            ))}
          <div id={fieldId("categories")} class="tiers">
            {guide.tiers.map((tier) => (
              <fieldset key={tier.tier} class="tier">
                <legend>
                  {tier.label[0]?.toUpperCase()}
                  {tier.label.slice(1)} <span class="hint">— {tier.opensWith}</span>
                </legend>
                {tier.categories.map((c) => (
                  <p class={`choice${c.available ? "" : " unavailable"}`} key={c.category}>
                    <input
                      type="checkbox"
                      name="categories"
                      id={fieldId(`cat-${c.category}`)}
                      value={c.category}
                      checked={form.categories.includes(c.category)}
                      aria-describedby={`${fieldId(`cat-${c.category}`)}-hint`}
                    />
                    <label for={fieldId(`cat-${c.category}`)}>
                      {c.label} <code>{c.category}</code>
                    </label>
                    <span class="hint" id={`${fieldId(`cat-${c.category}`)}-hint`}>
                      {c.explain}
                    </span>
                  </p>
                ))}
              </fieldset>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend>Period and secrecy</legend>
          <div class="row">
            <Input
              name="dateRange.from"
              label="Records from (optional)"
              type="date"
              value={form.dateFrom}
              problems={problems}
            />
            <Input name="dateRange.to" label="Records to" type="date" value={form.dateTo} problems={problems} />
          </div>
          <Input
            name="nonDisclosure.until"
            label="Non-disclosure order until (optional)"
            hint="If a court has ordered that the user is not told, the date the order ends."
            type="date"
            value={form.nonDisclosureUntil}
            problems={problems}
          />
        </fieldset>

        <fieldset>
          <legend>Documents</legend>
          <div class="field">
            <label for={fieldId("documents")}>The signed legal process (PDF or scans)</label>
            <span class="hint" id="f-documents-hint">
              Each file's SHA-256 is recorded with the request. Choose several at once if there are several.
            </span>
            <FieldError problems={problems} name="documents" />
            {problems.length > 0 && dropped.length > 0 && (
              <p class="warning" id="f-documents-again">
                Attach {dropped.join(", ")} again: files are not kept when the form has a problem.
              </p>
            )}
            <input
              id={fieldId("documents")}
              name="documents"
              type="file"
              multiple
              aria-describedby={
                problems.length > 0 && dropped.length > 0 ? "f-documents-hint f-documents-again" : "f-documents-hint"
              }
            />
          </div>
        </fieldset>
        <p>
          <button type="submit">Submit the request</button>
        </p>
      </form>
    </Layout>
  );
}
