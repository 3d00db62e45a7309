import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { answerChecklist, atBothWidths, CHROMIUM_FOUND, Chromium } from "../support/browser.js";
import { DRIVERS } from "../support/db.js";
import { CHECKLIST_MET, requestDocument } from "../support/fixtures.js";
import { type Account, type Desk, openDesk, type Session } from "../support/http.js";

/**
 * Issue 18, item 1, in a real Chromium against the real server: every page says what happens next and
 * who acts. The officer submits an emergency and is told the agency's number on file will be called;
 * intake sees that number on the call-back form, takes the request and lets it go from its page, and a
 * form sent incomplete comes back with every problem in a sentence and what was typed kept; counsel's
 * approval is a step of its own, showing exactly what will leave before anything is recorded, and the
 * result says what happens next. Each page at 1280 and 390 px, with no serious or critical axe violation.
 */

const AGENCY_PHONE = "+12023243000";

describe.skipIf(!CHROMIUM_FOUND).each(DRIVERS)("what happens next, in Chromium on %s", (driver) => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  const pages: Partial<Record<string, Page>> = {};
  let emergencyPath = "";
  let warrantId = "";
  let courtOrderId = "";

  async function submit(officer: Session, overrides: Record<string, unknown>) {
    const response = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "US", ...overrides }),
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  beforeAll(async () => {
    desk = await openDesk(driver);
    const officer = await desk.signIn(desk.accounts.officerA);
    const intake = await desk.signIn(desk.accounts.intake);
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    // Contents on a warrant: verified by intake and recommended by a reviewer, it waits for counsel.
    warrantId = await submit(officer, {
      reference: "NEXT-WARRANT",
      process: "search_warrant",
      targets: [{ type: "username", value: "suspect.one" }],
      categories: ["subscriber.name", "content.posts"],
    });
    courtOrderId = await submit(officer, { reference: "NEXT-COURT-ORDER", process: "court_order" });
    for (const [url, session, payload] of [
      [
        `/api/v1/requests/${warrantId}/advance`,
        intake,
        { to: "under_review", note: "Warrant checked with the clerk." },
      ],
      [`/api/v1/requests/${warrantId}/reviews`, reviewer, { verdict: "recommend_approve", checklist: CHECKLIST_MET }],
    ] as const) {
      const response = await desk.app.inject({ method: "POST", url, headers: session.headers, payload });
      expect(response.statusCode, response.body).toBeLessThan(300);
    }
    // People sign in with the real clock's code: forget the steps set-up claimed.
    await desk.db.updateTable("app_user").set({ totp_last_step: null }).execute();
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  /** One sign-in per person: a second in the same 30-second step would replay its code. */
  const as = async (account: Account) => {
    pages[account.email] ??= await chrome.signedIn(server.url, account, { viewport: { width: 1280, height: 900 } });
    return pages[account.email] as Page;
  };
  const nextStep = (page: Page) => page.getByRole("region", { name: "What happens next" });
  const expectClean = async (page: Page, name: string) => {
    const { violations, phoneOverflow } = await atBothWidths(page, name);
    expect(violations).toEqual([]);
    expect(phoneOverflow).toEqual([]);
  };

  it("reports every problem of a request form at once, in sentences, and asks for the document again (item 3)", async () => {
    const officer = await as(desk.accounts.officerA);
    await officer.goto(`${server.url}/portal/requests/new`);
    await officer.getByLabel("Search warrant").check();
    await officer.getByLabel("Target 1: kind").selectOption("username");
    await officer.getByLabel("Target 1: value").fill("suspect.three");
    await officer.locator("#f-cat-subscriber-name").check();
    await officer.getByLabel("Records from (optional)").fill("2020-07-31");
    await officer.getByLabel("Records to").fill("2020-07-01");
    await officer.getByLabel("The signed legal process (PDF or scans)").setInputFiles({
      name: "warrant.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4 search warrant"),
    });
    await officer.getByRole("button", { name: "Submit the request" }).click();
    const summary = officer.locator(".error-summary");
    await expect
      .poll(() => summary.locator("li").allTextContents())
      .toEqual(["Enter the agency's reference", "The end date must be after the start date"]);
    expect(await officer.title()).toMatch(/^Error: New request/);
    expect(await officer.locator("#f-documents-again").textContent()).toContain("Attach warrant.pdf again");
    // Sent again without the document: the warrant is not acted on without it, and the form says so.
    await officer.getByLabel("Your reference").fill("NEXT-NO-DOCUMENT");
    await officer.getByLabel("Records from (optional)").fill("2020-07-01");
    await officer.getByLabel("Records to").fill("2020-07-31");
    await officer.getByRole("button", { name: "Submit the request" }).click();
    await expect
      .poll(() => summary.locator("li").allTextContents())
      .toEqual(["Attach the signed legal process: it is not acted on without it"]);
    await expectClean(officer, "18-3-portal-form-refused");
  }, 120_000);

  it("tells the officer after submitting an emergency that the agency's number on file will be called", async () => {
    const officer = await as(desk.accounts.officerA);
    await officer.goto(`${server.url}/portal/requests/new`);
    await officer.getByLabel("Your reference").fill("NEXT-EMERGENCY");
    await officer.locator("#f-process-emergency").check();
    await officer.getByLabel("Justification").fill("A credible threat to a person's life, named in the report.");
    await officer.getByLabel("Target 1: kind").selectOption("username");
    await officer.getByLabel("Target 1: value").fill("suspect.two");
    await officer.locator("#f-cat-subscriber-name").check();
    await Promise.all([
      officer.waitForURL(/\/portal\/requests\/[0-9a-f-]{36}\?notice=submitted-emergency/),
      officer.getByRole("button", { name: "Submit the request" }).click(),
    ]);
    emergencyPath = new URL(officer.url()).pathname;
    expect(await officer.getByRole("status").first().textContent()).toContain(
      "We call your agency's number on file now to confirm it",
    );
    const next = nextStep(officer);
    expect(await next.textContent()).toContain(`We are calling your agency's number on file, ${AGENCY_PHONE}, now`);
    // Category labels, not codes; the withdrawal is a link to a page of its own, not a red form beside the news.
    const asked = officer.locator("dt", { hasText: "Data asked for" }).locator("xpath=following-sibling::dd[1]");
    expect((await asked.textContent())?.trim()).toBe("Name");
    expect(await officer.getByRole("button", { name: /Withdraw/ }).count()).toBe(0);
    expect(await officer.getByRole("link", { name: "Withdraw this request…" }).count()).toBe(1);
    await expectClean(officer, "18-1-portal-emergency-submitted");
  }, 120_000);

  it("shows intake the number to call, takes and lets go from the request page, and refuses an empty call-back in sentences", async () => {
    const intake = await as(desk.accounts.intake);
    const id = emergencyPath.split("/").at(-1) as string;
    await intake.goto(`${server.url}/desk/requests/${id}`);
    const next = nextStep(intake);
    expect(await next.locator(".next-step").textContent()).toBe(
      `Whoever is on call (intake, a reviewer or counsel) calls the agency back on ${AGENCY_PHONE} to confirm the emergency. Nothing is disclosed until the call confirms it.`,
    );
    expect(await next.textContent()).toContain("This is yours to do now.");
    expect(await intake.locator("legend", { hasText: "Call " }).textContent()).toContain(AGENCY_PHONE);
    // Only the call-back is offered before the emergency is confirmed: no verification form beside it.
    expect(await intake.getByRole("button", { name: "Record the check" }).count()).toBe(0);

    await intake.getByRole("button", { name: "Take it" }).click();
    await intake.waitForURL(/notice=taken/);
    expect(await next.textContent()).toContain("Taken by: you");

    // Sent with nothing answered: every problem at once, in sentences, the title saying so.
    await intake.getByLabel("Who you spoke to, what they said").fill("Duty officer Reyes");
    await intake.getByRole("button", { name: "Record the call-back" }).click();
    const summary = intake.locator(".error-summary");
    await expect.poll(() => summary.textContent()).toContain("Choose whether the agency confirmed the emergency");
    expect(await intake.title()).toMatch(/^Error: /);
    expect(await intake.getByLabel("Who you spoke to, what they said").inputValue()).toBe("Duty officer Reyes");
    expect(await intake.getByLabel("The agency confirmed the emergency").getAttribute("aria-invalid")).toBe("true");
    await expectClean(intake, "18-1-desk-callback-refused");

    await intake.getByLabel("The agency confirmed the emergency").check();
    await intake.getByLabel("Who you spoke to, what they said").fill("Duty officer Reyes confirmed the threat.");
    await intake.getByRole("button", { name: "Record the call-back" }).click();
    await intake.waitForURL(/notice=callback/);
    expect(await next.locator(".next-step").textContent()).toMatch(/^Counsel approves the disclosure|^A reviewer/);
    expect(await next.textContent()).toContain("Nothing for you to do on this request in its present state: it waits");
    await intake.getByRole("button", { name: "Let it go" }).click();
    await intake.waitForURL(/notice=let-go/);
    expect(await next.textContent()).toContain("Taken by: nobody");
    await expectClean(intake, "18-1-desk-emergency-called-back");
  }, 120_000);

  it("asks intake for both answers of the verification at once, and says what happens after", async () => {
    const intake = await as(desk.accounts.intake);
    await intake.goto(`${server.url}/desk/requests/${courtOrderId}`);
    expect(await nextStep(intake).locator(".next-step").textContent()).toContain(
      "Intake verifies the requester and the documents",
    );
    await intake.getByRole("button", { name: "Record the check" }).click();
    const summary = intake.locator(".error-summary");
    await expect.poll(() => summary.textContent()).toContain("Choose whether the requester is verified");
    expect(await summary.textContent()).toContain("Say what you checked");
    await summary.getByRole("link", { name: "Say what you checked" }).click();
    await expect.poll(() => intake.evaluate(() => document.activeElement?.id)).toBe("f-advance-note");
    await intake.getByLabel("Verified: send it for legal review").check();
    await intake.getByLabel("What you checked").fill("Court order checked with the clerk.");
    await intake.getByRole("button", { name: "Record the check" }).click();
    await intake.waitForURL(/notice=advanced/);
    expect(await intake.getByRole("status").first().textContent()).toContain("Verified and sent for legal review");
    const notes = intake
      .locator("dt", { hasText: "Intake's verification notes" })
      .locator("xpath=following-sibling::dd[1]");
    expect(await notes.textContent()).toContain("Court order checked with the clerk.");
  }, 120_000);

  it("tells the reviewer who recommended that the request now waits for counsel", async () => {
    const reviewer = await as(desk.accounts.reviewer);
    await reviewer.goto(`${server.url}/desk/requests/${warrantId}`);
    const next = nextStep(reviewer);
    expect(await next.locator(".next-step").textContent()).toContain("Counsel approves the disclosure");
    expect(await next.textContent()).toContain("it waits for counsel");
    expect(await reviewer.getByRole("button", { name: "Record the review" }).count()).toBe(0);
  }, 120_000);

  it("makes counsel's approval a step of its own: what will leave, a way back that keeps the answers, then the result", async () => {
    const counsel = await as(desk.accounts.counsel);
    await counsel.goto(`${server.url}/desk/requests/${warrantId}`);
    expect(await nextStep(counsel).textContent()).toContain("This is yours to do now.");
    await answerChecklist(counsel);
    await counsel.getByLabel("Approve the disclosure").check();
    await counsel.getByRole("button", { name: "Record the review" }).click();
    await counsel.waitForURL(`**/desk/requests/${warrantId}/review`);
    expect(await counsel.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Check what will leave before you approve",
    );
    expect(await counsel.locator("#disclosure-summary").textContent()).toMatch(
      /Approving discloses 2 items of data about 1 account to Federal Bureau of Investigation, contents included\./,
    );
    const leaving = counsel.getByRole("table", { name: "What will be disclosed, account by account" });
    expect(await leaving.locator("tbody th").allTextContents()).toEqual(["username:suspect.one"]);
    expect(await leaving.locator("tbody td li").allTextContents()).toEqual(["Name", "Posts"]);
    expect(await counsel.locator("main").textContent()).toContain(
      `${desk.accounts.reviewer.email}: Recommend approval`,
    );
    await expectClean(counsel, "18-1-desk-approval-check");

    // Going back records nothing and keeps every answer.
    await counsel.getByRole("button", { name: "Go back and change the answers" }).click();
    expect(await counsel.locator("h1 .badge").textContent()).toBe("under review");
    expect(await counsel.getByLabel("Approve the disclosure").isChecked()).toBe(true);
    expect(
      await counsel
        .getByRole("group", { name: /^Legality/ })
        .getByLabel("Met", { exact: true })
        .isChecked(),
    ).toBe(true);
    const reviews = await desk.db.selectFrom("review").select("verdict").where("request_id", "=", warrantId).execute();
    expect(reviews.map((r) => r.verdict)).toEqual(["recommend_approve"]);

    await counsel.getByRole("button", { name: "Record the review" }).click();
    await counsel.getByRole("button", { name: "Approve and disclose" }).click();
    await counsel.waitForURL(/notice=approved/);
    expect(await counsel.getByRole("status").first().textContent()).toContain(
      "Custodian now collects and packages the data",
    );
    expect(await counsel.locator("h1 .badge").textContent()).toBe("approved");
    expect(await nextStep(counsel).locator(".next-step").textContent()).toContain(
      "Custodian collects and packages the data approved",
    );
    await expectClean(counsel, "18-1-desk-approved");
  }, 120_000);
});
