import { chromium } from "playwright-core";
import { currentTotpCode } from "../src/auth/credentials.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { DEMO_SCALE, seedDemoHistory } from "../src/demo/history.js";
import { seedDemo } from "../src/demo/seed.js";
import { startServer } from "../src/server/server.js";
import { type BenchResult, median, ratioOf } from "./harness.js";
import { type PageTiming, timePageLoad } from "./support/page-timing.js";

/**
 * The desk's pages as intake's browser gets them, on the demo (its world and its history of 57,508
 * requests at BENCH_SCALE 1, on embedded PGlite as `custodian demo` runs): queue page 1 (intake's default view, and the open requests)
 * and the demo's approved request's page, each timed in headless Chromium by Navigation Timing (time to first
 * byte, responseStart − requestStart, and the load event), the first load and the median of five more.
 * The peer is the sign-in page from the same server (no data read), what every page costs at least.
 * The demo is seeded into memory each run; CUSTODIAN_CHROMIUM names the browser.
 */

export const benchmark = {
  name: "desk-pages",
  description: "queue page 1 and a request page for intake in Chromium on the demo (PGlite)",
  async run(scale: number): Promise<BenchResult[]> {
    const dataDir = "memory://";
    const database = await openDatabase({ dataDir });
    const db = database.db;
    await migrateToLatest(db);
    const config = loadConfig({ CUSTODIAN_PUBLIC_URL: "http://127.0.0.1:4000" }, { dataDir });
    const world = await seedDemo(db, config, () => new Date());
    const history = await seedDemoHistory(db, { scale: DEMO_SCALE * scale });
    const intake = world.accounts.find((a) => a.role === "intake") as (typeof world.accounts)[number];
    const server = await startServer(db, config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    const browser = await chromium.launch({
      executablePath: process.env.CUSTODIAN_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const signIn = await timePageLoad(page, `${server.url}/signin`);
      await page.getByLabel("E-mail").fill(intake.email);
      await page.getByLabel("Password").fill(intake.password);
      await page.getByLabel("Code from your authenticator app").fill(currentTotpCode(intake.totpSecret));
      await Promise.all([
        page.waitForURL((u) => u.pathname !== "/signin"),
        page.getByRole("button", { name: "Sign in" }).click(),
      ]);
      const pages = [
        ["queue page 1, intake's default view", "/desk"],
        ["queue page 1, open", "/desk?view=open"],
        ["request page", `/desk/requests/${world.approvedRequestId}`],
      ] as const;
      const results: BenchResult[] = [];
      const peer: number[] = [signIn.ttfb];
      for (let i = 0; i < 5; i++) peer.push((await timePageLoad(page, `${server.url}/signin`)).ttfb);
      const peerTtfb = median(peer);
      const round = (n: number) => Number(n.toFixed(1));
      for (const [name, path] of pages) {
        const first = await timePageLoad(page, `${server.url}${path}`);
        const warm: PageTiming[] = [];
        for (let i = 0; i < 5; i++) warm.push(await timePageLoad(page, `${server.url}${path}`));
        const ttfb = median(warm.map((t) => t.ttfb));
        results.push({
          bench: "desk-pages",
          figure: `${name} time to first byte, warm median of 5 (ms)`,
          value: round(ttfb),
          peer: "sign-in page",
          peerValue: round(peerTtfb),
          ratio: ratioOf(peerTtfb, ttfb),
          note: `${history.requests} requests; first load ${first.ttfb.toFixed(0)} ms to first byte, ${first.load.toFixed(0)} ms to load; warm load ${median(warm.map((t) => t.load)).toFixed(0)} ms; ${(first.bytes / 1000).toFixed(1)} kB, ${first.nodes} DOM nodes`,
        });
      }
      return results;
    } finally {
      await browser.close();
      await server.close();
      await database.close();
    }
  },
};
