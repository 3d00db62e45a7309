import type { ComponentChildren } from "preact";
import type { Principal } from "../authz/authz.js";
import type { ProblemDocument } from "../http/problem.js";
import type { Problem } from "../shared/validation.js";
import { Layout, When } from "./layout.js";
import { homeOf } from "./render.js";

/**
 * A refusal or a fault, as a page a person can act on: what happened in plain words (not "409 Conflict"),
 * why, what to do about it, and the way back to where they were (the request, the queue, their list of
 * requests, the admin area) rather than only to the start. Officers and staff get the same pages; the ways
 * back are the ones their role can open.
 */

export interface WayBack {
  href: string;
  label: string;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

const ADMIN_AREAS: Record<string, [string, string]> = {
  jurisdictions: ["/admin/jurisdictions", "Back to the jurisdictions"],
  policy: ["/admin/policy", "Back to the policy"],
  agencies: ["/admin/agencies", "Back to the agencies"],
  "agency-changes": ["/admin/agencies", "Back to the agencies"],
  users: ["/admin/users", "Back to the users"],
  "user-changes": ["/admin/users", "Back to the users"],
};

/**
 * Where the person was, read from the address that failed. The thing itself (a request) is offered only
 * when it is theirs to go back to: after a 404 it is not there, and after a role's refusal the page names
 * nothing of it (a refused call answers with nothing it was asked about).
 */
export function waysBack(path: string, principal: Principal | undefined, thereStill: boolean): WayBack[] {
  const ways: WayBack[] = [];
  const officer = principal?.role === "agency";
  const desk = new RegExp(`^/desk/requests/(${UUID})`).exec(path);
  const portal = new RegExp(`^/portal/requests/(${UUID})`).exec(path);
  const production = new RegExp(`^/portal/productions/(${UUID})`).exec(path);
  const admin = /^\/admin\/([a-z-]+)/.exec(path);
  if (desk && thereStill && !officer) ways.push({ href: `/desk/requests/${desk[1]}`, label: "Back to the request" });
  if (portal && thereStill) {
    ways.push({ href: `/${officer ? "portal" : "desk"}/requests/${portal[1]}`, label: "Back to the request" });
  }
  // The production's own address leads to its request's page (portal or desk, by role).
  if (production && thereStill) {
    ways.push({ href: `/portal/productions/${production[1]}`, label: "Back to the request and its production" });
  }
  const area = admin ? ADMIN_AREAS[admin[1] ?? ""] : undefined;
  if (area) ways.push({ href: area[0], label: area[1] });
  if (path.startsWith("/desk/audit")) ways.push({ href: "/desk/audit", label: "Back to the audit trail" });
  if (principal) {
    if ((desk || portal || production) && !officer) ways.push({ href: "/desk", label: "Go to the queue" });
    if ((desk || portal || production) && officer) ways.push({ href: "/portal", label: "Go to your requests" });
    const home = homeOf(principal);
    if (!ways.some((w) => w.href === home)) ways.push({ href: home, label: "Go to your start page" });
  } else {
    ways.push({ href: "/signin", label: "Sign in" });
  }
  return ways;
}

/** What the page says: a heading, what happened and why, and what to do. */
export interface Explanation {
  headline: string;
  happened: ComponentChildren;
  todo: ComponentChildren;
}

/** "production 65d8…" becomes "this production": an identifier tells a person nothing they can use. */
function plain(detail: string): string {
  const text = detail
    .replace(new RegExp(`\\b(request|production|agency|document|officer|staff account) ${UUID}`, "g"), "this $1")
    .replace(new RegExp(UUID, "g"), "it")
    .trim();
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** A 400's problems, said once each: a bad address as one sentence, a field's problem in its own words. */
function invalidInput(errors: readonly Problem[] | undefined): string[] {
  const out = new Set<string>();
  for (const p of errors ?? []) {
    if (/^(params|querystring)\b/.test(p.path)) {
      out.add("The address is not one of Custodian's own: it may have been mistyped or cut short.");
    } else {
      out.add(plain(p.message));
    }
  }
  return [...out];
}

/** The CSRF refusal: the person's own form, gone stale, not a refusal of what they asked. */
function expiredForm(problem: ProblemDocument): boolean {
  return problem.status === 403 && /form has expired|did not come from Custodian/.test(problem.detail);
}

const NOT_FOUND_THINGS = ["request", "production", "agency", "officer", "staff account", "document"];

export function explain(problem: ProblemDocument, principal: Principal | undefined): Explanation {
  switch (problem.status) {
    case 400: {
      const problems = invalidInput(problem.errors);
      return {
        headline: "That could not be done",
        happened: (
          <>
            <p class="lead">Something in the form or the address was not right, so nothing was changed.</p>
            {problems.length > 0 && (
              <ul>
                {problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
          </>
        ),
        todo: "Go back, correct it and try again, or follow a link from one of Custodian's pages.",
      };
    }
    case 403: {
      if (expiredForm(problem)) {
        return {
          headline: "The form has expired",
          happened:
            "The form had expired, or did not come from one of Custodian's own pages, so nothing was done. This protects you from a form another site planted.",
          todo: "Go back, reload the page so the form is fresh, and send it again.",
        };
      }
      return {
        headline: "You can't do this",
        // The role's own refusal says only what the sentence before it does; another reason is told as well.
        happened: principal
          ? `Your account (${principal.role}) is not allowed to do this, so nothing was done.${/^the \w+ role may not /.test(problem.detail) ? "" : ` ${plain(problem.detail)}`}`
          : plain(problem.detail),
        todo: "If your work needs it, ask an administrator. Each role can do only its own part of a request.",
      };
    }
    case 404: {
      const thing = NOT_FOUND_THINGS.find((t) => problem.detail.startsWith(`${t} `));
      if (!thing) {
        // A link of another kind (a setup link): its own words say what it was and what to do.
        return {
          headline: "We could not find that",
          happened: plain(problem.detail),
          todo: "Check the link, or start again from one of the pages below.",
        };
      }
      return {
        headline: `We could not find that ${thing}`,
        happened: `There is no ${thing} here that your account can see. The link may be out of date or mistyped, or it may belong to another agency.`,
        todo: "Check the link, or find what you were looking for from one of the pages below.",
      };
    }
    case 409:
      return {
        headline: "That could not be done",
        happened: (
          <>
            <p class="lead">{plain(problem.detail)}</p>
            <p>Nothing was changed.</p>
          </>
        ),
        todo: "Someone may have acted since the page was loaded: go back to see where things stand now, then try again if it still needs doing.",
      };
    case 503:
      return {
        headline: "Custodian is briefly unavailable",
        happened: "The service could not reach its database for a moment, so nothing was done.",
        todo: "Try again in a few seconds.",
      };
    default:
      if (problem.status >= 500) {
        return {
          headline: "Something went wrong on our side",
          happened: "Custodian failed while doing this. Nothing you did caused it.",
          todo: `Try again. If it keeps happening, tell your support desk and quote ${problem.instance ?? "the time it happened"}.`,
        };
      }
      return { headline: "That could not be done", happened: plain(problem.detail), todo: "Go back and try again." };
  }
}

export function ErrorPage({
  principal,
  csrf,
  problem,
  path,
  explanation = explain(problem, principal),
}: {
  principal: Principal | undefined;
  csrf?: string | undefined;
  problem: ProblemDocument;
  /** The address that failed, for the way back. */
  path: string;
  /** What to say, where the route knows more than the problem (a download already made: when, by whom). */
  explanation?: Explanation;
}) {
  const { headline, happened, todo } = explanation;
  return (
    <Layout title={headline} principal={principal} csrf={csrf}>
      <h1>{headline}</h1>
      {typeof happened === "string" ? <p class="lead">{happened}</p> : happened}
      <h2>What you can do</h2>
      <p>{todo}</p>
      <ul class="ways-back">
        {waysBack(path, principal, problem.status === 409 || problem.status === 400 || expiredForm(problem)).map(
          (w) => (
            <li key={w.href}>
              <a href={w.href}>{w.label}</a>
            </li>
          ),
        )}
      </ul>
      {problem.instance && <p class="muted">Reference for the support desk: {problem.instance}</p>}
    </Layout>
  );
}

/** The one download already spent: when and by whom, and what to do if that copy is gone. */
export function alreadyDownloaded(
  reference: string,
  production: { downloadedAt: string | null; downloadedBy: string | null } | undefined,
): Explanation {
  return {
    headline: "This production was already downloaded",
    happened: (
      <>
        <p class="lead">
          It was downloaded{" "}
          {production?.downloadedAt && (
            <>
              on <When at={production.downloadedAt} />{" "}
            </>
          )}
          by {production?.downloadedBy ?? "an officer of your agency"}. Nothing was downloaded now.
        </p>
        <p>
          A production can be downloaded only once, so that exactly one copy of the data leaves the provider, to the
          agency that asked for it.
        </p>
      </>
    ),
    todo: (
      <>
        Look for the file where it was saved then (its name starts <code>custodian-production-</code>). If that copy is
        lost or damaged, contact the provider's law-enforcement desk quoting your reference <strong>{reference}</strong>
        : another copy cannot be downloaded from here.
      </>
    ),
  };
}
