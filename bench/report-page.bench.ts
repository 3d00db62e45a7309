import { chromium } from "playwright-core";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { DEMO_SCALE, seedDemoHistory } from "../src/demo/history.js";
import { startServer } from "../src/server/server.js";
import { type BenchResult, median, ratioOf } from "./harness.js";
import { type PageTiming, timePageLoad } from "./support/page-timing.js";

/**
 * The public report page as a visitor's browser gets it, on the demo's history (57,508 requests at
 * BENCH_SCALE 1, on embedded PGlite as `custodian demo` runs): time to first byte of /reports/2020H2 in
 * headless Chromium (Navigation Timing, responseStart − requestStart), the first load and the median of
 * five more, the HTML's size and the page's DOM nodes. The peer is the CSV of the same period from the
 * same server (the same rollup read, no page), which is what the page's own work costs on top of.
 *
 * REPORT_PAGE_DATA names a PGlite directory to keep the seeded history in between runs (the history
 * resumes, so a second run seeds nothing); without it the history is seeded into memory each run.
 * CUSTODIAN_CHROMIUM names the browser (default /usr/bin/chromium).
 */

const PERIOD = "2020H2";

export const benchmark = {
  name: "report-page",
  description: "time to first byte of the public report page in Chromium on the demo's history (PGlite)",
  async run(scale: number): Promise<BenchResult[]> {
    const dataDir = process.env.REPORT_PAGE_DATA ?? "memory://";
    const database = await openDatabase({ dataDir });
    const db = database.db;
    await migrateToLatest(db);
    const seeded = await seedDemoHistory(db, { scale: DEMO_SCALE * scale });
    const config = loadConfig({ CUSTODIAN_PUBLIC_URL: "http://127.0.0.1:4000" }, { dataDir });
    const server = await startServer(db, config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    const browser = await chromium.launch({
      executablePath: process.env.CUSTODIAN_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const load = (path: string) => timePageLoad(page, `${server.url}${path}`);
      // A CSV is downloaded, not shown: its first byte is timed from Node (the same server, warm).
      const csvTtfb = async (): Promise<number> => {
        const started = performance.now();
        const response = await fetch(`${server.url}/reports/${PERIOD}.csv`);
        const reader = response.body?.getReader();
        await reader?.read();
        const elapsed = performance.now() - started;
        await reader?.cancel();
        return elapsed;
      };

      const first = await load(`/reports/${PERIOD}`);
      const warm: PageTiming[] = [];
      for (let i = 0; i < 5; i++) warm.push(await load(`/reports/${PERIOD}`));
      const csv: number[] = [];
      for (let i = 0; i < 5; i++) csv.push(await csvTtfb());
      const ttfb = median(warm.map((t) => t.ttfb));
      const csvMedian = median(csv);
      const note = `${seeded.requests} requests; first load ${first.ttfb.toFixed(0)} ms to first byte, ${first.load.toFixed(0)} ms to load`;
      const round = (n: number) => Number(n.toFixed(1));
      return [
        {
          bench: "report-page",
          figure: "report page time to first byte, warm median of 5 (ms)",
          value: round(ttfb),
          peer: "CSV of the same period",
          peerValue: round(csvMedian),
          ratio: ratioOf(csvMedian, ttfb),
          note,
        },
        {
          bench: "report-page",
          figure: "report page load event, warm median of 5 (ms)",
          value: round(median(warm.map((t) => t.load))),
          peer: "report page time to first byte",
          peerValue: round(ttfb),
          ratio: ratioOf(ttfb, median(warm.map((t) => t.load))),
        },
        {
          bench: "report-page",
          figure: "report page HTML (kB)",
          value: round(first.bytes / 1000),
          peer: "DOM nodes",
          peerValue: first.nodes,
          ratio: ratioOf(first.bytes / 1000, first.nodes),
        },
      ];
    } finally {
      await browser.close();
      await server.close();
      await database.close();
    }
  },
};
