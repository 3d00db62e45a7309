import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../support/db.js";
import { requestDocument } from "../support/fixtures.js";
import { type Desk, openDesk, type PageSession } from "../support/http.js";

/**
 * Issue 18, item 3: the pages a refusal lands on, through the real app. Each says in plain words what
 * happened, why and what to do — never "409 Conflict" and an identifier — and leads back to where the
 * person was (the request, the queue, their requests, the admin area), for staff and for officers.
 */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const MISSING = "00000000-0000-4000-8000-000000000000";

describe.each(DRIVERS)("error pages in plain language on %s", (driver) => {
  let desk: Desk;
  let requestId: string;
  let officer: PageSession;
  let intake: PageSession;
  let reviewer: PageSession;

  const get = (url: string, session: PageSession) =>
    desk.app.inject({ method: "GET", url, headers: { cookie: session.cookie } });
  const post = (url: string, session: PageSession, fields: Record<string, string>) =>
    desk.app.inject({
      method: "POST",
      url,
      headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form(fields),
    });
  /** The page's heading, and the ways back it offers as [href, text]. */
  const read = (html: string) => ({
    h1: /<h1>([^<]*)<\/h1>/.exec(html)?.[1],
    ways: [
      ...(/<ul class="ways-back">(.*?)<\/ul>/s.exec(html)?.[1] ?? "").matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g),
    ].map((m) => [m[1], m[2]]),
  });

  beforeAll(async () => {
    desk = await openDesk(driver);
    const api = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...api.headers, "content-type": "application/json" },
      payload: requestDocument({ reference: "ERR-PAGES-1" }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    requestId = (submitted.json() as { id: string }).id;
    officer = await desk.signInPage(desk.accounts.officerA);
    intake = await desk.signInPage(desk.accounts.intake);
    reviewer = await desk.signInPage(desk.accounts.reviewer);
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("a request that is not there: said plainly, back to the queue for staff and to their requests for officers", async () => {
    const staff = await get(`/desk/requests/${MISSING}`, intake);
    expect(staff.statusCode).toBe(404);
    expect(read(staff.body)).toEqual({
      h1: "We could not find that request",
      ways: [["/desk", "Go to the queue"]],
    });
    expect(staff.body).toContain("may belong to another agency");
    expect(staff.body).not.toContain(MISSING);

    // Another agency's request is the same page as one that does not exist.
    const other = await desk.signInPage(desk.accounts.officerB);
    for (const session of [officer, other]) {
      const url = session === officer ? `/portal/requests/${MISSING}` : `/portal/requests/${requestId}`;
      const page = await get(url, session);
      expect(page.statusCode).toBe(404);
      expect(read(page.body)).toEqual({
        h1: "We could not find that request",
        ways: [["/portal", "Go to your requests"]],
      });
      expect(page.body).not.toContain(requestId);
    }
  });

  it("a conflict says what stands in the way, that nothing changed, and leads back to the request", async () => {
    const taken = await post(`/desk/requests/${requestId}/take`, intake, { _csrf: intake.csrf });
    expect(taken.statusCode).toBe(303);
    const again = await post(`/desk/requests/${requestId}/take`, reviewer, { _csrf: reviewer.csrf });
    expect(again.statusCode).toBe(409);
    const page = read(again.body);
    expect(page.h1).toBe("That could not be done");
    expect(page.ways).toEqual([
      [`/desk/requests/${requestId}`, "Back to the request"],
      ["/desk", "Go to the queue"],
    ]);
    expect(again.body).toContain(
      `This request is already taken by ${desk.accounts.intake.email}; it must be let go before you take it.`,
    );
    expect(again.body).toContain("Nothing was changed.");
    // The page's words, not its status code or a generic way back (ids in links may hold the digits 409).
    expect(again.body.replace(/<[^>]*>/g, " ")).not.toMatch(/\b409\b|Conflict|Back to the start/);
    expect(again.body).toContain("<title>That could not be done · Custodian</title>");
  });

  it("a role's refusal names the account's role and leads back to the area; an expired form says to reload", async () => {
    const refused = await post("/admin/jurisdictions/DE/resume", intake, { _csrf: intake.csrf, reason: "test" });
    expect(refused.statusCode).toBe(403);
    expect(read(refused.body)).toEqual({
      h1: "You can't do this",
      ways: [
        ["/admin/jurisdictions", "Back to the jurisdictions"],
        ["/desk", "Go to your start page"],
      ],
    });
    expect(refused.body).toContain("Your account (intake) is not allowed to do this, so nothing was done.");
    expect(refused.body).toContain("ask an administrator");

    const stale = await post(`/portal/requests/${requestId}/withdraw`, officer, { _csrf: "stale", reason: "x" });
    expect(stale.statusCode).toBe(403);
    expect(read(stale.body)).toEqual({
      h1: "The form has expired",
      ways: [
        [`/portal/requests/${requestId}`, "Back to the request"],
        ["/portal", "Go to your requests"],
      ],
    });
    expect(stale.body).toContain("reload the page");
  });

  it("the review form's refusal by the service is a sentence on the request's page, not the service's words", async () => {
    const refused = await post(`/desk/requests/${requestId}/review`, reviewer, {
      _csrf: reviewer.csrf,
      verdict: "recommend_reject",
      note: "Too broad.",
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain(
      "This request is not under review (it is received), so nothing was recorded. The page shows where it stands now.",
    );
    expect(refused.body).toContain("<title>Error: ERR-PAGES-1 · Custodian</title>");
    // Said above the step as it is now, since the review form is no longer on the page.
    const summary = refused.body.slice(refused.body.indexOf('class="error-summary"'));
    expect(summary.slice(0, summary.indexOf("</div>"))).not.toContain("only a request under review");
  });

  it("a mistyped address is said to be one, without the checker's field paths", async () => {
    const page = await get("/desk/requests/not-an-id", reviewer);
    expect(page.statusCode).toBe(400);
    expect(read(page.body).h1).toBe("That could not be done");
    expect(page.body).toContain("The address is not one of Custodian's own");
    expect(page.body).not.toMatch(/params\.id|must be uuid|Invalid input/);
  });
});
