import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { atBothWidths, CHROMIUM_FOUND, Chromium } from "../support/browser.js";
import { deliveredProduction } from "../support/fulfilment.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Issue 18, items 3, 4 and 6, in a real Chromium against the real server: an admin pauses a jurisdiction
 * through a confirmation page that names its effect, and is not offered a pause of one already paused; an
 * officer's list says "downloaded" after the download and fits a phone; a request that is not there is
 * said plainly, with the way back. Each page at 1280 and 390 px, with no serious or critical axe violation.
 */

const MASTER_KEY = Buffer.alloc(32, 17).toString("base64");
const MISSING = "00000000-0000-4000-8000-000000000000";

describe.skipIf(!CHROMIUM_FOUND)("admin confirmations, the portal list and error pages in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  let productionId = "";

  beforeAll(async () => {
    desk = await openDesk("pglite", { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    ({ productionId } = await deliveredProduction(desk));
    // The production downloaded once, through the portal's form, before the officer opens the list.
    const officer = await desk.signInPage(desk.accounts.officerA);
    const download = await desk.app.inject({
      method: "POST",
      url: `/portal/productions/${productionId}/download`,
      headers: { cookie: officer.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: officer.csrf }).toString(),
    });
    expect(download.statusCode).toBe(200);
    await desk.db.updateTable("app_user").set({ totp_last_step: null }).execute();
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  it("an admin pauses through a page that names the effect; a paused jurisdiction is not offered again", async () => {
    const admin = await chrome.signedIn(server.url, desk.accounts.admin, { viewport: { width: 1280, height: 900 } });
    await admin.goto(`${server.url}/admin/jurisdictions`);
    // Hong Kong is paused by the policy: asking to pause it leads to a page that says so, with no button.
    await admin.getByLabel("Country or code").fill("hong kong");
    await Promise.all([
      admin.waitForURL("**/admin/jurisdictions/HK/pause"),
      admin.getByRole("button", { name: "Continue" }).click(),
    ]);
    expect(await admin.locator("main").textContent()).toContain(
      "Hong Kong is already paused, so it cannot be paused again.",
    );
    expect(await admin.getByRole("button", { name: /^Pause/ }).count()).toBe(0);
    expect(await admin.getByRole("link", { name: "Resume Hong Kong instead…" }).count()).toBe(1);
    const refused = await atBothWidths(admin, "18-admin-pause-refused");
    expect(refused.violations).toEqual([]);
    expect(refused.phoneOverflow).toEqual([]);

    // Germany is active: the page names what the pause does before anything changes.
    await admin.goto(`${server.url}/admin/jurisdictions`);
    await admin.getByLabel("Country or code").fill("Germany");
    await Promise.all([
      admin.waitForURL("**/admin/jurisdictions/DE/pause"),
      admin.getByRole("button", { name: "Continue" }).click(),
    ]);
    expect(await admin.locator("h1").textContent()).toBe("Pause Germany (DE)");
    expect(await admin.locator(".effect").textContent()).toContain(
      "Pause Germany: new requests from Germany will be held, not decided, until an admin resumes it",
    );
    const confirm = await atBothWidths(admin, "18-admin-pause-confirm");
    expect(confirm.violations).toEqual([]);
    expect(confirm.phoneOverflow).toEqual([]);
    expect(
      await desk.db.selectFrom("jurisdiction_status").select("id").where("jurisdiction", "=", "DE").execute(),
    ).toEqual([]);
    await admin.getByLabel("Reason (published in the audit trail)").fill("Assessment of a new law pending.");
    await Promise.all([
      admin.waitForURL("**/admin/jurisdictions?**"),
      admin.getByRole("button", { name: "Pause Germany" }).click(),
    ]);
    expect(await admin.getByRole("status").first().textContent()).toContain("Germany paused: 0 requests put on hold");
    expect(await admin.locator("#jurisdiction-DE th").textContent()).toBe("Germany (DE)");
    // Paused now, its row offers a resumption (through its own confirmation), never a second pause.
    expect(await admin.locator('#jurisdiction-DE a[href="/admin/jurisdictions/DE/resume"]').count()).toBe(1);
  }, 180_000);

  it("the officer's list says downloaded after the download, and fits a phone", async () => {
    const officer = await chrome.signedIn(server.url, desk.accounts.officerA, {
      viewport: { width: 1280, height: 900 },
    });
    await officer.goto(`${server.url}/portal`);
    const row = officer
      .getByRole("row")
      .filter({ has: officer.locator('a[href^="/portal/requests/"]') })
      .first();
    expect(await row.textContent()).toContain("Delivered: the production was downloaded");
    expect(await row.textContent()).not.toContain("ready to download");
    expect(await row.textContent()).toContain("none: finished");
    const list = await atBothWidths(officer, "18-portal-list-downloaded");
    expect(list.violations).toEqual([]);
    expect(list.phoneOverflow).toEqual([]);

    // A request that is not there: plain words and the way back to the list.
    await officer.goto(`${server.url}/portal/requests/${MISSING}`);
    expect(await officer.locator("h1").textContent()).toBe("We could not find that request");
    expect(await officer.title()).toBe("We could not find that request · Custodian");
    expect(await officer.getByRole("link", { name: "Go to your requests" }).getAttribute("href")).toBe("/portal");
    const missing = await atBothWidths(officer, "18-portal-request-not-found");
    expect(missing.violations).toEqual([]);
    expect(missing.phoneOverflow).toEqual([]);
  }, 180_000);
});
