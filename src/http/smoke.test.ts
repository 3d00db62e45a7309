import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { requestDocument } from "../../test/support/fixtures.js";
import { type Desk, openDesk } from "../../test/support/http.js";

describe.each(DRIVERS)("the API end to end on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("an officer submits, staff work it through two people, the officer follows it", async () => {
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        jurisdiction: "US",
        process: "search_warrant",
        agency: { name: "FBI", email: "agent.smith@fbi.gov", verified: false },
        categories: ["subscriber.phone", "content.posts"],
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const intake = await desk.signIn(desk.accounts.intake);
    const post = (session: typeof intake, url: string, payload: unknown) =>
      desk.app.inject({ method: "POST", url, headers: session.headers, payload: payload as object });
    expect(
      (await post(intake, `/api/v1/requests/${id}/advance`, { to: "verifying", note: "checked" })).statusCode,
    ).toBe(200);
    expect((await post(intake, `/api/v1/requests/${id}/advance`, { to: "under_review", note: "ok" })).statusCode).toBe(
      200,
    );
    const counsel = await desk.signIn(desk.accounts.counsel);
    const early = await post(counsel, `/api/v1/requests/${id}/reviews`, { verdict: "approve" });
    expect(early.statusCode, early.body).toBe(409);
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const rec = await post(reviewer, `/api/v1/requests/${id}/reviews`, {
      verdict: "recommend_approve",
      checklist: { legality: true, necessityAndProportionality: true, dueProcess: true, humanRightsRisk: "low" },
    });
    expect(rec.statusCode, rec.body).toBe(200);
    const approved = await post(counsel, `/api/v1/requests/${id}/reviews`, { verdict: "approve" });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: "approved" });
    const seen = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: officer.headers });
    expect(seen.json()).toMatchObject({ id, status: "approved", decision: null });
    const other = await desk.signIn(desk.accounts.officerB);
    const foreign = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: other.headers });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers["content-type"]).toContain("application/problem+json");
  });

  it("serves an OpenAPI document", async () => {
    const response = await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
  });
});
