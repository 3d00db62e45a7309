import type { Page } from "playwright-core";

/** One page load as the browser measured it (Navigation Timing), for the benchmarks that time pages. */
export interface PageTiming {
  /** Time to first byte: responseStart − requestStart, ms. */
  ttfb: number;
  /** The load event, ms from navigation start. */
  load: number;
  bytes: number;
  /** Elements in the document, for how heavy the page is to lay out. */
  nodes: number;
}

/** Load `url` in `page` and read its timing; anything but 200 is an error, not a figure. */
export async function timePageLoad(page: Page, url: string): Promise<PageTiming> {
  const response = await page.goto(url, { waitUntil: "load" });
  if (response?.status() !== 200) throw new Error(`${url}: ${response?.status()}`);
  const bytes = (await response.body()).length;
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    return {
      ttfb: (nav?.responseStart ?? 0) - (nav?.requestStart ?? 0),
      load: nav?.loadEventEnd ?? 0,
      nodes: document.getElementsByTagName("*").length,
    };
  });
  return { ...timing, bytes };
}
