import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "./support/db.js";
import { CHECKLIST_MET, requestDocument } from "./support/fixtures.js";
import { type Desk, openDesk, type Session } from "./support/http.js";

/**
 * The desk's safeguards over HTTP (issue 12): what a review needs before it counts, what a refusal leaves on
 * the request, the configured notice delay on rejections, and pausing what is already paused.
 */

const DAY_MS = 86_400_000;
const NOTICE_DELAY_DAYS = 3;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe.each(DRIVERS)("desk safeguards on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_EMERGENCY_NOTICE_DELAY_DAYS: String(NOTICE_DELAY_DAYS) });
  });
  afterAll(async () => {
    await desk?.close();
  });

  const post = (session: Session, url: string, payload: unknown) =>
    desk.app.inject({ method: "POST", url, headers: session.headers, payload: payload as object });

  const timeline = async (id: string) => {
    const auditor = await desk.signIn(desk.accounts.auditor);
    const response = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${id}/timeline`,
      headers: auditor.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: Array<{ actor: string; action: string; details: Record<string, unknown> }> })
      .items;
  };

  /** An emergency from officer A, confirmed by intake's call-back: under review, waiting for counsel. */
  async function verifiedEmergency(): Promise<string> {
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        jurisdiction: "US",
        process: "emergency",
        emergency: { justification: "A credible threat to a person's life, named in the attached report." },
        categories: ["subscriber.phone"],
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const intake = await desk.signIn(desk.accounts.intake);
    const called = await post(intake, `/api/v1/requests/${id}/callback`, { confirmed: true, note: "desk sergeant" });
    expect(called.statusCode, called.body).toBe(200);
    return id;
  }

  const noticeDue = async (id: string) =>
    (await timeline(id)).find((e) => e.action === "notice.scheduled")?.details.dueAt as string | undefined;

  it("tells the users of a rejected emergency after the configured delay, through the API and the page", async () => {
    const counsel = await desk.signIn(desk.accounts.counsel);
    const byApi = await verifiedEmergency();
    const rejected = await post(counsel, `/api/v1/requests/${byApi}/reviews`, {
      verdict: "reject",
      note: "the threat was not specific enough",
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const rejectedAt = desk.clock.now();
    expect(await noticeDue(byApi)).toBe(new Date(rejectedAt.getTime() + NOTICE_DELAY_DAYS * DAY_MS).toISOString());

    const byPage = await verifiedEmergency();
    const page = await desk.signInPage(desk.accounts.counsel);
    const answer = await desk.app.inject({
      method: "POST",
      url: `/desk/requests/${byPage}/review`,
      headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: page.csrf, verdict: "reject", note: "the threat was not specific enough" }),
    });
    expect(answer.statusCode, answer.body).toBe(303);
    const pageRejectedAt = desk.clock.now();
    expect(await noticeDue(byPage)).toBe(new Date(pageRejectedAt.getTime() + NOTICE_DELAY_DAYS * DAY_MS).toISOString());
  });

  it("writes a refused approval or call-back on the request's timeline", async () => {
    const id = await verifiedEmergency();
    const counsel = await desk.signIn(desk.accounts.counsel);
    // Counsel recommends, then approves: one person cannot be both of the two.
    const recommended = await post(counsel, `/api/v1/requests/${id}/reviews`, {
      verdict: "recommend_approve",
      checklist: CHECKLIST_MET,
    });
    expect(recommended.statusCode, recommended.body).toBe(200);
    const twice = await post(counsel, `/api/v1/requests/${id}/reviews`, {
      verdict: "approve",
      checklist: CHECKLIST_MET,
    });
    expect(twice.statusCode, twice.body).toBe(409);
    // A call-back is for an emergency: on anything else it is refused.
    const officer = await desk.signIn(desk.accounts.officerA);
    const order = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "US", process: "court_order" }),
    });
    const orderId = (order.json() as { id: string }).id;
    const intake = await desk.signIn(desk.accounts.intake);
    const callback = await post(intake, `/api/v1/requests/${orderId}/callback`, { confirmed: true, note: "x" });
    expect(callback.statusCode, callback.body).toBe(409);
    expect((await timeline(orderId)).filter((e) => e.action === "security.refused")).toMatchObject([
      {
        actor: desk.accounts.intake.email,
        details: { attempted: "callback", reason: expect.stringContaining("not an emergency") },
      },
    ]);

    const refusals = (await timeline(id)).filter((e) => e.action === "security.refused");
    expect(refusals).toMatchObject([
      {
        actor: desk.accounts.counsel.email,
        details: { attempted: "approve", reason: expect.stringMatching(/two people|someone else/) },
      },
    ]);
    // Nothing else changed: the request still waits for someone else's approval.
    const status = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: counsel.headers });
    expect(status.json()).toMatchObject({ status: "under_review" });
  });

  it("refuses to pause what is paused and to resume what the policy refuses, and says so on the page", async () => {
    const admin = await desk.signIn(desk.accounts.admin);
    const before = await desk.app.inject({ method: "GET", url: "/api/v1/jurisdictions", headers: admin.headers });
    const again = await post(admin, "/api/v1/jurisdictions/HK/pause", { reason: "still no assessment" });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ detail: expect.stringContaining("HK is already paused since 2020-07-06") });
    const resumeRefused = await post(admin, "/api/v1/jurisdictions/KP/resume", { reason: "sanctions lifted?" });
    expect(resumeRefused.statusCode, resumeRefused.body).toBe(409);
    expect(resumeRefused.json()).toMatchObject({ detail: expect.stringMatching(/KP is refused.*change the policy/) });
    const after = await desk.app.inject({ method: "GET", url: "/api/v1/jurisdictions", headers: admin.headers });
    expect(after.json()).toEqual(before.json());
    const refusals = await desk.db
      .selectFrom("audit_event")
      .select(["object_id", "actor", "payload"])
      .where("object_type", "=", "jurisdiction")
      .where("action", "=", "security.refused")
      .orderBy("id")
      .execute();
    expect(refusals).toMatchObject([
      { object_id: "HK", actor: desk.accounts.admin.email, payload: { attempted: "pause" } },
      { object_id: "KP", actor: desk.accounts.admin.email, payload: { attempted: "resume" } },
    ]);

    const page = await desk.signInPage(desk.accounts.admin);
    const list = await desk.app.inject({
      method: "GET",
      url: "/admin/jurisdictions",
      headers: { cookie: page.cookie },
    });
    expect(list.body).toContain('href="/admin/jurisdictions/HK/resume"');
    expect(list.body).not.toContain("Resume North Korea");
    expect(list.body).not.toContain('href="/admin/jurisdictions/KP/resume"');
    // Neither is offered on its confirmation page either (issue 18, item 4): no form, and why not.
    for (const [path, why] of [
      ["/admin/jurisdictions/HK/pause", "Hong Kong is already paused, so it cannot be paused again."],
      ["/admin/jurisdictions/KP/resume", "North Korea is refused by the policy: a refusal is not resumed."],
    ] as const) {
      const confirm = await desk.app.inject({ method: "GET", url: path, headers: { cookie: page.cookie } });
      expect(confirm.statusCode, path).toBe(200);
      expect(confirm.body).toContain(why);
      expect(confirm.body).not.toContain(`action="${path}"`);
    }
    // A stale confirmation page's post is refused by the service, and the page says why.
    const repause = await desk.app.inject({
      method: "POST",
      url: "/admin/jurisdictions/HK/pause",
      headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: page.csrf, reason: "still no assessment" }),
    });
    expect(repause.statusCode).toBe(409);
    expect(repause.body).toContain("Hong Kong is paused since 6 Jul 2020");
    expect(repause.body).toContain("Hong Kong is already paused, so it cannot be paused again.");

    // Resuming what is not paused is refused by the service too (it would only write a line saying nothing).
    const historyBefore = await desk.db.selectFrom("jurisdiction_status").select("id").execute();
    const resumeActive = await post(admin, "/api/v1/jurisdictions/DE/resume", { reason: "nothing to resume" });
    expect(resumeActive.statusCode, resumeActive.body).toBe(409);
    expect(resumeActive.json()).toMatchObject({ detail: "DE is not paused; nothing was changed" });
    expect(await desk.db.selectFrom("jurisdiction_status").select("id").execute()).toEqual(historyBefore);
  });
});
