import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBag } from "../../src/fulfilment/bagit.js";
import { seedMessengerStore } from "../../src/fulfilment/sources/messenger.seed.js";
import { extractTar } from "../../src/fulfilment/tar.js";
import { runDueJobs } from "../../src/jobs/jobs.js";
import { configuredJobHandlers } from "../../src/server/job-handlers.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { answerChecklist, CHROMIUM_FOUND, Chromium, SHOTS, screenshot } from "../support/browser.js";
import { requestDocument } from "../support/fixtures.js";
import { type Account, type Desk, openDesk } from "../support/http.js";

/**
 * Issue 6 in a real Chromium against the real server: a request is approved through the desk's pages
 * (a reviewer recommends, counsel approves), the fulfilment job the approval queued runs, and the
 * officer downloads the production from the portal — once. The file the browser saved is a tar whose
 * BagIt bag validates; a second download is refused. Screenshots go to test-results/screenshots/.
 * Without Chromium the suite is reported as skipped, never passed.
 */

const MASTER_KEY = Buffer.alloc(32, 13).toString("base64");

describe.skipIf(!CHROMIUM_FOUND)("an officer downloads a production in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;
  let requestId = "";
  let scratch = "";

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "custodian-download-"));
    desk = await openDesk("pglite", { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    await seedMessengerStore(desk.db, {
      accounts: 6,
      seed: 3,
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2020-12-31T00:00:00Z"),
    });
    // The officer's agency system files the request through the API; the people then work in the pages.
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        reference: "FBI-BROWSER-0006",
        receivedAt: new Date().toISOString(),
        jurisdiction: "US",
        process: "court_order",
        targets: [{ type: "account_id", value: "1002993841" }],
        categories: ["subscriber.name", "subscriber.phone", "records.ip_logs"],
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    requestId = (submitted.json() as { id: string }).id;
    // A person signing in uses the code of the real clock's step; forget the steps set-up claimed.
    await desk.db.updateTable("app_user").set({ totp_last_step: null }).execute();
    // The background loop is left idle: the test runs the due jobs itself, so it knows when they ran.
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const signedIn = (account: Account, path?: string) =>
    chrome.signedIn(server.url, account, { acceptDownloads: true, ...(path ? { path } : {}) });

  it("a reviewer recommends and counsel approves through the pages; the fulfilment job packages it", async () => {
    const intake = await signedIn(desk.accounts.intake);
    await intake.goto(`${server.url}/desk/requests/${requestId}`);
    await intake.getByLabel("Verified: send it for legal review").check();
    await intake.getByLabel("What you checked").fill("Court order checked with the clerk.");
    await intake.getByRole("button", { name: "Record the check" }).click();
    await intake.waitForURL(/notice=advanced/);
    const reviewer = await signedIn(desk.accounts.reviewer);
    await reviewer.goto(`${server.url}/desk/requests/${requestId}`);
    await answerChecklist(reviewer);
    await reviewer.getByLabel("Recommend approval").check();
    await reviewer.getByLabel("Note").fill("Subscriber records and IP logs for one account, as ordered.");
    await reviewer.getByRole("button", { name: "Record the review" }).click();
    await reviewer.waitForURL(/notice=reviewed/);

    const counsel = await signedIn(desk.accounts.counsel);
    await counsel.goto(`${server.url}/desk/requests/${requestId}`);
    await answerChecklist(counsel);
    await counsel.getByLabel("Approve the disclosure").check();
    await counsel.getByRole("button", { name: "Record the review" }).click();
    await counsel.getByRole("button", { name: "Approve and disclose" }).click();
    await counsel.waitForURL(/notice=approved/);
    await expect.poll(() => counsel.locator("h1 .badge").textContent()).toBe("approved");

    // The approval queued `request.fulfil` in its own transaction; run it as a worker would.
    const queued = await desk.db
      .selectFrom("job")
      .select(["kind", "status"])
      .where("kind", "=", "request.fulfil")
      .execute();
    expect(queued).toEqual([{ kind: "request.fulfil", status: "pending" }]);
    const ran = await runDueJobs(desk.db, configuredJobHandlers(desk.config), { workerId: "browser-test" });
    expect(ran.failed).toBe(0);
    const request = await desk.db
      .selectFrom("request")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe("delivered");
  }, 180_000);

  it("the officer follows the mail's link, downloads the bag once, and a second download is refused", async () => {
    const mail = await desk.db
      .selectFrom("mail_outbox")
      .select("body")
      .where("purpose", "=", "production.ready")
      .executeTakeFirstOrThrow();
    const link = new URL(/https?:\/\/\S+\/portal\/productions\/\S+/.exec(mail.body)?.[0] as string);
    expect(link.search).toBe("");
    const productionId = link.pathname.split("/").at(-1) as string;

    // The link leads through sign-in (with the second factor) to the request's production section.
    const officer = await signedIn(desk.accounts.officerA, link.pathname);
    expect(new URL(officer.url()).pathname).toBe(`/portal/requests/${requestId}`);
    const section = officer.locator("#production");
    await expect.poll(() => section.textContent()).toContain("Not yet");
    expect(await section.textContent()).toMatch(/\d+ files, [\d.]+ kB as a tar/);
    expect(await section.textContent()).toContain("1002993841");
    await section.screenshot({ path: `${SHOTS}/13-portal-production.png` });
    await screenshot(officer, "14-portal-request-delivered");

    const button = officer.getByRole("button", { name: "Download the production" });
    const [download] = await Promise.all([officer.waitForEvent("download"), button.click()]);
    expect(download.suggestedFilename()).toBe(`custodian-production-${productionId}.tar`);
    const saved = join(scratch, download.suggestedFilename());
    await download.saveAs(saved);
    expect(await download.failure()).toBeNull();

    // The file the browser saved: a tar holding a BagIt bag that validates, file by file.
    const out = join(scratch, "extracted");
    const names = await extractTar(createReadStream(saved), out);
    const bag = `custodian-production-${productionId}`;
    expect(names).toContain(`${bag}/manifest-sha256.txt`);
    const report = await verifyBag(join(out, bag));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.payloadFiles).toBeGreaterThan(2);
    expect(await readFile(join(out, bag, "data/subscriber.name.json"), "utf8")).toContain("1002993841");

    // The page still shows the button; pressing it again is refused, on a page that says why.
    await Promise.all([officer.waitForURL(`**/portal/productions/${productionId}/download`), button.click()]);
    await expect.poll(() => officer.locator("main h1").textContent()).toBe("This production was already downloaded");
    expect(await officer.locator("main").textContent()).toContain(`by ${desk.accounts.officerA.email}`);
    expect(await officer.getByRole("link", { name: "Back to the request and its production" }).count()).toBe(1);
    await screenshot(officer, "15-portal-production-refused");

    await officer.goto(`${server.url}/portal/requests/${requestId}`);
    await expect.poll(() => section.textContent()).toContain(`by ${desk.accounts.officerA.email}`);
    expect(await officer.getByRole("button", { name: "Download the production" }).count()).toBe(0);
    await section.screenshot({ path: `${SHOTS}/16-portal-production-downloaded.png` });

    const trail = await desk.db
      .selectFrom("audit_event")
      .select(["action", "payload"])
      .where("object_id", "=", productionId)
      .where("action", "in", ["production.downloaded", "production.download_refused"])
      .orderBy("id")
      .execute();
    expect(trail.map((e) => [e.action, (e.payload as { reason?: string }).reason])).toEqual([
      ["production.downloaded", undefined],
      ["production.download_refused", "already_downloaded"],
    ]);
  }, 180_000);
});
