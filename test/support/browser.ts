import { existsSync, mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { currentTotpCode } from "../../src/auth/credentials.js";
import { seriousViolations } from "./axe.js";
import { ROOT } from "./fixtures.js";
import { type Account, PASSWORD } from "./http.js";

/**
 * Debian's Chromium for the browser suites (.ci/run installs it; CUSTODIAN_CHROMIUM names another).
 * Without it a suite is reported as skipped (`describe.skipIf(!CHROMIUM_FOUND)`), never passed.
 */
export const CHROMIUM = process.env.CUSTODIAN_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_FOUND = existsSync(CHROMIUM);
if (!CHROMIUM_FOUND) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Where the suites save what each main page looks like. */
export const SHOTS = `${ROOT}test-results/screenshots`;

export function screenshot(page: Page, name: string) {
  return page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** One Chromium for a suite: pages in contexts of their own (a person each), all closed together. */
export class Chromium {
  /** Every context opened, in order. */
  readonly contexts: BrowserContext[] = [];

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<Chromium> {
    mkdirSync(SHOTS, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    return new Chromium(browser);
  }

  /** A new person's page; a script error on it fails the test. */
  async page(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await this.browser.newContext(options);
    this.contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (error) => {
      throw error;
    });
    return page;
  }

  /**
   * `account` signed in through the sign-in page with its password and current code, in London unless
   * told otherwise. Opening `path` (the sign-in page by default) must lead to the sign-in page first.
   */
  async signedIn(
    baseUrl: string,
    account: Account,
    { path = "/signin", ...options }: BrowserContextOptions & { path?: string } = {},
  ): Promise<Page> {
    const page = await this.page({
      timezoneId: "Europe/London",
      locale: "en-GB",
      viewport: { width: 1366, height: 900 },
      ...options,
    });
    await page.goto(`${baseUrl}${path}`);
    expect(new URL(page.url()).pathname).toBe("/signin");
    await page.getByLabel("E-mail").fill(account.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Code from your authenticator app").fill(currentTotpCode(account.totpSecret));
    await Promise.all([
      page.waitForURL((url) => url.pathname !== "/signin"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    return page;
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close();
    await this.browser.close();
  }
}

/** Answer the desk's standards checklist as a person does: every item met, the risk as given. */
export async function answerChecklist(page: Page, risk: "low" | "medium" | "high" = "low") {
  for (const item of [/^Legality/, /^Necessity and proportionality/, /^Due process/]) {
    await page.getByRole("group", { name: item }).getByLabel("Met", { exact: true }).check();
  }
  await page
    .getByRole("group", { name: /^Human-rights risk/ })
    .getByLabel(risk, { exact: true })
    .check();
}

/**
 * The page as it stands at a laptop's width (1280 px) and a phone's (390 px): a screenshot of each
 * (`<name>-1280`, `<name>-390`), the serious or critical axe-core violations found at either, and what
 * sticks out past the phone's width (so the page would scroll sideways). The viewport is left at 1280 px.
 */
export async function atBothWidths(
  page: Page,
  name: string,
): Promise<{ violations: Array<{ width: number; id: string; targets: string[] }>; phoneOverflow: string[] }> {
  const violations: Array<{ width: number; id: string; targets: string[] }> = [];
  let phoneOverflow: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await screenshot(page, `${name}-${width}`);
    for (const v of await seriousViolations(page)) violations.push({ width, id: v.id, targets: v.targets });
    if (width === 390) {
      // The outermost elements past the edge, not counting what scrolls inside a box of its own (the pages'
      // .table-scroll, the report's .scroll).
      phoneOverflow = await page.evaluate(() =>
        Array.from(document.querySelectorAll("body *"))
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .filter((e) => !e.parentElement?.closest(".table-scroll, .scroll"))
          .filter(
            (e) =>
              !(
                e.parentElement &&
                e.parentElement.getBoundingClientRect().right > document.documentElement.clientWidth + 1
              ),
          )
          .map(
            (e) =>
              `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className ? `.${String(e.className).replaceAll(" ", ".")}` : ""}`,
          ),
      );
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return { violations, phoneOverflow };
}
