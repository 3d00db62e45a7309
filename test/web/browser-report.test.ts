import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoHistory } from "../../src/demo/history.js";
import { CSV_COLUMNS } from "../../src/reports/report.format.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { CHROMIUM_FOUND, Chromium, SHOTS } from "../support/browser.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Issue 7 in a real Chromium against the real server: the public transparency report of 2020H2, with no
 * sign-in, over the demo history (Apple's volumes × 0.02). The figures the page's table shows are the
 * figures of the CSV its own link downloads; the page carries one SVG chart per jurisdiction, and works
 * the same with JavaScript disabled. Without Chromium the suite is reported as skipped, never passed.
 */

const PERIOD = "2020H2";

/** The table's rows as the CSV writes them: the process with underscores, every figure as shown. */
async function tableRows(page: Page): Promise<string[][]> {
  const rows = await page
    .locator("main table tbody tr")
    .evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (cell) => (cell.textContent ?? "").trim())),
    );
  // Jurisdiction name, code, process, then the seven figures in the CSV's order.
  return rows.map(([, code, process, ...figures]) => [
    PERIOD,
    code as string,
    (process as string).replaceAll(" ", "_"),
    ...figures,
  ]);
}

describe.skipIf(!CHROMIUM_FOUND)("the public transparency report in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;

  beforeAll(async () => {
    desk = await openDesk("pglite");
    await seedDemoHistory(desk.db, { scale: 0.02 });
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  }, 240_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  async function open(javaScriptEnabled: boolean): Promise<Page> {
    const page = await chrome.page({
      javaScriptEnabled,
      acceptDownloads: true,
      locale: "en-GB",
      viewport: { width: 1280, height: 900 },
    });
    const response = await page.goto(`${server.url}/reports/${PERIOD}`);
    expect(response?.status()).toBe(200);
    // No sign-in: the public page itself, not a redirect to /signin.
    expect(new URL(page.url()).pathname).toBe(`/reports/${PERIOD}`);
    return page;
  }

  let shown: string[][] = [];
  let charts = 0;

  it("shows the table's figures as its CSV link publishes them, with an SVG chart per jurisdiction", async () => {
    const page = await open(true);
    await expect.poll(() => page.locator("h1").textContent()).toContain(`Government requests for user data, ${PERIOD}`);
    shown = await tableRows(page);
    expect(shown.length).toBeGreaterThan(10);

    // The CSV, from the page's own link, downloaded as a visitor would.
    const link = page.getByRole("link", { name: `Download ${PERIOD} as CSV` });
    expect(await link.getAttribute("href")).toBe(`/reports/${PERIOD}.csv`);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe(`transparency-${PERIOD}.csv`);
    const csv = await readFile(await download.path(), "utf8");
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    expect(header).toBe(CSV_COLUMNS.join(","));
    const published = lines.map((line) => line.split(","));
    const key = (row: string[]) => `${row[1]}/${row[2]}`;
    const byKey = new Map(published.map((row) => [key(row), row]));

    // Hong Kong (paused since July 2020: held, nothing produced) and the United States, row by row.
    for (const code of ["HK", "US", "GB", "DE"]) {
      const rows = shown.filter((row) => row[1] === code);
      if (code === "HK" || code === "US") expect(rows.length, code).toBeGreaterThan(0);
      for (const row of rows) expect(row, key(row)).toEqual(byKey.get(key(row)));
    }
    const hk = shown.filter((row) => row[1] === "HK");
    expect(hk.every((row) => row[5] === "0" && Number(row[7]) > 0)).toBe(true);
    const usNationalSecurity = shown.find((row) => row[1] === "US" && row[2] === "national_security");
    if (usNationalSecurity) expect(usNationalSecurity[3]).toMatch(/^\d+-\d+$/);
    // And the whole table is the whole CSV: no row missing on either side.
    expect(shown.map(key).sort()).toEqual(published.map(key).sort());
    expect(shown).toEqual(shown.map((row) => byKey.get(key(row))));

    // One server-rendered SVG chart per jurisdiction, each labelled for a screen reader.
    charts = await page.locator(".charts figure svg").count();
    expect(charts).toBeGreaterThan(5);
    for (const name of ["Hong Kong (HK)", "United States (US)"]) {
      const figure = page.locator(".charts figure", { has: page.locator("figcaption", { hasText: name }) });
      expect(await figure.locator("svg").count(), name).toBe(1);
      expect(await figure.locator("svg").getAttribute("role")).toBe("img");
      expect(await figure.locator("svg").getAttribute("aria-label")).toBeTruthy();
      expect(await figure.locator("svg").boundingBox()).toMatchObject({ width: expect.any(Number) });
    }
    expect(await page.locator("script").count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/report-${PERIOD}.png`, fullPage: true });
  }, 180_000);

  it("works the same with JavaScript disabled", async () => {
    const page = await open(false);
    expect(await tableRows(page)).toEqual(shown);
    expect(await page.locator(".charts figure svg").count()).toBe(charts);
    const svg = await page.locator(".charts figure svg").first().boundingBox();
    expect(svg?.width ?? 0).toBeGreaterThan(100);
    expect(await page.getByRole("link", { name: `Download ${PERIOD} as CSV` }).getAttribute("href")).toBe(
      `/reports/${PERIOD}.csv`,
    );
    await page.screenshot({ path: `${SHOTS}/report-${PERIOD}-no-javascript.png` });
  }, 60_000);
});
