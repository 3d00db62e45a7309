import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoHistory } from "../../src/demo/history.js";
import { CSV_COLUMNS } from "../../src/reports/report.format.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { seriousViolations } from "../support/axe.js";
import { CHROMIUM_FOUND, Chromium, SHOTS } from "../support/browser.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Issue 7 in a real Chromium against the real server: the public transparency report of 2020H2, with no
 * sign-in, over the demo history (Apple's volumes × 0.02). The figures the page's table shows are the
 * figures of the CSV its own link downloads; the page carries one SVG chart per jurisdiction, and works
 * the same with JavaScript disabled. Without Chromium the suite is reported as skipped, never passed.
 */

const PERIOD = "2020H2";

/** The table's rows as the CSV writes them: the process with underscores, figures without their thousands commas. */
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
    ...figures.map((figure) => figure.replaceAll(",", "")),
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

  async function open(javaScriptEnabled: boolean, width = 1280): Promise<Page> {
    const page = await chrome.page({
      javaScriptEnabled,
      acceptDownloads: true,
      locale: "en-GB",
      viewport: { width, height: 900 },
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

  it("opens with the headline figures, ends the table with its total, and sorts it by country name", async () => {
    const page = await open(true);
    // The headline comes before the first chart and the table, and adds up to the total row.
    const headline = page.locator("dl.headline");
    const firstChart = page.locator(".charts figure").first();
    const above = async (a: typeof headline, b: typeof headline) =>
      ((await a.boundingBox())?.y ?? 0) < ((await b.boundingBox())?.y ?? 0);
    expect(await above(headline, firstChart)).toBe(true);
    const figure = async (term: string) =>
      (await headline
        .locator("div", { has: page.locator("dt", { hasText: term }) })
        .locator("dd")
        .textContent()) ?? "";
    const total = page.locator("main table tfoot tr");
    const totals = await total.locator("td").allTextContents();
    expect(await total.locator("th").textContent()).toMatch(/^Total/);
    expect(await figure("Requests received")).toBe(totals[0]);
    expect(await figure("Held")).toBe(totals[4]);
    expect(await figure("Some data produced")).toBe(`${totals[3]}%`);

    // The total row is the sum of the exact rows (national security is published in bands, left out).
    const exactRows = shown.filter((row) => !String(row[3]).includes("-"));
    const sum = (column: number) => exactRows.reduce((n, row) => n + Number(row[column]), 0);
    expect(totals.slice(0, 3).map((t) => t.replaceAll(",", ""))).toEqual([sum(3), sum(4), sum(5)].map(String));

    // By the name shown, so Switzerland is not between Canada and Chile.
    const names = await page.locator("main table tbody th").allTextContents();
    expect(names).toEqual([...names].sort(new Intl.Collator("en").compare));
    await page.locator("main table tfoot").screenshot({ path: `${SHOTS}/report-${PERIOD}-total-row.png` });
  }, 60_000);

  it("marks the Hong Kong pause on its chart: held requests hatched, no 0 % line after it", async () => {
    const page = await open(true);
    const hk = page.locator(".charts figure", { has: page.locator("figcaption", { hasText: "Hong Kong (HK)" }) });
    await expect.poll(() => hk.locator("figcaption").textContent()).toContain("Paused since 6 Jul 2020");
    const pause = hk.locator("svg line.pause");
    expect(await pause.count()).toBe(1);
    expect(await hk.locator("svg text", { hasText: "paused 6 Jul 2020" }).count()).toBe(1);
    expect(await hk.locator("svg rect.held").count()).toBeGreaterThan(0);
    // Every held bar is right of the pause line: the pause is where the holding began.
    const at = (await pause.boundingBox())?.x ?? 0;
    for (const bar of await hk.locator("svg rect.held").all()) {
      expect((await bar.boundingBox())?.x ?? 0).toBeGreaterThan(at);
    }
    const label = (await hk.locator("svg").getAttribute("aria-label")) ?? "";
    expect(label).toMatch(/2020H2: \d+ requests, all held/);
    expect(label).not.toMatch(/2020H2: [^;]*0% answered/);
    await hk.screenshot({ path: `${SHOTS}/report-${PERIOD}-hong-kong.png` });
  }, 60_000);

  for (const width of [1280, 390]) {
    it(`fits ${width} px without sideways scrolling, and has no serious or critical axe violation`, async () => {
      const page = await open(true, width);
      // The page itself never scrolls sideways; the wide table scrolls in its own labelled region.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      for (const svg of await page.locator(".charts svg").all()) {
        expect(((await svg.boundingBox())?.width ?? 0) <= width).toBe(true);
      }
      const region = page.getByRole("region", {
        name: `Requests received in ${PERIOD}, by jurisdiction and legal process`,
      });
      expect(await region.count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/report-${PERIOD}-${width}.png`, fullPage: true });
    }, 120_000);
  }
});
