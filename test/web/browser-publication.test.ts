import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapStaffUser } from "../../src/auth/accounts.service.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { atBothWidths, CHROMIUM_FOUND, Chromium } from "../support/browser.js";
import { deliveredProduction } from "../support/fulfilment.js";
import { type Account, type Desk, openDesk, PASSWORD } from "../support/http.js";

/**
 * Issue 17's published demands on the desk, in a real Chromium against the real server: a reviewer drafts
 * the publication of a delivered request on its page (the agency's reference withheld with a reason, a
 * summary) after a preview of exactly what the public will see; counsel redrafts it, and the approval
 * counsel had opened before is refused in a sentence because counsel is now the drafter; a second member of
 * counsel approves through a page that names the effect, and the demand is on the public page as previewed.
 */

const MASTER_KEY = Buffer.alloc(32, 17).toString("base64");

describe.skipIf(!CHROMIUM_FOUND)("drafting and approving a publication on the desk in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  let requestId = "";
  let reference = "";
  let counsel2: Account;

  beforeAll(async () => {
    desk = await openDesk("pglite", { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    ({ requestId } = await deliveredProduction(desk));
    ({ reference } = await desk.db
      .selectFrom("request")
      .select("reference")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow());
    const created = await bootstrapStaffUser(
      desk.db,
      { operator: "cli:test-setup" },
      { email: "counsel2@provider.example", displayName: "second counsel", role: "counsel", password: PASSWORD },
      desk.clock.now(),
    );
    counsel2 = {
      userId: created.userId,
      email: "counsel2@provider.example",
      role: "counsel",
      agencyId: null,
      totpSecret: created.totpSecret,
    };
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  const approved = () =>
    desk.db
      .selectFrom("demand_publication")
      .select(["version", "approved_at"])
      .where("request_id", "=", requestId)
      .executeTakeFirst();

  it("a reviewer drafts after a preview; the drafter's approval is refused; another counsel approves", async () => {
    const reviewer = await chrome.signedIn(server.url, desk.accounts.reviewer);
    await reviewer.goto(`${server.url}/desk/requests/${requestId}`);
    const section = reviewer.locator('section[aria-labelledby="publication-h"]');
    expect(await section.locator("h2").textContent()).toBe("Publication");

    // Withheld without a reason: refused beside the reason, in a sentence, nothing stored.
    await section.getByLabel("Withhold the agency's reference").check();
    await section.getByRole("button", { name: "Preview" }).click();
    expect(await reviewer.locator("#error-summary").textContent()).toContain(
      "Say why the agency's reference is withheld",
    );
    expect(await approved()).toBeUndefined();

    await section.getByLabel("Why the agency's reference is withheld").fill("It names an open investigation.");
    await section.getByLabel("Summary for the public (optional)").fill("A court order for one account's records.");
    await section.getByRole("button", { name: "Preview" }).click();
    const preview = reviewer.getByRole("region", { name: "Preview of the draft, not saved" });
    const previewText = (await preview.textContent()) ?? "";
    expect(previewText).toContain("A court order for one account's records.");
    expect(previewText).toContain("Agency's reference: It names an open investigation.");
    expect(previewText).not.toContain(reference);
    expect(previewText).toContain("Federal Bureau of Investigation");
    expect(await approved()).toBeUndefined();
    const previewed = await atBothWidths(reviewer, "17-publication-preview");
    expect(previewed.violations).toEqual([]);
    expect(previewed.phoneOverflow).toEqual([]);

    await Promise.all([
      reviewer.waitForURL("**notice=publication-drafted**"),
      section.getByRole("button", { name: "Save the draft" }).click(),
    ]);
    expect(await reviewer.getByRole("status").first().textContent()).toContain("Publication drafted");
    expect(await section.textContent()).toContain("Draft version 1 by reviewer@provider.example");
    // A reviewer may draft, not approve.
    expect(await section.getByRole("link", { name: "Approve for publication…" }).count()).toBe(0);
    expect(await approved()).toEqual({ version: 1, approved_at: null });

    // Counsel opens the approval of version 1: the effect named, the draft exactly as the public will see it.
    const counsel = await chrome.signedIn(server.url, desk.accounts.counsel);
    await counsel.goto(`${server.url}/desk/requests/${requestId}`);
    await Promise.all([
      counsel.waitForURL("**/publication/approval"),
      counsel.getByRole("link", { name: "Approve for publication…" }).click(),
    ]);
    expect(await counsel.locator(".effect").textContent()).toContain("This will be public at /reports/demands");
    expect(await counsel.getByRole("region", { name: /Draft version 1/ }).textContent()).toBe(previewText);
    const confirm = await atBothWidths(counsel, "17-publication-approval");
    expect(confirm.violations).toEqual([]);
    expect(confirm.phoneOverflow).toEqual([]);

    // In another tab counsel redrafts it (the summary reworded): counsel is now the drafter.
    const tab = await counsel.context().newPage();
    await tab.goto(`${server.url}/desk/requests/${requestId}`);
    const redraft = tab.locator('section[aria-labelledby="publication-h"]');
    expect(await redraft.getByLabel("Withhold the agency's reference").isChecked()).toBe(true);
    await redraft.getByLabel("Summary for the public (optional)").fill("A US court order for one account's records.");
    await Promise.all([
      tab.waitForURL("**notice=publication-drafted**"),
      redraft.getByRole("button", { name: "Save the draft" }).click(),
    ]);
    expect(await redraft.textContent()).toContain(
      "You drafted this version, so another member of counsel must approve it.",
    );
    expect(await redraft.getByRole("link", { name: "Approve for publication…" }).count()).toBe(0);

    // Back in the first tab, the approval counsel opened earlier is refused: counsel drafted what it would publish.
    const [refusal] = await Promise.all([
      counsel.waitForResponse((r) => r.url().endsWith("/publication/approval") && r.request().method() === "POST"),
      counsel.getByRole("button", { name: "Approve and publish" }).click(),
    ]);
    expect(refusal.status()).toBe(403);
    expect(await counsel.locator("#error-summary").textContent()).toContain(
      "You drafted the version of this publication now in the draft, so another member of counsel must approve it. Nothing was published.",
    );
    expect(await counsel.getByRole("button", { name: "Approve and publish" }).count()).toBe(0);
    expect(await approved()).toEqual({ version: 2, approved_at: null });

    // The second member of counsel approves version 2 through the same page.
    const other = await chrome.signedIn(server.url, counsel2);
    await other.goto(`${server.url}/desk/requests/${requestId}/publication/approval`);
    expect(await other.getByRole("region", { name: /Draft version 2/ }).textContent()).toContain(
      "A US court order for one account's records.",
    );
    await Promise.all([
      other.waitForURL("**notice=publication-approved**"),
      other.getByRole("button", { name: "Approve and publish" }).click(),
    ]);
    expect(await other.getByRole("status").first().textContent()).toContain("Publication approved");
    expect((await approved())?.approved_at).toBeInstanceOf(Date);

    const publicPage = await chrome.page();
    await publicPage.goto(`${server.url}/reports/demands`);
    const main = (await publicPage.locator("main").textContent()) ?? "";
    expect(main).toContain("A US court order for one account's records.");
    expect(main).toContain("Agency's reference: It names an open investigation.");
    expect(main).not.toContain(reference);
  }, 240_000);
});
