import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { answerChecklist, CHROMIUM_FOUND, Chromium, screenshot } from "../support/browser.js";
import { type Account, type Desk, openDesk } from "../support/http.js";

/**
 * The web desk in a real Chromium against the real server (a real port, the real clock, a real
 * database): an officer submits a request through the form, a reviewer recommends and counsel approves
 * it, an admin pauses the jurisdiction and the officer sees the request held. Each main page is saved
 * to test-results/screenshots/. Chromium is Debian's (.ci/run installs it); without it the suite is
 * reported as skipped, never passed.
 */

describe.skipIf(!CHROMIUM_FOUND)("the web desk in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  let officerPage: Page;
  let requestPath = "";

  beforeAll(async () => {
    desk = await openDesk("pglite");
    // The harness enrolled the officers' second factor moments ago with the current code; a person
    // signing in would use the next one. Forget the claimed step so the real clock's code works now.
    await desk.db.updateTable("app_user").set({ totp_last_step: null }).execute();
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  const signedIn = (account: Account, timezoneId?: string) =>
    chrome.signedIn(server.url, account, timezoneId ? { timezoneId } : {});

  it("an officer signs in and submits a request; a wrong field is shown beside it", async () => {
    const signin = await chrome.page();
    await signin.goto(`${server.url}/portal`);
    expect(new URL(signin.url()).pathname).toBe("/signin");
    // Keyboard first: the first Tab lands on the skip link.
    await signin.keyboard.press("Tab");
    expect(await signin.evaluate(() => document.activeElement?.textContent)).toBe("Skip to main content");
    await screenshot(signin, "01-signin");

    const officer = await signedIn(desk.accounts.officerA, "America/Los_Angeles");
    officerPage = officer;
    expect(new URL(officer.url()).pathname).toBe("/portal");
    await officer.getByRole("link", { name: "New request" }).first().click();
    await officer.getByLabel("Your reference").fill("FBI-BROWSER-0001");
    await officer.getByLabel("Issued by (optional)").fill("U.S. District Court, N.D. Cal.");
    await officer.getByLabel("Search warrant").check();
    // The emergency section is only for emergencies: the script hides it for a warrant.
    await expect.poll(() => officer.locator("fieldset.emergency-only").isHidden()).toBe(true);
    await officer.getByLabel("Target 1: kind").selectOption("phone");
    await officer.getByLabel("Target 1: value").fill("415-555-0100");
    await officer.locator("#f-cat-subscriber-name").check();
    await officer.locator("#f-cat-content-posts").check();
    await officer.getByLabel("Records from (optional)").fill("2020-07-01");
    await officer.getByLabel("Records to").fill("2020-07-31");
    await officer.getByLabel("The signed legal process (PDF or scans)").setInputFiles({
      name: "warrant.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4 search warrant signed by the magistrate judge"),
    });
    await officer.getByRole("button", { name: "Submit the request" }).click();
    await officer.waitForLoadState();
    const error = officer.locator("#f-targets-0-value-error");
    await expect.poll(() => error.textContent()).toContain("must be an E.164 phone number");
    expect(await officer.getByLabel("Target 1: value").getAttribute("aria-describedby")).toContain(
      "f-targets-0-value-error",
    );
    // The summary takes focus so a keyboard user starts at the list of problems.
    expect(await officer.evaluate(() => document.activeElement?.id)).toBe("error-summary");
    await screenshot(officer, "02-portal-new-request-error");

    await officer.getByLabel("Target 1: value").fill("+14155550100");
    await officer.getByLabel("The signed legal process (PDF or scans)").setInputFiles({
      name: "warrant.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4 search warrant signed by the magistrate judge"),
    });
    await Promise.all([
      officer.waitForURL(/\/portal\/requests\/[0-9a-f-]{36}/),
      officer.getByRole("button", { name: "Submit the request" }).click(),
    ]);
    requestPath = new URL(officer.url()).pathname;
    await expect.poll(() => officer.locator("main").textContent()).toContain("Request submitted");
    await expect.poll(() => officer.locator("main").textContent()).toContain("warrant.pdf");
    // Times are shown in the viewer's zone (Los Angeles here) with the jurisdiction's beside them.
    const received = officer.locator("dd time[data-local]").first();
    await expect.poll(() => received.textContent()).toMatch(/GMT-[78]|P[DS]T/);
    await screenshot(officer, "03-portal-request");
  }, 180_000);

  it("intake verifies it, a reviewer recommends it; counsel approves it (two people)", async () => {
    const id = requestPath.split("/").at(-1) as string;
    // Verification is intake's step: intake records the check; the reviewer is never offered it.
    const intake = await signedIn(desk.accounts.intake);
    await intake.goto(`${server.url}/desk/requests/${id}`);
    await intake.getByLabel("Verified: send it for legal review").check();
    await intake.getByLabel("What you checked").fill("Warrant checked with the clerk of the court.");
    await intake.getByRole("button", { name: "Record the check" }).click();
    await intake.waitForURL(/notice=advanced/);
    const reviewer = await signedIn(desk.accounts.reviewer);
    expect(new URL(reviewer.url()).pathname).toBe("/desk");
    // A reviewer lands on the reviews waiting for them; the request is also among the open ones.
    await reviewer.getByRole("navigation", { name: "Queue views" }).getByRole("link", { name: /^Open/ }).click();
    await reviewer.getByLabel("Country").fill("US");
    await reviewer.getByRole("button", { name: "Apply" }).click();
    await reviewer.waitForURL(/jurisdiction=US/);
    await screenshot(reviewer, "04-desk-queue");
    await reviewer.getByRole("link", { name: "FBI-BROWSER-0001" }).click();
    await reviewer.waitForURL(`**/desk/requests/${id}`);
    expect(await reviewer.getByLabel("What you checked").count()).toBe(0);
    const decision = reviewer.locator("table.decision");
    await expect.poll(() => decision.textContent()).toContain("search warrant unlocks account contents");
    await answerChecklist(reviewer);
    await reviewer.getByLabel("Recommend approval").check();
    await reviewer.getByLabel("Note").fill("Particularised warrant; period limited to July.");
    await reviewer.getByRole("button", { name: "Record the review" }).click();
    await reviewer.waitForURL(/notice=reviewed/);
    await expect
      .poll(() => reviewer.locator("main").textContent())
      .toContain(`done by ${desk.accounts.reviewer.email}`);
    await screenshot(reviewer, "05-desk-request-recommended");

    const counsel = await signedIn(desk.accounts.counsel);
    await counsel.goto(`${server.url}/desk/requests/${id}`);
    await answerChecklist(counsel);
    await counsel.getByLabel("Approve the disclosure").check();
    await counsel.getByRole("button", { name: "Record the review" }).click();
    await counsel.getByRole("button", { name: "Approve and disclose" }).click();
    await counsel.waitForURL(/notice=approved/);
    await expect.poll(() => counsel.locator("h1 .badge").textContent()).toBe("approved");
    await expect
      .poll(() => counsel.locator("#timeline-h ~ .table-scroll table").textContent())
      .toContain("Review recorded");
    await screenshot(counsel, "06-desk-request-approved");
  }, 180_000);

  it("an admin pauses the jurisdiction and the officer sees the request held", async () => {
    const admin = await signedIn(desk.accounts.admin);
    expect(new URL(admin.url()).pathname).toBe("/admin/jurisdictions");
    // A bad code comes back on the same page, the error beside the field.
    await admin.getByLabel("Country or code").fill("U$");
    await admin.getByRole("button", { name: "Continue" }).click();
    await admin.waitForSelector("#f-pause-code-error");
    expect(await admin.locator("#f-pause-code-error").textContent()).toBeTruthy();
    expect(await admin.getByLabel("Country or code").getAttribute("aria-invalid")).toBe("true");
    expect(await admin.locator(".error-summary a").getAttribute("href")).toBe("#f-pause-code");
    await screenshot(admin, "07a-admin-pause-refused");
    // The pause itself goes through a page that names its effect and asks for the reason.
    await admin.getByLabel("Country or code").fill("US");
    await Promise.all([
      admin.waitForURL("**/admin/jurisdictions/US/pause"),
      admin.getByRole("button", { name: "Continue" }).click(),
    ]);
    await admin.getByLabel("Reason (published in the audit trail)").fill("Human-rights assessment after new law");
    await Promise.all([
      admin.waitForURL("**/admin/jurisdictions?**"),
      admin.getByRole("button", { name: /^Pause / }).click(),
    ]);
    const row = admin.locator("#jurisdiction-US");
    await expect.poll(() => row.textContent()).toContain("Human-rights assessment after new law");
    await screenshot(admin, "07-admin-jurisdictions");
    for (const [path, name] of [
      ["/admin/policy", "08-admin-policy"],
      ["/admin/agencies", "09-admin-agencies"],
      ["/admin/users", "10-admin-users"],
    ] as const) {
      await admin.goto(`${server.url}${path}`);
      await screenshot(admin, name);
    }

    const officer = officerPage;
    await officer.goto(`${server.url}${requestPath}`);
    await expect.poll(() => officer.locator("h1 .badge").textContent()).toBe("on hold");
    await expect
      .poll(() => officer.locator("main").textContent())
      .toContain("On hold: requests from this jurisdiction are paused");
    await screenshot(officer, "11-portal-request-held");
    await officer.goto(`${server.url}/portal`);
    await screenshot(officer, "12-portal-list");
  }, 180_000);
});
