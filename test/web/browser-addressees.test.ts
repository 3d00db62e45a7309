import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ADDRESSEES_FILE } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { atBothWidths, CHROMIUM_FOUND, Chromium } from "../support/browser.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Issue 15, item 8, as an authority without an account meets it: from the sign-in page to where orders go,
 * read on a desktop and on a phone, with no serious or critical axe violation. The page shows only the
 * deployment's file, so one driver is enough; the API and the page on both are in test/addressees.test.ts.
 */
describe.skipIf(!CHROMIUM_FOUND)("where to send orders, in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  beforeAll(async () => {
    desk = await openDesk("pglite", { CUSTODIAN_ADDRESSEES: DEMO_ADDRESSEES_FILE });
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  it("leads from the sign-in page to each region's addressee, its languages and its emergency line", async () => {
    const page = await chrome.page({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/signin`);
    await page.getByRole("link", { name: "where to send orders" }).click();
    await expect.poll(() => page.title()).toBe("Where to send orders · Custodian");
    const eu = page.getByRole("region", { name: "European Union" });
    expect(await eu.getByText("Example Messenger EU Representative Ltd").count()).toBe(1);
    expect(await eu.locator("dd", { hasText: "English, German, French" }).count()).toBe(1);
    expect(await eu.getByRole("link", { name: "+353 1 555 0199" }).getAttribute("href")).toBe("tel:+35315550199");
    const uk = page.getByRole("region", { name: "United Kingdom" });
    expect(await uk.getByText("Contact point for law enforcement, established in United States").count()).toBe(1);
    const { violations, phoneOverflow } = await atBothWidths(page, "addressees");
    expect(violations).toEqual([]);
    expect(phoneOverflow).toEqual([]);
  });
});
