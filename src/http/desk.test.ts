import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { CHECKLIST_MET, requestDocument, TEST_OPERATOR } from "../../test/support/fixtures.js";
import { type Desk, openDesk } from "../../test/support/http.js";
import { runDueJobs } from "../jobs/jobs.js";
import { listOutbox } from "../mail/outbox.js";
import { jobHandlers } from "../server/job-handlers.js";

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
    const early = await post(counsel, `/api/v1/requests/${id}/reviews`, {
      verdict: "approve",
      checklist: CHECKLIST_MET,
    });
    expect(early.statusCode, early.body).toBe(409);
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const rec = await post(reviewer, `/api/v1/requests/${id}/reviews`, {
      verdict: "recommend_approve",
      checklist: CHECKLIST_MET,
    });
    expect(rec.statusCode, rec.body).toBe(200);
    const approved = await post(counsel, `/api/v1/requests/${id}/reviews`, {
      verdict: "approve",
      checklist: CHECKLIST_MET,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: "approved" });
    const seen = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: officer.headers });
    expect(seen.json()).toMatchObject({ id, status: "approved", decision: null });
    const other = await desk.signIn(desk.accounts.officerB);
    const foreign = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: other.headers });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers["content-type"]).toContain("application/problem+json");
  });

  it("pages the queue by deadline without repeats or gaps, and filters it", async () => {
    const officer = await desk.signIn(desk.accounts.officerB);
    for (let i = 0; i < 7; i++) {
      const r = await desk.app.inject({
        method: "POST",
        url: "/api/v1/requests",
        headers: { ...officer.headers, "content-type": "application/json" },
        payload: requestDocument({ jurisdiction: "GB", process: i % 2 ? "subpoena" : "court_order" }),
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const seen: string[] = [];
    let after: string | null = null;
    let deadlines: string[] = [];
    do {
      const query: string = `/api/v1/requests?jurisdiction=GB&limit=3${after ? `&after=${after}` : ""}`;
      const page = await desk.app.inject({ method: "GET", url: query, headers: reviewer.headers });
      const body = page.json() as { items: Array<{ id: string; deadlineAt: string }>; next: string | null };
      seen.push(...body.items.map((r) => r.id));
      deadlines = [...deadlines, ...body.items.map((r) => r.deadlineAt)];
      after = body.next;
    } while (after);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect([...deadlines].sort()).toEqual(deadlines);
    const subpoenas = await desk.app.inject({
      method: "GET",
      url: "/api/v1/requests?jurisdiction=GB&process=subpoena&status=received",
      headers: reviewer.headers,
    });
    expect((subpoenas.json() as { items: unknown[] }).items).toHaveLength(3);
    const bad = await desk.app.inject({
      method: "GET",
      url: "/api/v1/requests?after=garbage",
      headers: reviewer.headers,
    });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { errors: Array<{ path: string }> }).errors[0]?.path).toBe("after");
  });

  it("reminds the officer when the legal process behind an emergency falls due", async () => {
    const officer = await desk.signIn(desk.accounts.officerB);
    const r = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        jurisdiction: "GB",
        process: "emergency",
        emergency: { justification: "A child is missing and believed in danger." },
        categories: ["subscriber.phone"],
      }),
    });
    expect(r.statusCode, r.body).toBe(201);
    const due = new Date(desk.clock.now().getTime() + (desk.config.emergency.followUpDays + 1) * 86_400_000);
    await runDueJobs(desk.db, jobHandlers(), { workerId: "test", now: () => due });
    const mail = await listOutbox(desk.db, TEST_OPERATOR, {
      recipient: desk.accounts.officerB.email,
      purpose: "emergency.follow_up_due",
    });
    expect(mail).toHaveLength(1);
  });

  it("refuses an officer filing under another country's jurisdiction, naming the field, writing nothing", async () => {
    const officer = await desk.signIn(desk.accounts.officerA);
    const before = await desk.db
      .selectFrom("request")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const r = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "HK", process: "court_order", categories: ["subscriber.phone"] }),
    });
    expect(r.statusCode).toBe(400);
    expect((r.json() as { errors: Array<{ path: string }> }).errors[0]?.path).toBe("jurisdiction");
    const after = await desk.db
      .selectFrom("request")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("serves an OpenAPI document", async () => {
    const response = await desk.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
  });
});
