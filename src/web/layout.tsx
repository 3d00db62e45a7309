import type { ComponentChildren } from "preact";
import { type Action, may, type Principal } from "../authz/authz.js";
import type { Problem } from "../shared/validation.js";
import type { FormFailure } from "./forms.js";
import { formatInZone, zoneOf } from "./zones.js";

/** The frame every page shares, and the small pieces pages are built from. */

interface NavLink {
  href: string;
  label: string;
  action: Action;
}

const NAV: NavLink[] = [
  { href: "/portal", label: "My requests", action: "request.submit" },
  { href: "/portal/requests/new", label: "New request", action: "request.submit" },
  { href: "/portal/addressees", label: "Where to send orders", action: "request.submit" },
  { href: "/desk", label: "Queue", action: "request.list" },
  { href: "/desk/audit", label: "Audit trail", action: "audit.read" },
  { href: "/admin/jurisdictions", label: "Jurisdictions", action: "jurisdiction.read" },
  { href: "/admin/policy", label: "Policy", action: "policy.read" },
  { href: "/admin/agencies", label: "Agencies", action: "agency.read" },
  { href: "/admin/users", label: "Users", action: "user.read" },
];

function navFor(principal: Principal): NavLink[] {
  return NAV.filter((link) => {
    if (!may(principal, link.action)) return false;
    // Officers are in the portal; the staff queue and the intake desk's "new request" are not theirs.
    if (principal.role === "agency") return link.href.startsWith("/portal");
    return !link.href.startsWith("/portal");
  });
}

export interface LayoutProps {
  title: string;
  principal?: Principal | undefined;
  csrf?: string | undefined;
  current?: string;
  notice?: string | undefined;
  children: ComponentChildren;
}

export function Layout({ title, principal, csrf, current, notice, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Custodian`}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/custodian.css" />
        <script src="/assets/custodian.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to main content
        </a>
        <header class="top">
          <span class="brand">Custodian</span>
          {principal && (
            <nav aria-label="Main">
              <ul>
                {navFor(principal).map((link) => (
                  <li key={link.href}>
                    <a href={link.href} aria-current={current === link.href ? "page" : undefined}>
                      {link.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {principal && (
            <form method="post" action="/signout" class="signout">
              <span>
                {principal.email} <span class="role">({principal.role})</span>
              </span>
              <CsrfField token={csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main" tabIndex={-1}>
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {children}
        </main>
      </body>
    </html>
  );
}

export function CsrfField({ token }: { token: string | undefined }) {
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}

/**
 * A moment in time: UTC in the markup (the script rewrites it in the viewer's zone) and, beside it, the
 * jurisdiction's local time, which is how the officer on the other end reads a deadline.
 */
export function When({ at, jurisdiction }: { at: string | Date | null | undefined; jurisdiction?: string }) {
  if (!at) return <span class="muted">none</span>;
  const date = typeof at === "string" ? new Date(at) : at;
  const zone = jurisdiction ? zoneOf(jurisdiction) : undefined;
  return (
    <span class="when">
      <time datetime={date.toISOString()} data-local="">
        {formatInZone(date, "UTC")}
      </time>
      {zone && zone !== "UTC" && (
        <span class="zone">
          {" "}
          ({jurisdiction}: {formatInZone(date, zone)})
        </span>
      )}
    </span>
  );
}

/** Field ids are the document paths with dots: `targets[0].value` is the input `targets.0.value`. */
export function fieldName(path: string): string {
  return path.replace(/\[(\d+)\]/g, ".$1");
}

export function fieldId(name: string): string {
  return `f-${name.replace(/[^\w-]/g, "-")}`;
}

export function problemsAt(problems: readonly Problem[], name: string): Problem[] {
  return problems.filter((p) => fieldName(p.path) === name);
}

/** The error beside a field; the field points at it with aria-describedby. */
export function FieldError({ problems, name }: { problems: readonly Problem[]; name: string }) {
  const here = problemsAt(problems, name);
  if (here.length === 0) return null;
  return (
    <div class="field-error" id={`${fieldId(name)}-error`}>
      {here.map((p) => p.message).join("; ")}
    </div>
  );
}

export function describedBy(problems: readonly Problem[], name: string, hint?: string): string | undefined {
  const ids = [...(hint ? [hint] : []), ...(problemsAt(problems, name).length > 0 ? [`${fieldId(name)}-error`] : [])];
  return ids.length > 0 ? ids.join(" ") : undefined;
}

/** Every problem at the top, each linking to its field, so a keyboard user can jump there. */
export function ErrorSummary({
  problems,
  fields,
  named = (p) => p.path,
}: {
  problems: readonly Problem[];
  fields?: ReadonlySet<string>;
  /** How a problem's field is named in the list (its path by default). */
  named?: (problem: Problem) => string;
}) {
  if (problems.length === 0) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} id="error-summary">
      <h2>There is a problem</h2>
      <ul>
        {problems.map((p) => {
          const name = fieldName(p.path);
          const text = named(p) ? `${named(p)}: ${p.message}` : p.message;
          return (
            <li key={`${p.path}${p.message}`}>{fields?.has(name) ? <a href={`#${fieldId(name)}`}>{text}</a> : text}</li>
          );
        })}
      </ul>
    </div>
  );
}

const STATUS_TEXT: Record<string, string> = {
  received: "Received: waiting for the desk to verify it",
  verifying: "Verifying the requester and the documents",
  under_review: "Under legal review",
  approved: "Approved: the production is being prepared",
  rejected: "Rejected",
  fulfilling: "Being fulfilled",
  delivered: "Delivered: the production is ready to download",
  closed: "Closed",
  on_hold: "On hold: requests from this jurisdiction are paused",
  preserved: "Preserved: data is kept, nothing is disclosed",
  withdrawn: "Withdrawn",
};

/** A status in words; a delivered request whose production was downloaded says so, not "ready to download". */
export function statusText(status: string, downloaded = false): string {
  if (status === "delivered" && downloaded) return "Delivered: the production was downloaded";
  return STATUS_TEXT[status] ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`} title={statusText(status)}>
      {status.replace("_", " ")}
    </span>
  );
}

/** An address nothing answers to, said plainly, with the ways back. */
export function NotFoundPage({
  principal,
  csrf,
  path,
  home,
}: {
  principal: Principal | undefined;
  csrf: string | undefined;
  path: string;
  /** The signed-in person's start page. */
  home: string | undefined;
}) {
  return (
    <Layout title="Page not found" principal={principal} csrf={csrf}>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. The address may be mistyped, or the link that led here may be out of
        date.
      </p>
      <ul>
        {home ? (
          <li>
            <a href={home}>Go to your start page</a>
          </li>
        ) : (
          <li>
            <a href="/signin">Sign in</a>
          </li>
        )}
        <li>
          <a href="/reports">Read the public transparency reports</a>
        </li>
      </ul>
    </Layout>
  );
}

/** The problems of `form` if it is the one that came back refused. */
function failedHere(form: string, failure: FormFailure | undefined): FormFailure | undefined {
  return failure?.form === form ? failure : undefined;
}

/**
 * A text field of a page form that may come back refused: its error beside it (and linked from the
 * summary), the value that was sent kept. `inline` leaves out the field's own block, for a one-line form.
 */
/**
 * A confirmation page's answer when its action does not apply (already done, not the viewer's to do): why,
 * in a sentence, what else there is to know, and the ways back instead of a button.
 */
export function NotOffered({
  why,
  more,
  ways,
}: {
  why: ComponentChildren;
  more?: ComponentChildren;
  ways: readonly { href: string; label: string }[];
}) {
  return (
    <div class="warning" role="status">
      <p>
        <strong>{why}</strong>
        {more !== undefined && <> {more}</>}
      </p>
      <ul class="ways-back">
        {ways.map((w) => (
          <li key={w.href}>
            <a href={w.href}>{w.label}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function TextField(props: {
  form: string;
  name: string;
  label: string;
  failure: FormFailure | undefined;
  email?: boolean;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  inline?: boolean;
}) {
  const path = `${props.form}.${props.name}`;
  const failed = failedHere(props.form, props.failure);
  const problems = failed?.problems ?? [];
  const id = fieldId(path);
  const attributes = {
    id,
    name: props.name,
    required: props.required,
    maxLength: props.maxLength,
    placeholder: props.placeholder,
    value: failed?.values[props.name],
    "aria-invalid": problemsAt(problems, path).length > 0 ? ("true" as const) : undefined,
    "aria-describedby": describedBy(problems, path),
  };
  const parts = (
    <>
      <label for={id}>{props.label}</label>
      {props.email ? <input type="email" {...attributes} /> : <input type="text" {...attributes} />}
      <FieldError problems={problems} name={path} />
    </>
  );
  return props.inline ? parts : <div class="field">{parts}</div>;
}

/** A select of a page form that may come back refused, with the choice that was sent kept. */
export function SelectField(props: {
  form: string;
  name: string;
  label: string;
  failure: FormFailure | undefined;
  options: ReadonlyArray<readonly [value: string, text: string]>;
}) {
  const path = `${props.form}.${props.name}`;
  const failed = failedHere(props.form, props.failure);
  const problems = failed?.problems ?? [];
  const id = fieldId(path);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-describedby={describedBy(problems, path)}>
        {props.options.map(([value, text]) => (
          <option key={value} value={value} selected={failed?.values[props.name] === value}>
            {text}
          </option>
        ))}
      </select>
      <FieldError problems={problems} name={path} />
    </div>
  );
}

/** The summary of a refused form, at its top: each problem links to its field; the form's own problems say why. */
export function FormErrors({
  form,
  failure,
  fields,
}: {
  form: string;
  failure: FormFailure | undefined;
  fields: readonly string[];
}) {
  const failed = failedHere(form, failure);
  if (!failed) return null;
  return (
    <ErrorSummary
      problems={failed.problems}
      fields={new Set(fields.map((name) => `${form}.${name}`))}
      named={(p) => p.path.slice(form.length + 1)}
    />
  );
}
