import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../support/db.js";
import { requestDocument } from "../support/fixtures.js";
import { type Account, type Desk, openDesk } from "../support/http.js";

/**
 * The request page offers each role only the step it can take now (issue 18, item 1): verifying the
 * requester and the documents is intake's (docs/roles.md: request.advance), so a reviewer, counsel and an
 * auditor see whose step it is and no form; once verified, the review is the reviewer's and intake sees
 * none. The API refuses a reviewer's verification as the page does not offer it.
 */

const VERIFY = "<legend>Verify the requester and the documents</legend>";
const REVIEW = 'action="/desk/requests/';

describe.each(DRIVERS)("the request page's step per role on %s", (driver) => {
  let desk: Desk;
  let id: string;

  beforeAll(async () => {
    desk = await openDesk(driver);
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({ reference: "ROLES-0001" }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    id = (submitted.json() as { id: string }).id;
  });
  afterAll(async () => {
    await desk?.close();
  });

  const actions = async (account: Account) => {
    const session = await desk.signInPage(account);
    const page = await desk.app.inject({
      method: "GET",
      url: `/desk/requests/${id}`,
      headers: { cookie: session.cookie },
    });
    expect(page.statusCode).toBe(200);
    const start = page.body.indexOf('aria-labelledby="actions-h"');
    return page.body.slice(start, page.body.indexOf("</section>", start));
  };

  it("before verification: only intake is offered the verification; the others are told it waits for intake", async () => {
    const intake = await actions(desk.accounts.intake);
    expect(intake).toContain(VERIFY);
    expect(intake).toContain("This is yours to do now.");
    for (const role of ["reviewer", "counsel", "auditor"] as const) {
      const shown = await actions(desk.accounts[role]);
      expect(shown, role).not.toContain(VERIFY);
      expect(shown, role).not.toContain(`${REVIEW}${id}/review"`);
      expect(shown, role).toContain("Nothing for you to do on this request in its present state: it waits for intake.");
    }
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const refused = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/advance`,
      headers: { ...reviewer.headers, "content-type": "application/json" },
      payload: { to: "under_review", note: "Looks fine." },
    });
    expect(refused.statusCode).toBe(403);
  });

  it("after verification: the reviewer is offered the review; intake and the auditor are told whose step it is", async () => {
    const intake = await desk.signIn(desk.accounts.intake);
    const moved = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/advance`,
      headers: { ...intake.headers, "content-type": "application/json" },
      payload: { to: "under_review", note: "Officer and court order checked." },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const reviewer = await actions(desk.accounts.reviewer);
    expect(reviewer).toContain(`${REVIEW}${id}/review"`);
    expect(reviewer).not.toContain(VERIFY);
    for (const role of ["intake", "auditor"] as const) {
      const shown = await actions(desk.accounts[role]);
      expect(shown, role).not.toContain(VERIFY);
      expect(shown, role).not.toContain(`${REVIEW}${id}/review"`);
      expect(shown, role).toMatch(
        /Nothing for you to do on this request in its present state: it waits for (reviewer|counsel)\./,
      );
    }
  });
});
